// The README quick starts, as the suites that run them read them: test/readme.test.ts (on the
// workspace sources) and test/packed/packed-install.test.ts (on the packed tarballs).
import { readFileSync } from 'node:fs'

const root = new URL('../', import.meta.url)

/** The code block that follows `<!-- quick-start: <name> ... -->` in a README (path from the root). */
export function quickStart(readme: string, name: string): string {
  const text = readFileSync(new URL(readme, root), 'utf8')
  const marker = text.indexOf(`<!-- quick-start: ${name}`)
  const start = text.indexOf('```ts\n', marker) + '```ts\n'.length
  if (marker === -1 || start < marker)
    throw new Error(`${readme} has no quick-start block for ${name}`)
  return text.slice(start, text.indexOf('```', start))
}
