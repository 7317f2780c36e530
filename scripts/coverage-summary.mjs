// Prints line and branch coverage per package from the json-summary report that
// `vitest run --coverage` writes to coverage/coverage-summary.json.
import { readFileSync } from 'node:fs'
import { relative } from 'node:path'

const summary = JSON.parse(readFileSync('coverage/coverage-summary.json', 'utf8'))
const totals = new Map()
for (const [file, figures] of Object.entries(summary)) {
  if (file === 'total') continue
  const name = relative(process.cwd(), file).split('/')[1]
  const sum = totals.get(name) ?? { lines: [0, 0], branches: [0, 0] }
  sum.lines[0] += figures.lines.covered
  sum.lines[1] += figures.lines.total
  sum.branches[0] += figures.branches.covered
  sum.branches[1] += figures.branches.total
  totals.set(name, sum)
}
const percent = ([covered, total]) => (total === 0 ? 100 : (100 * covered) / total).toFixed(1)
console.log('coverage by package (lines, branches):')
for (const [name, sum] of [...totals].sort(([a], [b]) => a.localeCompare(b)))
  console.log(
    `  @bearer-guard/${name}: ${percent(sum.lines)}% lines, ${percent(sum.branches)}% branches`,
  )
