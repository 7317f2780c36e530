// `pnpm bench`: bearer-guard against its peers and the bare framework, in one run, on loopback.
//
// Every contender of contenders.mjs runs as its own server process pinned to core 0; the load
// (autocannon, 50 connections) runs as another process pinned to core 1. A server's throughput
// is what its core can serve: one second over the CPU time it spends per request, read from the
// server itself, so that a load generator short of breath (bare Fastify nearly outruns it here)
// cannot flatter a contender. Each app also answers `/bare` ahead of any middleware, so a
// contender is read against the bare framework of its own process: windows of SECONDS on `/bare`
// (one repeated token, which it ignores) and on `/orders` (the scenario's tokens) alternate
// PAIRS times, and each pair gives one ratio of throughputs, contender over bare. The whole set
// runs ROUNDS times, a fresh process each time, in an order rotated each round; a figure is the
// median of all the run's pairs, with its quartiles beside. The targets are checked against
// those ratios and printed with them.
//
// Environment: ALGS (ES256,RS256), ROUNDS (2), PAIRS (3), SECONDS (2), SCENARIOS (comma list),
// ONLY (a substring of contender names; the bare framework and the no-op references always run),
// SKIP_MEMORY (leave out the token-cache memory run). A run without ONLY writes its report, its
// command included, into bench/README.md; every run writes its samples to
// bench/results/<date>.json, which git ignores.
import { spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { availableParallelism, cpus } from 'node:os'
import { fileURLToPath } from 'node:url'
import {
  alternate,
  benchIssuer,
  DPOP_SCENARIOS,
  load,
  median,
  outputOf,
  pinnedNode,
  quantile,
  SCENARIOS as ALL,
  startServer,
  window,
} from './common.mjs'
import { BARE_PATH, contenders } from './contenders.mjs'

const ALGS = (process.env.ALGS ?? 'ES256,RS256').split(',')
const ROUNDS = Number(process.env.ROUNDS ?? 2)
const PAIRS = Number(process.env.PAIRS ?? 3)
const SECONDS = Number(process.env.SECONDS ?? 2)
const SCENARIOS = process.env.SCENARIOS?.split(',') ?? ALL
const ONLY = process.env.ONLY
// The one pass over a scenario's tokens before it is measured stops after this many seconds.
const WARMUP_MAX = 4
// The guard's default refetch cooldown: a flood of unknown kids may fetch the JWKS once per this.
const COOLDOWN_SECONDS = 30
const here = (file) => fileURLToPath(new URL(file, import.meta.url))

// Targets on the throughput ratios. A repeated token is a verified-token cache hit.
const REPEATED = { express: 0.9, koa: 0.9, fastify: 0.85 }
// A cache miss on every request (the uncached guard, distinct tokens) reaches at least this share
// of the physical limit: the bare framework plus one signature check by node:crypto, computed
// from the two rates (1 / (1/bare + 1/verify)) and measured (the `one crypto.verify` app)...
const OF_LIMIT = 0.8
// ...and is at least this many times as fast as each peer in its best configuration.
const OVER_PEERS = 1.3
// Bad signatures cost no more than valid tokens: within this share, the difference two
// measurements of one scenario show here a few minutes apart.
const SAME_COST = 0.95
// Garbage and unknown kids cost no signature check: what they cost over a repeated token is at
// most this share of one signature check by node:crypto on the same core (verify-rate.mjs).
const NO_SIGNATURE = 0.5
// A DPoP request (a cached token, a fresh ES256 proof) reaches this share of the limit of one
// signature check a request, computed and measured like a cache miss's; a replayed or invalid
// proof costs no more than a valid one (SAME_COST).
const DPOP_OF_LIMIT = 0.75

const isReference = (name) => /\/(bare|no-op (middleware|hook)|one crypto\.verify)$/.test(name)
const names = Object.keys(contenders).filter(
  (name) => !ONLY || name.includes(ONLY) || isReference(name),
)
// Reference apps ignore the token; the uncached guard's figures are its cache misses; the
// peers, which keep no verified-token cache, are compared with them on distinct valid tokens.
// The DPoP scenarios run with ES256 proofs, in the ES256 pass, on the cached guard only.
const scenariosOf = (name, alg) => {
  if (isReference(name)) return ['repeated']
  if (/\/bearer-guard$/.test(name))
    return SCENARIOS.filter((s) => alg === 'ES256' || !DPOP_SCENARIOS.includes(s))
  const kept = name.endsWith('-uncached') ? ['distinct', 'bad-signature'] : ['distinct']
  return SCENARIOS.filter((s) => kept.includes(s))
}

const started = new Date()
const verifyRates = {}
for (const alg of ALGS)
  verifyRates[alg] = JSON.parse(
    await outputOf(pinnedNode(0, [here('verify-rate.mjs'), alg]), 'verify rate'),
  ).perSecond
const { issuer, files, config } = await benchIssuer(ALGS, SCENARIOS)
const samples = []
for (let round = 0; round < ROUNDS; round++)
  for (const alg of ALGS)
    for (const name of rotate(names, round)) samples.push(...(await measure(name, alg, round)))
await issuer.close()

// Last, alone on the machine: memory over 1,000,000 distinct tokens (token-cache-memory.mjs).
const memory = process.env.SKIP_MEMORY ? undefined : await memoryRun()
const rows = summarize(samples)
const targets = checkTargets(rows, memory)
mkdirSync(here('results'), { recursive: true })
const stamp = started.toISOString().slice(0, 19).replace(/[:T]/g, '-')
const settings = { ALGS, ROUNDS, PAIRS, SECONDS, SCENARIOS, ONLY }
writeFileSync(
  here(`results/${stamp}.json`),
  JSON.stringify({
    started,
    node: process.version,
    settings,
    verifyRates,
    samples,
    rows,
    memory,
    targets,
  }),
)
const report = [
  `Run on ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC: ${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} CPUs, Node ${process.version}; \`${command()}\` (rounds: ${ROUNDS}; pairs of ${SECONDS} s windows a round: ${PAIRS}). On the servers' core node:crypto checks ${ALGS.map((alg) => `${verifyRates[alg].toFixed(0)} ${alg}`).join(' and ')} signatures a second. Samples: \`bench/results/${stamp}.json\`.`,
  '',
  '### Targets',
  '',
  table(
    ['target', 'alg', 'framework', 'measured', 'met'],
    targets.map((t) => [t.target, t.alg, t.framework, t.measured, t.met ? 'yes' : '**no**']),
  ),
  '### Every measurement',
  '',
  'req/s: what the server core serves (one second over its CPU time per request); ratio: over the bare framework of the same process, the median of every pair of windows, the quartiles in brackets.',
  '',
  table(
    [
      'alg',
      'framework',
      'contender',
      'scenario',
      'req/s',
      'bare req/s',
      'ratio',
      'accepted',
      'JWKS fetches',
    ],
    rows.map((r) => [
      r.alg,
      r.framework,
      r.contender,
      r.scenario,
      r.rps.toFixed(0),
      r.bareRps.toFixed(0),
      `${r.ratio.toFixed(3)} (${r.low.toFixed(3)}–${r.high.toFixed(3)})`,
      `${(r.accepted * 100).toFixed(0)}%`,
      r.fetches,
    ]),
  ),
].join('\n')
process.stdout.write(report)
if (!['ALGS', 'SCENARIOS', 'ONLY', 'SKIP_MEMORY'].some((v) => process.env[v]))
  writeIntoReadme(report)
process.exitCode = targets.every((t) => t.met) ? 0 : 1

/**
 * One round of contender `name` with `alg`: a fresh process, and for each of its scenarios a
 * warm-up, then PAIRS pairs of windows, `/bare` and `/orders` in turn. Resolves with one sample
 * per pair.
 */
async function measure(name, alg, round) {
  const server = await startServer(name, config(alg))
  const bare = { path: BARE_PATH, tokensFile: files[alg].repeated.path }
  const found = []
  try {
    for (const scenario of scenariosOf(name, alg)) {
      const tokens = files[alg][scenario]
      // Fresh proofs are each sent once: every load goes on from where the last one stopped.
      const fresh = scenario === 'dpop'
      let offset = 0
      const guarded = () => ({ tokensFile: tokens.path, offset })
      const sent = (figures) => ((offset += fresh ? figures.total : 0), figures)
      // Every token once, so caches are as warm as where clients keep coming back (fresh proofs:
      // the token once); then a second on each route.
      if (!fresh)
        await load({ url: server.url, ...guarded(), seconds: WARMUP_MAX, amount: tokens.count })
      sent(await load({ url: server.url, ...guarded(), seconds: 1 }))
      await load({ url: server.url, ...bare, seconds: 1 })
      const fetchesBefore = issuer.hits.jwks
      const since = performance.now()
      const pairs = await alternate(
        PAIRS,
        () => window(server, { ...bare, seconds: SECONDS }),
        async () => sent(await window(server, { ...guarded(), seconds: SECONDS })),
      )
      const fetches = issuer.hits.jwks - fetchesBefore
      // At most one fetch per cooldown begun while measuring.
      const allowedFetches = Math.ceil((performance.now() - since) / 1000 / COOLDOWN_SECONDS)
      const ratios = pairs.others.map((other, i) => pairs.references[i].micros / other.micros)
      process.stderr.write(
        `${alg} r${round} ${name} ${scenario}: ${ratios.map((r) => r.toFixed(3)).join(', ')} of bare (${pairs.others.map((o) => (1e6 / o.micros).toFixed(0)).join(', ')} req/s)\n`,
      )
      pairs.others.forEach((other, i) =>
        found.push({
          alg,
          round,
          name,
          scenario,
          rps: 1e6 / other.micros,
          bareRps: 1e6 / pairs.references[i].micros,
          loadRps: other.rps,
          ratio: ratios[i],
          statuses: other.statuses,
          total: other.total,
          fetches: i === 0 ? fetches : 0,
          allowedFetches: i === 0 ? allowedFetches : 0,
        }),
      )
    }
  } finally {
    await server.stop()
  }
  return found
}

async function memoryRun() {
  const output = await outputOf(
    [process.execPath, ['--expose-gc', here('token-cache-memory.mjs'), '--json']],
    'memory run',
  )
  return JSON.parse(output)
}

/** One row per alg, contender and scenario: medians and quartiles over all its pairs. */
function summarize(all) {
  const found = []
  for (const alg of ALGS)
    for (const name of names)
      for (const scenario of scenariosOf(name, alg)) {
        const mine = all.filter((s) => s.alg === alg && s.name === name && s.scenario === scenario)
        if (mine.length === 0) continue
        const ratios = mine.map((s) => s.ratio)
        const sum = (figure) => mine.reduce((total, s) => total + figure(s), 0)
        found.push({
          alg,
          framework: name.split('/')[0],
          contender: name.slice(name.indexOf('/') + 1),
          scenario,
          rps: median(mine.map((s) => s.rps)),
          bareRps: median(mine.map((s) => s.bareRps)),
          ratio: median(ratios),
          low: quantile(ratios, 0.25),
          high: quantile(ratios, 0.75),
          ratios,
          accepted: sum((s) => s.statuses['2xx']) / sum((s) => s.total),
          errors: sum((s) => s.statuses['5xx'] + s.statuses.errors + s.statuses.timeouts),
          fetches: sum((s) => s.fetches),
          allowedFetches: sum((s) => s.allowedFetches),
        })
      }
  return found
}

/** Every target that the run measured, with the figure it reads and whether it holds. */
function checkTargets(found, memoryResult) {
  const list = []
  const add = (target, alg, framework, measured, met) =>
    list.push({ target, alg, framework, measured, met })
  const ratio = (r) => `${r.ratio.toFixed(3)} (${r.low.toFixed(3)}–${r.high.toFixed(3)})`
  // Two ratios of bare behind the figure compared from them.
  const versus = (mine, theirs) => `(${mine.toFixed(3)} vs ${theirs.toFixed(3)} of bare)`
  for (const alg of ALGS)
    for (const framework of Object.keys(REPEATED)) {
      const row = (contender, scenario) =>
        found.find(
          (r) =>
            r.alg === alg &&
            r.framework === framework &&
            r.contender === contender &&
            r.scenario === scenario,
        )
      const mine = (scenario) => row('bearer-guard', scenario)
      const repeated = mine('repeated')
      if (repeated)
        add(
          `repeated token: ≥ ${REPEATED[framework]} of bare`,
          alg,
          framework,
          ratio(repeated),
          repeated.ratio >= REPEATED[framework],
        )
      // A cache miss on every request: against the limit, computed and measured, and the peers.
      const miss = row('bearer-guard-uncached', 'distinct')
      if (miss) {
        const limit = 1 / (1 + miss.bareRps / verifyRates[alg])
        add(
          `no cache, 10,000 distinct: ≥ ${OF_LIMIT} of the computed limit`,
          alg,
          framework,
          `${(miss.ratio / limit).toFixed(2)} ${versus(miss.ratio, limit)}`,
          miss.ratio >= OF_LIMIT * limit,
        )
        const measured = row('one crypto.verify', 'repeated')
        if (measured)
          add(
            `no cache, 10,000 distinct: ≥ ${OF_LIMIT} of the measured limit`,
            alg,
            framework,
            `${(miss.ratio / measured.ratio).toFixed(2)} ${versus(miss.ratio, measured.ratio)}`,
            miss.ratio >= OF_LIMIT * measured.ratio,
          )
        for (const peer of bestPeers(found, alg, framework))
          add(
            `no cache, 10,000 distinct: ≥ ${OVER_PEERS} × ${peer.contender}`,
            alg,
            framework,
            `${(miss.ratio / peer.ratio).toFixed(2)}× ${versus(miss.ratio, peer.ratio)}`,
            miss.ratio >= OVER_PEERS * peer.ratio,
          )
      }
      for (const contender of ['bearer-guard', 'bearer-guard-uncached']) {
        const valid = row(contender, 'distinct')
        const bad = row(contender, 'bad-signature')
        if (valid && bad)
          add(
            `bad signatures${contender.endsWith('uncached') ? ', no cache' : ''}: ≥ ${SAME_COST} of valid`,
            alg,
            framework,
            `${(bad.ratio / valid.ratio).toFixed(3)} ${versus(bad.ratio, valid.ratio)}`,
            bad.ratio >= SAME_COST * valid.ratio,
          )
      }
      for (const scenario of ['malformed', 'unknown-kid']) {
        const r = mine(scenario)
        if (!r || !repeated) continue
        // Costs per request in units of the bare framework's, then over one signature check's.
        const extra = 1 / r.ratio - 1 / repeated.ratio
        const signature = r.bareRps / verifyRates[alg]
        add(
          `${scenario}: costs ≤ ${NO_SIGNATURE} of a signature check over a repeated token`,
          alg,
          framework,
          `${(extra / signature).toFixed(2)} ${versus(r.ratio, repeated.ratio)}`,
          extra <= NO_SIGNATURE * signature,
        )
      }
      const dpop = mine('dpop')
      if (dpop) {
        const limit = 1 / (1 + dpop.bareRps / verifyRates.ES256)
        add(
          `DPoP, cached token and fresh proof: ≥ ${DPOP_OF_LIMIT} of the computed limit`,
          alg,
          framework,
          `${(dpop.ratio / limit).toFixed(2)} ${versus(dpop.ratio, limit)}`,
          dpop.ratio >= DPOP_OF_LIMIT * limit,
        )
        const measured = row('one crypto.verify', 'repeated')
        if (measured)
          add(
            `DPoP, cached token and fresh proof: ≥ ${DPOP_OF_LIMIT} of the measured limit`,
            alg,
            framework,
            `${(dpop.ratio / measured.ratio).toFixed(2)} ${versus(dpop.ratio, measured.ratio)}`,
            dpop.ratio >= DPOP_OF_LIMIT * measured.ratio,
          )
        for (const scenario of ['dpop-replayed', 'dpop-invalid']) {
          const r = mine(scenario)
          if (r)
            add(
              `${scenario} proofs: ≥ ${SAME_COST} of valid`,
              alg,
              framework,
              `${(r.ratio / dpop.ratio).toFixed(3)} ${versus(r.ratio, dpop.ratio)}`,
              r.ratio >= SAME_COST * dpop.ratio,
            )
        }
      }
      const flood = mine('unknown-kid')
      if (flood)
        add(
          'unknown-kid flood: ≤ 1 JWKS fetch per cooldown',
          alg,
          framework,
          `${flood.fetches} fetches, ${flood.allowedFetches} cooldowns begun`,
          flood.fetches <= flood.allowedFetches,
        )
      for (const r of found.filter((r) => r.alg === alg && r.framework === framework))
        if (r.contender.startsWith('bearer-guard') && r.errors > 0)
          add(`no errors: ${r.contender}, ${r.scenario}`, alg, framework, `${r.errors}`, false)
    }
  if (memoryResult)
    add(
      '1,000,000 distinct tokens: end heap within 10% of warm-up',
      memoryResult.alg,
      'core',
      `${(memoryResult.warmHeap / 2 ** 20).toFixed(1)} → ${(memoryResult.endHeap / 2 ** 20).toFixed(1)} MB (${(memoryResult.growth * 100).toFixed(1)}%)`,
      Math.abs(memoryResult.growth) <= 0.1,
    )
  return list
}

/**
 * Each peer's best configuration on `framework` with distinct tokens: the fastest of the
 * contenders of one middleware (its name up to the first `+` or space), the jose floor among them.
 */
function bestPeers(found, alg, framework) {
  const best = new Map()
  for (const r of found) {
    if (r.alg !== alg || r.framework !== framework || r.scenario !== 'distinct') continue
    if (r.contender.startsWith('bearer-guard')) continue
    const peer = r.contender.split(/[+ ]/)[0]
    if (!best.has(peer) || r.ratio > best.get(peer).ratio) best.set(peer, r)
  }
  return [...best.values()]
}

/** How this run was started, with the settings it was given. */
function command() {
  const given = ['ALGS', 'ROUNDS', 'PAIRS', 'SECONDS', 'SCENARIOS', 'ONLY', 'SKIP_MEMORY']
    .filter((v) => process.env[v] !== undefined)
    .map((v) => `${v}=${process.env[v]}`)
  return [...given, 'pnpm bench'].join(' ')
}

function table(header, body) {
  const line = (cells) => `| ${cells.join(' | ')} |`
  return `${[line(header), line(header.map(() => '---')), ...body.map(line)].join('\n')}\n`
}

/** Replaces the generated section of bench/README.md, between its two markers. */
function writeIntoReadme(text) {
  const file = here('README.md')
  const start = '<!-- pnpm bench: start -->'
  const end = '<!-- pnpm bench: end -->'
  const readme = readFileSync(file, 'utf8')
  const from = readme.indexOf(start)
  const to = readme.indexOf(end)
  if (from === -1 || to === -1) return
  writeFileSync(file, `${readme.slice(0, from + start.length)}\n${text}\n${readme.slice(to)}`)
  // The repository's prettier check covers this file: format the tables as it would.
  spawnSync(here('../node_modules/.bin/prettier'), ['--write', file], { stdio: 'ignore' })
}

function rotate(list, by) {
  return list.map((_, i) => list[(i + by) % list.length])
}
