// `pnpm bench`: bearer-guard against its peers, in one run, on loopback.
//
// Every contender runs as its own server process pinned to core 0, the autocannon load as
// another pinned to core 1 (50 connections). Contenders are interleaved and the whole set is
// run ROUNDS times; each figure is the median over rounds, and "added µs" is the server time a
// contender adds per request over the bare framework measured in the same round. Results go to
// bench/results/<date>.json (ignored by git, never committed) and a markdown summary on stdout
// (pasted into bench/README.md).
//
// Environment: ALGS (default ES256,RS256), ROUNDS (3), SECONDS (3 per measurement), WARMUP (1),
// WARMUP_MAX (4, the cap on the one pass over a scenario's tokens), PAIRS (3), EXPRESS_PAIRS (15),
// EXPRESS_PROCESSES (3), PAIR_SECONDS (1), BAD_WINDOWS (20), BAD_SECONDS (2),
// ONLY (a substring of contender names), SCENARIOS (comma list).
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createIssuer } from '@bearer-guard/testing'
import {
  alternate,
  cpuPerRequest,
  cpuWindow,
  differences as pairDifferences,
  load,
  loadAtOnce,
  median,
  outputOf,
  SCENARIOS as ALL,
  startServer,
  threadWindow,
  writeScenarioTokens,
} from './common.mjs'
import { bareRoute, contenders } from './contenders.mjs'

const ALGS = (process.env.ALGS ?? 'ES256,RS256').split(',')
const ROUNDS = Number(process.env.ROUNDS ?? 3)
const SECONDS = Number(process.env.SECONDS ?? 3)
const WARMUP = Number(process.env.WARMUP ?? 1)
const WARMUP_MAX = Number(process.env.WARMUP_MAX ?? 4)
const CONNECTIONS = 50
const SCENARIOS = process.env.SCENARIOS?.split(',') ?? ALL
const here = (file) => fileURLToPath(new URL(file, import.meta.url))
// Paired windows: PAIRS pairs of PAIR_SECONDS each, bare and contender alternating; a contender's
// paired figure is the median of all its pairs in the run. Express's bare side is the `/bare`
// route of the contender's own process (bareFor): one Express process runs the same requests a
// few µs faster or slower than the next for as long as it lives, so two bare Express servers,
// one pair of processes at a time, differed by a median of -12.2 to +7.7 µs (4 pairs of
// processes, 25 pairs of windows each), more than half the 15 µs bound however many windows
// were read. Its repeated token, the one figure near its bound, reads EXPRESS_PAIRS pairs from
// each of EXPRESS_PROCESSES processes a round: one pair of 1 s windows still differs by ±25 µs
// or so on this machine (2026-11-24: quartiles about -30 and +40), so the run's median needs
// about a hundred pairs to settle within a few µs.
const PAIRS = Number(process.env.PAIRS ?? 3)
const EXPRESS_PAIRS = Number(process.env.EXPRESS_PAIRS ?? 15)
const EXPRESS_PROCESSES = Number(process.env.EXPRESS_PROCESSES ?? 3)
const PAIR_SECONDS = Number(process.env.PAIR_SECONDS ?? 1)
// Bad signatures against valid tokens (badAgainstValid): windows of the two sets at the same
// moment, on two threads of one process.
const BAD_WINDOWS = Number(process.env.BAD_WINDOWS ?? 20)
const BAD_SECONDS = Number(process.env.BAD_SECONDS ?? 2)
const PAIRED_CONTENDERS = /\/(bearer-guard|no-op middleware)$/
const ONLY = process.env.ONLY
const names = Object.keys(contenders).filter(
  (name) => !ONLY || name.includes(ONLY) || isReference(name),
)
const frameworks = [...new Set(names.map((name) => name.split('/')[0]))]

const issuer = await createIssuer({ algorithms: ['ES256', 'RS256'], audience: 'https://api.bench' })
const dir = mkdtempSync(join(tmpdir(), 'bearer-guard-bench-'))
const runs = []
const comparisons = []
const started = new Date()

for (const alg of ALGS) {
  const files = await writeScenarioTokens(issuer, alg, dir, SCENARIOS, `${alg}-`)
  const config = { issuer: issuer.url, audience: issuer.audience, jwksUri: issuer.jwksUri, alg }
  for (let round = 0; round < ROUNDS; round++) {
    for (const framework of rotate(frameworks, round)) {
      for (const name of rotate(
        names.filter((n) => n.startsWith(`${framework}/`)),
        round,
      )) {
        const server = await startServer(name, config)
        // The targets in µs are read from windows paired with the bare framework (bareFor),
        // idle while the contender is loaded, and the other way round.
        const bare = PAIRED_CONTENDERS.test(name) ? await bareFor(name, server, config) : undefined
        try {
          if (bare) await warmBare(bare, files.repeated.path)
          for (const scenario of isReference(name) ? ['repeated'] : SCENARIOS) {
            const tokensFile = files[scenario].path
            await warmUp(server, files[scenario])
            const hits = issuer.hits.jwks
            const before = await server.mark()
            const measured = await load({ url: server.url, tokensFile, seconds: SECONDS })
            const cpu = cpuPerRequest(before, await server.mark())
            const jwksFetches = issuer.hits.jwks - hits
            const pairedCpu = bare
              ? await paired({ bare, server }, name, config, files, scenario)
              : undefined
            runs.push({
              alg,
              round,
              framework,
              contender: name,
              scenario,
              ...measured,
              cpuMicros: cpu.total,
              cpuUserMicros: cpu.user,
              pairedMicros: pairedCpu?.total,
              pairedUserMicros: pairedCpu?.user,
              pairedUserPerProcess: pairedCpu?.userPerProcess,
              pairedDifferences: pairedCpu?.differences,
              jwksFetches,
            })
            process.stderr.write(
              `${alg} r${round} ${name} ${scenario}: ${measured.rps.toFixed(0)} req/s, ${cpu.total.toFixed(1)} µs CPU/req, p99 ${measured.p99} ms${pairedCpu ? `, paired +${pairedCpu.total.toFixed(1)} µs (user +${pairedCpu.user.toFixed(1)}; per contender process ${pairedCpu.userPerProcess.map((d) => d.toFixed(1)).join(', ')})` : ''}\n`,
            )
          }
        } finally {
          await server.stop()
          await bare?.stop()
        }
      }
    }
  }
  if (SCENARIOS.includes('distinct') && SCENARIOS.includes('bad-signature'))
    for (const framework of frameworks) {
      if (!names.includes(`${framework}/bearer-guard`)) continue
      const comparison = { alg, framework, ...(await badAgainstValid(framework, config, files)) }
      comparisons.push(comparison)
      process.stderr.write(
        `${alg} ${framework} bad signatures against valid: ${comparison.difference.toFixed(1)} µs CPU (per window ${spread(comparison)})\n`,
      )
    }
}
await issuer.close()

// Last, alone on the machine: memory over 1,000,000 distinct tokens (bench/token-cache-memory.mjs).
const memory = process.env.SKIP_MEMORY ? undefined : await memoryRun()
const summary = summarize(runs)
const targets = checkTargets(summary, comparisons, memory)
mkdirSync(here('results'), { recursive: true })
const stamp = started.toISOString().slice(0, 19).replace(/[:T]/g, '-')
writeFileSync(
  here(`results/${stamp}.json`),
  JSON.stringify(
    {
      started,
      node: process.version,
      cpus: availableParallelism(),
      rounds: ROUNDS,
      seconds: SECONDS,
      pairs: PAIRS,
      expressPairs: EXPRESS_PAIRS,
      expressProcesses: EXPRESS_PROCESSES,
      pairSeconds: PAIR_SECONDS,
      connections: CONNECTIONS,
      badWindows: BAD_WINDOWS,
      badSeconds: BAD_SECONDS,
      runs,
      comparisons,
      summary,
      memory,
      targets,
    },
    null,
    2,
  ),
)
const report = [
  `Made by \`pnpm bench\` on ${started.toISOString().slice(0, 10)}: Node ${process.version}, ${availableParallelism()} CPUs, ${ROUNDS} rounds of ${SECONDS} s per measurement after a warm-up of one pass over the scenario's tokens (at most ${WARMUP_MAX} s) and ${WARMUP} s more, ${CONNECTIONS} connections; the paired figures from ${PAIRS} pairs of ${PAIR_SECONDS} s windows a round (Express: against the bare route of the same process; its repeated token ${EXPRESS_PAIRS} pairs from each of ${EXPRESS_PROCESSES} processes a round), the median of all the run's pairs; bad signatures against valid tokens from ${BAD_WINDOWS} windows of ${BAD_SECONDS} s, both sets at once on two threads of one bearer-guard process. Raw figures: \`bench/results/${stamp}.json\`.`,
  '',
  '### Targets',
  '',
  targetTable(targets),
  '### Every measurement (medians over rounds)',
  markdown(summary),
].join('\n')
process.stdout.write(report)
if (!ONLY && !process.env.SKIP_MEMORY) writeIntoReadme(report)

async function memoryRun() {
  const output = await outputOf(
    [process.execPath, ['--expose-gc', here('token-cache-memory.mjs'), '--json']],
    'memory run',
  )
  return JSON.parse(output)
}

/**
 * What a contender adds over the bare framework, read from neighbouring windows: pairs of
 * PAIR_SECONDS, the bare framework (its one repeated token) and the contender (the scenario's
 * tokens) loaded in turn, the order swapped each pair. A measurement taken a minute apart wanders
 * by ±50 µs for Express on this machine; two neighbouring windows far less. `first` is the
 * round's pair (contender and its bare side), already warm; for Express's repeated token,
 * EXPRESS_PAIRS pairs are read from it and from each of EXPRESS_PROCESSES - 1 fresh pairs,
 * warmed as the round's were. Resolves with every pair's difference, in all and in user space
 * (`differences`: summarize() takes the median over all rounds), and this round's medians.
 */
async function paired(first, name, config, files, scenario) {
  const repeatedFile = files.repeated.path
  const tokens = files[scenario]
  const many = name.startsWith('express/') && scenario === 'repeated'
  const all = { total: [], user: [] }
  const perProcess = []
  for (let p = 0; p < (many ? EXPRESS_PROCESSES : 1); p++) {
    const fresh = p > 0 && (await startWarmPair(name, config, repeatedFile, tokens))
    const { bare, server } = fresh || first
    try {
      const pairs = await alternate(
        many ? EXPRESS_PAIRS : PAIRS,
        () => cpuWindow(bare, repeatedFile, PAIR_SECONDS),
        () => cpuWindow(server, tokens.path, PAIR_SECONDS),
      )
      const user = pairDifferences(pairs, (cpu) => cpu.user)
      all.user.push(...user)
      all.total.push(...pairDifferences(pairs, (cpu) => cpu.total))
      perProcess.push(median(user))
    } finally {
      if (fresh) await Promise.all([fresh.server.stop(), fresh.bare.stop()])
    }
  }
  return {
    total: median(all.total),
    user: median(all.user),
    userPerProcess: perProcess,
    differences: all,
  }
}

/**
 * The bare framework a paired contender is read against: for Express, the `/bare` route of the
 * contender's own process (every Express app of contenders.mjs answers it ahead of any
 * middleware); otherwise a bare server of the framework, a process of its own.
 */
function bareFor(name, server, config) {
  const [framework] = name.split('/')
  if (framework === 'express') return bareRoute(server)
  return startServer(`${framework}/bare`, config)
}

/**
 * A contender and its bare side (bareFor), fresh, each warmed as long as a round's are by
 * their first paired window: the contender's warm-up, then SECONDS more (the round's measured
 * window).
 */
async function startWarmPair(name, config, repeatedFile, tokens) {
  const server = await startServer(name, config)
  let bare
  try {
    bare = await bareFor(name, server, config)
    await warmBare(bare, repeatedFile)
    await warmUp(server, tokens)
    await load({ url: server.url, tokensFile: tokens.path, seconds: SECONDS })
    return { server, bare }
  } catch (error) {
    // Neither process outlives a failed start or warm-up.
    await Promise.all([server.stop(), bare?.stop()])
    throw error
  }
}

/**
 * Warms a paired bare server once, as long as the contender has run before its first paired
 * window (WARMUP + SECONDS). With 1 s, a no-op middleware read below zero against Express's
 * paired bare server in 5 of 6 rounds (2026-11-24), as if that server were still warming.
 */
function warmBare(bare, repeatedFile) {
  return load({
    url: bare.url,
    path: bare.path,
    tokensFile: repeatedFile,
    seconds: WARMUP + SECONDS,
  })
}

/**
 * Warm-up: every token of the scenario once (at most WARMUP_MAX s), so the server's caches are
 * as warm as in an API whose clients keep coming back, then WARMUP s more.
 */
async function warmUp(server, { path, count }) {
  await load({ url: server.url, tokensFile: path, seconds: WARMUP_MAX, amount: count })
  await load({ url: server.url, tokensFile: path, seconds: WARMUP })
}

/**
 * Bad signatures against valid tokens, measured against each other at the same moment: one
 * process serves `framework`'s bearer-guard app twice, from two worker threads (each app's
 * token cache large enough for both sets, the one option that differs from the rounds'
 * server), both warmed with the 10,000 distinct valid tokens and the 10,000 bad signatures.
 * Then BAD_WINDOWS windows of BAD_SECONDS, both threads loaded at once (CONNECTIONS / 2 each),
 * one with each set, the sets swapping threads every window. Each thread's CPU time is its
 * own (the scheduler's exact run time: user and kernel, the response's bytes included), so
 * the machine's swings from one second to the next fall on both sides alike. Why not
 * alternating windows on one server: on Fastify, where the two cost about the same, 15 pairs
 * of 2 s windows spread from -7.1 to +9.9 µs and the median's sign flipped from run to run; two
 * threads read from -3.1 to +0.8 µs per window (2026-11-24 21:55). Both sides are cache hits:
 * the difference is the refusal's path and response against the acceptance's and the route's.
 * Resolves with each window's CPU per request of each set.
 */
async function badAgainstValid(framework, config, files) {
  const valid = files.distinct
  const bad = files['bad-signature']
  const name = `${framework}/bearer-guard`
  const pair = await startServer([name, name], {
    ...config,
    tokenCache: { max: valid.count + bad.count },
  })
  const { servers } = pair
  const connections = CONNECTIONS / 2
  // Window w loads thread w % 2 with the valid tokens, the other with the bad signatures.
  const sets = (window) => (window % 2 === 0 ? [valid, bad] : [bad, valid])
  try {
    for (const window of [0, 1])
      await loadAtOnce(servers, sets(window), {
        seconds: WARMUP_MAX,
        amount: valid.count,
        connections,
      })
    for (const window of [0, 1])
      await loadAtOnce(servers, sets(window), { seconds: BAD_SECONDS, connections })
    const windows = { valid: [], bad: [] }
    for (let window = 0; window < BAD_WINDOWS; window++) {
      const [first, second] = await threadWindow(servers, sets(window), {
        seconds: BAD_SECONDS,
        connections,
      })
      windows.valid.push(window % 2 === 0 ? first : second)
      windows.bad.push(window % 2 === 0 ? second : first)
    }
    return { ...windows, difference: median(windows.bad.map((cpu, i) => cpu - windows.valid[i])) }
  } finally {
    await pair.stop()
  }
}

/** The targets of the bench README, each with the figure it reads and whether it is met. */
function checkTargets(rows, comparisons, memoryResult) {
  const found = []
  const row = (alg, framework, contender, scenario) =>
    rows.find(
      (r) =>
        r.alg === alg &&
        r.framework === framework &&
        r.contender === contender &&
        r.scenario === scenario,
    )
  const add = (target, alg, framework, measured, met) =>
    found.push({ target, alg, framework, measured, met })
  const us = (value) => `${value.toFixed(1)} µs`
  // The bounds and the bad-against-valid comparison read the paired windows' user-space CPU
  // where there are some (see paired() and cpuPerRequest()); the other readings stand beside.
  const absolute = (r) => r.pairedUserMicros ?? r.addedMicros
  const added = (r) =>
    r.pairedUserMicros === undefined
      ? us(r.addedMicros)
      : `${us(r.pairedUserMicros)} paired, user CPU (${us(r.pairedMicros)} with kernel time; ${us(r.addedMicros)} unpaired)`
  for (const alg of ALGS) {
    for (const framework of frameworks) {
      const mine = (scenario) => row(alg, framework, 'bearer-guard', scenario)
      if (!mine('repeated')) continue
      const repeated = mine('repeated')
      const noop = row(alg, framework, 'no-op middleware', 'repeated')
      add(
        'repeated token: ≤ 15 µs added',
        alg,
        framework,
        `${added(repeated)}${noop ? `; a no-op middleware: ${us(absolute(noop))}` : ''}`,
        absolute(repeated) <= 15,
      )
      const distinct = mine('distinct')
      const floor = row(alg, framework, 'jose', 'distinct')
      if (distinct && floor)
        add(
          '10,000 distinct: req/s ≥ the jose floor',
          alg,
          framework,
          `${distinct.rps.toFixed(0)} vs ${floor.rps.toFixed(0)} req/s`,
          distinct.rps >= floor.rps,
        )
      const peers = rows.filter(
        (r) =>
          r.alg === alg &&
          r.framework === framework &&
          r.scenario === 'distinct' &&
          !['bare', 'jose'].includes(r.contender) &&
          !r.contender.startsWith('no-op') &&
          !r.contender.startsWith('bearer-guard'),
      )
      if (distinct && peers.length > 0) {
        const best = peers.reduce((a, b) => (b.rps > a.rps ? b : a))
        add(
          '10,000 distinct: req/s ≥ 1.3 × the best peer',
          alg,
          framework,
          `${(distinct.rps / best.rps).toFixed(2)}× ${best.contender}`,
          distinct.rps >= 1.3 * best.rps,
        )
      }
      const bad = mine('bad-signature')
      const comparison = comparisons.find((c) => c.alg === alg && c.framework === framework)
      if (bad && distinct && comparison)
        add(
          'bad signatures: cost ≤ valid (10,000 distinct)',
          alg,
          framework,
          `${us(comparison.difference)} (bad − valid, median of ${comparison.bad.length} windows of both at once, thread CPU; per window ${spread(comparison)}); against bare: ${us(absolute(bad))} vs ${us(absolute(distinct))}`,
          comparison.difference <= 0,
        )
      for (const scenario of ['malformed', 'unknown-kid']) {
        const r = mine(scenario)
        if (r) add(`${scenario}: ≤ 20 µs added`, alg, framework, added(r), absolute(r) <= 20)
      }
      const flood = mine('unknown-kid')
      if (flood) {
        // Each measured window is shorter than the 30 s cooldown: at most one fetch per window.
        const windows = ROUNDS * Math.ceil(SECONDS / 30)
        add(
          'unknown-kid flood: ≤ 1 JWKS fetch per cooldown',
          alg,
          framework,
          `${flood.jwksFetches} fetches in ${windows} windows of ${SECONDS} s`,
          flood.jwksFetches <= windows,
        )
      }
    }
  }
  if (memoryResult)
    add(
      '1,000,000 distinct tokens: end heap within 10% of warm-up',
      memoryResult.alg,
      'core',
      `${(memoryResult.warmHeap / 2 ** 20).toFixed(1)} → ${(memoryResult.endHeap / 2 ** 20).toFixed(1)} MB (${(memoryResult.growth * 100).toFixed(1)}%)`,
      Math.abs(memoryResult.growth) <= 0.1,
    )
  return found
}

/** The windows' differences of a bad-against-valid comparison, lowest to highest. */
function spread({ bad, valid }) {
  const differences = bad.map((value, pair) => value - valid[pair]).sort((a, b) => a - b)
  return `${differences[0].toFixed(1)} to ${differences.at(-1).toFixed(1)}`
}

function targetTable(found) {
  const lines = ['| target | alg | framework | measured | met |', '| --- | --- | --- | --- | --- |']
  for (const t of found)
    lines.push(
      `| ${t.target} | ${t.alg} | ${t.framework} | ${t.measured} | ${t.met ? 'yes' : '**no**'} |`,
    )
  return `${lines.join('\n')}\n`
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

/** The bare framework and the no-op middleware: measured once per round, with one token. */
function isReference(name) {
  return name.endsWith('/bare') || name.includes('/no-op')
}

function rotate(list, by) {
  return list.map((_, i) => list[(i + by) % list.length])
}

function summarize(all) {
  const rows = []
  for (const alg of ALGS) {
    for (const name of names) {
      const [framework] = name.split('/')
      for (const scenario of isReference(name) ? ['repeated'] : SCENARIOS) {
        const mine = all.filter(
          (run) => run.alg === alg && run.contender === name && run.scenario === scenario,
        )
        if (mine.length === 0) continue
        // Server CPU time per request, over the bare framework of the same round.
        const added = mine.map((run) => {
          const bare = all.find(
            (b) => b.alg === alg && b.round === run.round && b.contender === `${framework}/bare`,
          )
          return run.cpuMicros - bare.cpuMicros
        })
        // Only contenders measured in paired windows in every round have a paired median: the
        // median of every pair of the run (one pooled sample, steadier than a median of rounds).
        const pairedMedian = (figure) =>
          mine.every((run) => run.pairedDifferences)
            ? median(mine.flatMap((run) => run.pairedDifferences[figure]))
            : undefined
        const accepted =
          mine.reduce((sum, run) => sum + run.statuses['2xx'], 0) /
          mine.reduce((sum, run) => sum + run.total, 0)
        rows.push({
          alg,
          framework,
          contender: name.slice(name.indexOf('/') + 1),
          scenario,
          rps: median(mine.map((run) => run.rps)),
          cpuMicros: median(mine.map((run) => run.cpuMicros)),
          p99: median(mine.map((run) => run.p99)),
          addedMicros: name.endsWith('/bare') ? 0 : median(added),
          pairedMicros: pairedMedian('total'),
          pairedUserMicros: pairedMedian('user'),
          accepted,
          jwksFetches: mine.reduce((sum, run) => sum + run.jwksFetches, 0),
          errors: mine.reduce((sum, run) => sum + run.statuses['5xx'] + run.statuses.errors, 0),
        })
      }
    }
  }
  return rows
}

function markdown(rows) {
  const lines = []
  for (const alg of ALGS) {
    for (const scenario of ['repeated', ...SCENARIOS.filter((s) => s !== 'repeated')]) {
      lines.push(`\n#### ${alg}, ${scenario}\n`)
      lines.push(
        '| framework | contender | req/s | p99 ms | server CPU µs/req | added µs/req | accepted | JWKS fetches |',
      )
      lines.push('| --- | --- | --- | --- | --- | --- | --- | --- |')
      for (const row of rows.filter(
        (r) =>
          r.alg === alg &&
          (r.scenario === scenario || (r.contender === 'bare' && scenario === 'repeated')),
      )) {
        lines.push(
          `| ${row.framework} | ${row.contender} | ${row.rps.toFixed(0)} | ${row.p99} | ${row.cpuMicros.toFixed(1)} | ${row.contender === 'bare' ? '—' : row.addedMicros.toFixed(1)} | ${(row.accepted * 100).toFixed(0)}% | ${row.jwksFetches} |`,
        )
      }
    }
  }
  return `${lines.join('\n')}\n`
}
