// What the bench scripts share: the scenarios' tokens, HS256 tokens for the in-process benches,
// contender processes and load generators pinned to their cores, alternating windows, the
// median, and the heap-sampling loop of the memory benches.
import { spawn } from 'node:child_process'
import { generateKeyPairSync, randomBytes, sign, verify } from 'node:crypto'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createIssuer, dpopProof, generateDpopKey, mintToken } from '@bearer-guard/testing'

const here = (file) => fileURLToPath(new URL(file, import.meta.url))

/** Every scenario the benches know, in the order they run. */
export const SCENARIOS = [
  'repeated',
  'distinct',
  'bad-signature',
  'malformed',
  'unknown-kid',
  'dpop',
  'dpop-replayed',
  'dpop-invalid',
]

/** The DPoP scenarios: one cached bound token, a proof per request. ES256 proofs only. */
export const DPOP_SCENARIOS = ['dpop', 'dpop-replayed', 'dpop-invalid']

/** The public origin bearer-guard's contenders are configured with: what proofs' htu names. */
export const RESOURCE = 'https://api.bench'

// Fresh proofs for the `dpop` scenario: more than one process serves in its windows, so that
// none is sent twice (run.mjs moves on through the file, never back).
const FRESH_PROOFS = 80_000

/**
 * The local issuer every HTTP bench verifies against, the contenders' config, and the tokens of
 * each of `scenarios` written one per line to a temporary folder (see `writeScenarioTokens`).
 */
export async function benchIssuer(algorithms, scenarios) {
  const issuer = await createIssuer({ algorithms, audience: 'https://api.bench' })
  const dir = mkdtempSync(join(tmpdir(), 'bearer-guard-bench-'))
  const files = {}
  for (const alg of algorithms)
    files[alg] = await writeScenarioTokens(issuer, alg, dir, scenarios, `${alg}-`)
  const config = (alg) => ({
    issuer: issuer.url,
    audience: issuer.audience,
    jwksUri: issuer.jwksUri,
    alg,
  })
  return { issuer, files, config }
}

/**
 * Writes the tokens of each of `scenarios`, one per line, to `dir/<prefix><scenario>.txt`: one
 * valid token; 10,000 distinct valid ones; 10,000 with a corrupt signature; 10,000 random
 * three-segment strings; 10,000 signed with random unknown `kid`s. The DPoP scenarios (with
 * ES256 only) carry one token bound to a client key and a proof per line, after a tab:
 * FRESH_PROOFS valid ones; 10,000 to send twice (the second pass replays them); 10,000 with a
 * corrupt signature. Their `iat` is the run's start: bearer-guard's contenders accept proofs
 * two hours old. The bare route is loaded with the repeated token, so it is always written.
 * Returns { scenario: { path, count } }.
 */
async function writeScenarioTokens(issuer, alg, dir, scenarios, prefix) {
  const garbage = (n) => randomBytes(n).toString('base64url')
  const many = (make, count = 10_000) => Promise.all(Array.from({ length: count }, make))
  const exp = '+2h'
  const key = generateDpopKey('ES256')
  const bound = await issuer.mint({ exp, cnf: { jkt: key.jkt } }, { alg })
  const proofs = (count, mint) =>
    Array.from(
      { length: count },
      () => `DPoP ${bound}\t${dpopProof(key, { url: `${RESOURCE}/orders`, token: bound, mint })}`,
    )
  const makers = {
    dpop: () => proofs(FRESH_PROOFS),
    'dpop-replayed': () => proofs(10_000),
    'dpop-invalid': () => proofs(10_000, { signature: 'corrupt' }),
    repeated: async () => [await issuer.mint({ exp }, { alg })],
    distinct: () => many(() => issuer.mint({ exp }, { alg })),
    'bad-signature': () => many(() => issuer.mint({ exp }, { alg, signature: 'corrupt' })),
    malformed: () => many(() => `${garbage(24)}.${garbage(90)}.${garbage(48)}`),
    'unknown-kid': () => many(() => issuer.mint({ exp }, { alg, kid: garbage(8) })),
  }
  const files = {}
  for (const scenario of new Set(['repeated', ...scenarios])) {
    if (alg !== 'ES256' && DPOP_SCENARIOS.includes(scenario)) continue
    const tokens = await makers[scenario]()
    const path = join(dir, `${prefix}${scenario}.txt`)
    writeFileSync(path, tokens.join('\n'))
    files[scenario] = { path, count: tokens.length }
  }
  return files
}

/**
 * HS256 tokens for the benches that call a guard in-process: the guard's options and
 * `mint(claims)`, signed with a fresh secret for issuer.bench and api.bench.
 */
export function hmacIssuer() {
  const secret = new Uint8Array(randomBytes(32))
  const options = {
    issuer: 'https://issuer.bench',
    audience: 'https://api.bench',
    secrets: [secret],
  }
  const context = {
    defaultClaims: () => ({ iss: options.issuer, aud: options.audience, sub: 'bench' }),
    keyFor: () => undefined,
    secrets: [secret],
    defaultAlg: 'ES256',
  }
  return { options, mint: (claims) => mintToken(context, claims, { alg: 'HS256' }) }
}

const SIGNATURES = {
  ES256: {
    type: 'ec',
    options: { namedCurve: 'P-256' },
    hash: 'sha256',
    dsaEncoding: 'ieee-p1363',
  },
  RS256: { type: 'rsa', options: { modulusLength: 2048 }, hash: 'sha256' },
}

/**
 * One signature check of `alg` by node:crypto's synchronous verify, on a fresh key and an input
 * the size of a bench token's header and payload: the least any middleware spends on a token it
 * has not seen. Returns a function that checks once and throws if the signature fails.
 */
export function signatureCheck(alg) {
  const { type, options, hash, dsaEncoding } = SIGNATURES[alg]
  const { privateKey, publicKey } = generateKeyPairSync(type, options)
  const input = Buffer.from('x'.repeat(220))
  const signature = sign(hash, input, { key: privateKey, dsaEncoding })
  const key = { key: publicKey, dsaEncoding }
  return () => {
    if (!verify(hash, input, key, signature)) throw new Error('a valid signature failed')
  }
}

/**
 * The lines of a scenario file as request headers, one after another from line `offset`, round
 * and round: a token as `Authorization: Bearer`, or a DPoP line's `Authorization` and `DPoP`.
 */
export function rotatingCredentials(tokensFile, offset = 0) {
  const lines = readFileSync(tokensFile, 'utf8').split('\n').filter(Boolean)
  let next = offset
  return () => {
    const line = lines[next++ % lines.length]
    const tab = line.indexOf('\t')
    return tab === -1
      ? { authorization: `Bearer ${line}` }
      : { authorization: line.slice(0, tab), dpop: line.slice(tab + 1) }
  }
}

/** `node args` pinned to one core with taskset where there is one: [command, argv]. */
export function pinnedNode(core, args) {
  return process.platform === 'linux'
    ? ['taskset', ['-c', String(core), process.execPath, ...args]]
    : [process.execPath, args]
}

/** Runs a command to its end and resolves with its standard output; any other exit rejects. */
export function outputOf([command, args], what) {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] })
  let output = ''
  child.stdout.on('data', (chunk) => (output += chunk))
  return new Promise((resolve, reject) =>
    child.once('exit', (code) =>
      code === 0 ? resolve(output) : reject(new Error(`${what} exited (${code})`)),
    ),
  )
}

/**
 * Starts contender `name` of contenders.mjs (server.mjs) pinned to core 0, with extra Node flags
 * if any. Resolves once it listens, with its `url`, `mark()` (its CPU time in µs and the
 * requests it has served so far) and `stop(signal)` (SIGINT lets `--cpu-prof` write its
 * profile), which resolves on exit.
 */
export function startServer(name, config, nodeFlags = []) {
  const [command, args] = pinnedNode(0, [...nodeFlags, here('server.mjs'), name])
  const child = spawn(command, args, {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    env: { ...process.env, BENCH_CONFIG: JSON.stringify(config) },
  })
  const exited = new Promise((resolve) => child.once('exit', resolve))
  const mark = () =>
    new Promise((resolve) => {
      child.once('message', ({ cpu, served }) => resolve({ cpu: cpu.user + cpu.system, served }))
      child.send('mark')
    })
  return new Promise((resolve, reject) => {
    child.once('message', ({ port }) =>
      resolve({
        url: `http://127.0.0.1:${port}`,
        mark,
        stop: (signal = 'SIGKILL') => {
          child.kill(signal)
          return exited
        },
      }),
    )
    child.once('exit', (code) => reject(new Error(`${name} exited (${code})`)))
  })
}

/**
 * One window of `load` on `server` (see `startServer`): autocannon's figures, and `micros`, the
 * server's CPU time per request it served meanwhile.
 */
export async function window(server, options) {
  const before = await server.mark()
  const measured = await load({ url: server.url, ...options })
  const after = await server.mark()
  return { ...measured, micros: (after.cpu - before.cpu) / (after.served - before.served) }
}

/**
 * One load.mjs run pinned to core 1: `seconds` of load, or `amount` requests capped at
 * `seconds`, each a GET of `path` (default /orders) carrying the next line of `tokensFile`
 * from line `offset`. Resolves with its figures: { rps, p99, total, statuses }.
 */
export async function load({ url, path, tokensFile, offset, seconds, amount, connections = 50 }) {
  const options = JSON.stringify({ url, path, tokensFile, offset, seconds, amount, connections })
  return JSON.parse(await outputOf(pinnedNode(1, [here('load.mjs'), options]), 'load'))
}

/**
 * Runs two measurements `pairs` times in turn, swapping which goes first each pair so that
 * neither always follows the other. Resolves with both sides' figures, pair by pair.
 */
export async function alternate(pairs, reference, other) {
  const references = []
  const others = []
  for (let pair = 0; pair < pairs; pair++) {
    const referenceFirst = pair % 2 === 0
    const first = await (referenceFirst ? reference() : other())
    const second = await (referenceFirst ? other() : reference())
    references.push(referenceFirst ? first : second)
    others.push(referenceFirst ? second : first)
  }
  return { references, others }
}

export function median(values) {
  return quantile(values, 0.5)
}

/** The `q` quantile of `values` (0.25: the lower quartile), interpolated between neighbours. */
export function quantile(values, q) {
  const sorted = [...values].sort((a, b) => a - b)
  const at = (sorted.length - 1) * q
  const below = Math.floor(at)
  return sorted[below] + (sorted[Math.ceil(at)] - sorted[below]) * (at - below)
}

/**
 * The memory benches' loop: `total` requests, `inFlight` at a time (requests overlap as in a
 * server: a key fetch or a store answers asynchronously), each checked by `check` with the token
 * `mint(i)` gives. The heap is sampled after a forced GC every `sampleEvery` requests.
 * Needs `node --expose-gc`.
 */
export async function feedTokens({ total, check, mint, url, inFlight = 64, sampleEvery }) {
  if (typeof globalThis.gc !== 'function') {
    console.error('run with node --expose-gc')
    process.exit(2)
  }
  const outcomes = {}
  const samples = []
  const started = performance.now()
  const one = async (i) => {
    const decision = await check({
      method: 'GET',
      url,
      rawHeaders: ['Authorization', `Bearer ${await mint(i)}`],
    })
    const outcome = decision.ok ? 'accepted' : decision.reason
    outcomes[outcome] = (outcomes[outcome] ?? 0) + 1
  }
  for (let i = 1; i <= total; i += inFlight) {
    await Promise.all(
      Array.from({ length: Math.min(inFlight, total - i + 1) }, (_, k) => one(i + k)),
    )
    if ((i + inFlight - 1) % sampleEvery < inFlight) {
      globalThis.gc()
      samples.push(process.memoryUsage().heapUsed)
    }
  }
  return { outcomes, samples, seconds: (performance.now() - started) / 1000 }
}
