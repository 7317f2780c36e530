// `pnpm bench:routes [contender ...]`: what Express contenders add over the bare framework, each
// read against the `/bare` route of its own process, the way `pnpm bench` reads Express's targets.
// Defaults: express/no-op middleware, express/bearer-guard; one repeated token.
//
// Made to compare versions of the code or throwaway contenders (add them to contenders.mjs):
// the processes of all contenders are interleaved (A, B, A, B, ...), because readings a few
// minutes apart drift by ±6 µs even where the processes of one batch agree within a few µs
// (2026-11-25). Each process is warmed (WARMUP s on each route), then reads PAIRS pairs of 1 s
// windows, `/bare` and `/orders` in turn; it prints each process's median difference in
// user-space CPU and, per contender, the median of all its pairs.
//
// Environment: PROCESSES (3 per contender), PAIRS (15 per process), WARMUP (4), ALG (ES256).
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createIssuer } from '@bearer-guard/testing'
import {
  alternate,
  cpuWindow,
  differences,
  load,
  median,
  startServer,
  writeScenarioTokens,
} from './common.mjs'
import { bareRoute } from './contenders.mjs'

const names = process.argv.slice(2)
if (names.length === 0) names.push('express/no-op middleware', 'express/bearer-guard')
const PROCESSES = Number(process.env.PROCESSES ?? 3)
const PAIRS = Number(process.env.PAIRS ?? 15)
const WARMUP = Number(process.env.WARMUP ?? 4)
const ALG = process.env.ALG ?? 'ES256'
for (const name of names)
  if (!name.startsWith('express/')) throw new Error(`${name}: only Express apps have a /bare route`)

const issuer = await createIssuer({ algorithms: [ALG], audience: 'https://api.bench' })
const dir = mkdtempSync(join(tmpdir(), 'bearer-guard-routes-'))
const { repeated } = await writeScenarioTokens(issuer, ALG, dir, ['repeated'])
const config = { issuer: issuer.url, audience: issuer.audience, jwksUri: issuer.jwksUri, alg: ALG }
const pairsOf = new Map(names.map((name) => [name, []]))
try {
  for (let p = 0; p < PROCESSES; p++) {
    for (const name of names) {
      const server = await startServer(name, config)
      const bare = bareRoute(server)
      try {
        for (const side of [server, bare])
          await load({ url: side.url, path: side.path, tokensFile: repeated.path, seconds: WARMUP })
        const pairs = await alternate(
          PAIRS,
          () => cpuWindow(bare, repeated.path, 1),
          () => cpuWindow(server, repeated.path, 1),
        )
        const user = differences(pairs, (cpu) => cpu.user)
        pairsOf.get(name).push(...user)
        const perProcess = median(user)
        console.log(`${name}, process ${p + 1}: ${perProcess.toFixed(1)} µs user CPU over /bare`)
      } finally {
        await server.stop()
      }
    }
  }
  for (const [name, all] of pairsOf)
    console.log(`${name}: ${median(all).toFixed(1)} µs (median of ${all.length} pairs)`)
} finally {
  await issuer.close()
}
