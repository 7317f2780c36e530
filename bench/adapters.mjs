// `pnpm bench:adapters`: what each adapter adds per request over its bare framework.
//
// Each round is its own process pinned to one core (adapters-worker.mjs) holding the bare
// framework and bearer-guard on it side by side: requests are injected straight into each app's
// handler with light-my-request (no sockets, so network noise stays out) and timed as the
// process's CPU time, in alternating batches of BATCH requests (PAIRS pairs after 10,000 warm-up
// requests each). A round's figure is the median of its per-pair differences; the table shows
// the median over ROUNDS. Pairing matters on a shared machine: two runs of the same app in
// separate processes differ by ±20 µs here, two neighbouring batches by far less.
//
// Environment: ROUNDS (5), ALG (ES256 or RS256), FRAMEWORKS and SCENARIOS (comma lists).
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createIssuer } from '@bearer-guard/testing'
import { median, outputOf, pinnedNode, SCENARIOS as ALL, writeScenarioTokens } from './common.mjs'

const ROUNDS = Number(process.env.ROUNDS ?? 5)
const ALG = process.env.ALG ?? 'ES256'
const FRAMEWORKS = process.env.FRAMEWORKS?.split(',') ?? ['express', 'koa', 'fastify']
const SCENARIOS = process.env.SCENARIOS?.split(',') ?? ALL
const worker = fileURLToPath(new URL('./adapters-worker.mjs', import.meta.url))

const issuer = await createIssuer({ algorithms: [ALG], audience: 'https://api.bench' })
const config = JSON.stringify({
  issuer: issuer.url,
  audience: issuer.audience,
  jwksUri: issuer.jwksUri,
  alg: ALG,
})
const dir = mkdtempSync(join(tmpdir(), 'bearer-guard-adapters-'))
const files = await writeScenarioTokens(issuer, ALG, dir, SCENARIOS)

const rows = []
for (const framework of FRAMEWORKS) {
  for (const scenario of SCENARIOS) {
    const results = []
    for (let round = 0; round < ROUNDS; round++)
      results.push(
        JSON.parse(
          await outputOf(
            pinnedNode(0, [worker, framework, files.repeated.path, files[scenario].path, config]),
            `${framework} ${scenario}`,
          ),
        ),
      )
    const row = {
      framework,
      scenario,
      bare: median(results.map((result) => result.bare)),
      added: median(results.map((result) => result.added)),
    }
    rows.push(row)
    process.stderr.write(
      `${framework} ${scenario}: +${row.added.toFixed(1)} µs (rounds: ${results.map((result) => result.added.toFixed(1)).join(', ')})\n`,
    )
  }
}
await issuer.close()

console.log(
  `One process per round, bare and guarded alternating in batches of injected requests; ${ROUNDS} rounds, medians (${ALG})`,
)
console.log('| framework | scenario | bare framework | added by bearer-guard |')
console.log('| --- | --- | --- | --- |')
for (const row of rows)
  console.log(
    `| ${row.framework} | ${row.scenario} | ${row.bare.toFixed(1)} µs | ${row.added.toFixed(1)} µs |`,
  )
