// `pnpm bench:pair [reference] [contender] [scenario]`: what one app costs over another, read
// from both loaded at the same moment. Defaults: express/bare, express/bearer-guard, repeated.
//
// One server process (pinned to core 0) serves both contenders from two worker threads; two
// load generators on core 1 load both at once, CONNECTIONS each; each thread's own CPU time per
// request comes from Linux's /proc/thread-self. Both see the same moment of the machine, which
// here runs a request anywhere from 100 to 250 µs from one second to the next: two bare Express
// servers read within ±2 µs of each other per process, where alternating windows (run.mjs) read
// ±15. The price: the two threads take turns on one core and evict each other's caches, so an
// app with more code and data per request reads more here than alone (bearer-guard on Express,
// one repeated token: 30–41 µs with 5 connections each, 18–27 with 25, 16–22 with 100). Use it
// to compare versions of the code against one reference, not for a bound against a bare
// framework. (run.mjs reads one target this way, bad signatures against valid tokens: there both
// threads run the same app, so the bias falls on both sides alike.)
//
// Environment: PROCESSES (2), WINDOWS (5 per process), SECONDS (2 per window), CONNECTIONS (25
// per server), ALG (ES256), FLAGS (Node flags for the server process).
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createIssuer } from '@bearer-guard/testing'
import { loadAtOnce, median, startServer, threadWindow, writeScenarioTokens } from './common.mjs'

const [reference = 'express/bare', contender = 'express/bearer-guard', scenario = 'repeated'] =
  process.argv.slice(2)
const PROCESSES = Number(process.env.PROCESSES ?? 2)
const WINDOWS = Number(process.env.WINDOWS ?? 5)
const SECONDS = Number(process.env.SECONDS ?? 2)
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 25)
const ALG = process.env.ALG ?? 'ES256'
const FLAGS = (process.env.FLAGS ?? '').split(' ').filter(Boolean)

const issuer = await createIssuer({ algorithms: [ALG], audience: 'https://api.bench' })
const dir = mkdtempSync(join(tmpdir(), 'bearer-guard-pair-'))
const files = await writeScenarioTokens(issuer, ALG, dir, [scenario])
const config = { issuer: issuer.url, audience: issuer.audience, jwksUri: issuer.jwksUri, alg: ALG }
// The reference gets the repeated token (a bare framework ignores it), the contender the scenario's.
const tokens = [files.repeated, files[scenario]]
const differences = []
for (let p = 0; p < PROCESSES; p++) {
  const pair = await startServer([reference, contender], config, FLAGS)
  const { servers } = pair
  try {
    await loadAtOnce(servers, tokens, {
      seconds: 4,
      amount: tokens[1].count,
      connections: CONNECTIONS,
    })
    await loadAtOnce(servers, tokens, { seconds: 4, connections: CONNECTIONS })
    const windows = []
    for (let w = 0; w < WINDOWS; w++) {
      const [a, b] = await threadWindow(servers, tokens, {
        seconds: SECONDS,
        connections: CONNECTIONS,
      })
      windows.push(b - a)
      console.error(
        `process ${p} window ${w}: ${reference} ${a.toFixed(1)}, ${contender} ${b.toFixed(1)} µs CPU/req (+${(b - a).toFixed(1)})`,
      )
    }
    differences.push(median(windows))
  } finally {
    await pair.stop()
  }
}
await issuer.close()
console.log(
  `${contender} over ${reference} (${scenario}, ${ALG}, ${CONNECTIONS} connections each): ${differences.map((d) => d.toFixed(1)).join(', ')} µs CPU/req per process, median ${median(differences).toFixed(1)}`,
)
process.exit(0)
