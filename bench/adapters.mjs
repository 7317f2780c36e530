// `pnpm bench:adapters`: what each adapter adds per request over its bare framework.
//
// Each measurement is its own process pinned to one core: one app, 10,000 warm-up requests,
// then 50,000 requests injected straight into the framework's handler with light-my-request (no
// sockets, so network noise stays out), timed as the process's CPU time. Bare and guarded runs
// alternate over ROUNDS; the figure is the median of the per-round differences. On a shared
// machine a single run wanders by ±15 µs; the median over rounds is what the targets read.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createIssuer } from '@bearer-guard/testing'
import { median, outputOf, pinnedNode, SCENARIOS as ALL, writeScenarioTokens } from './common.mjs'

const ROUNDS = Number(process.env.ROUNDS ?? 5)
const FRAMEWORKS = ['express', 'koa', 'fastify']
const SCENARIOS = process.env.SCENARIOS?.split(',') ?? ALL
const worker = fileURLToPath(new URL('./adapters-worker.mjs', import.meta.url))

const issuer = await createIssuer({ algorithms: ['ES256'], audience: 'https://api.bench' })
const config = JSON.stringify({
  issuer: issuer.url,
  audience: issuer.audience,
  jwksUri: issuer.jwksUri,
  alg: 'ES256',
})
const dir = mkdtempSync(join(tmpdir(), 'bearer-guard-adapters-'))
const files = await writeScenarioTokens(issuer, 'ES256', dir, SCENARIOS)

const rows = []
for (const framework of FRAMEWORKS) {
  for (const scenario of SCENARIOS) {
    const bare = []
    const added = []
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 ? ['bearer-guard', 'bare'] : ['bare', 'bearer-guard']
      const times = {}
      for (const name of order)
        times[name] = await measure(
          `${framework}/${name}`,
          files[name === 'bare' ? 'repeated' : scenario].path,
        )
      bare.push(times.bare)
      added.push(times['bearer-guard'] - times.bare)
    }
    rows.push({ framework, scenario, bare: median(bare), added: median(added) })
    process.stderr.write(`${framework} ${scenario}: +${median(added).toFixed(1)} µs\n`)
  }
}
await issuer.close()

console.log(
  `One process per measurement: 50,000 injected requests after 10,000 warm-up, ${ROUNDS} rounds, medians (ES256)`,
)
console.log('| framework | scenario | bare framework | added by bearer-guard |')
console.log('| --- | --- | --- | --- |')
for (const row of rows)
  console.log(
    `| ${row.framework} | ${row.scenario} | ${row.bare.toFixed(1)} µs | ${row.added.toFixed(1)} µs |`,
  )

async function measure(name, tokensFile) {
  return Number(await outputOf(pinnedNode(0, [worker, name, tokensFile, config]), name))
}
