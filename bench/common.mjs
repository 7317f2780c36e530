// What the bench scripts share: the scenarios' tokens, pinned child processes, alternating
// pairs, the median, and the heap-sampling loop of the memory benches.
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = (file) => fileURLToPath(new URL(file, import.meta.url))

/** Every scenario the benches know, in the order they run. */
export const SCENARIOS = ['repeated', 'distinct', 'bad-signature', 'malformed', 'unknown-kid']

/**
 * Writes the tokens of each of `scenarios`, one per line, to `dir/<prefix><scenario>.txt`: one
 * valid token; 10,000 distinct valid ones; 10,000 with a corrupt signature; 10,000 random
 * three-segment strings; 10,000 signed with random unknown `kid`s. The bare framework runs with
 * the repeated token, so it is always written. Returns { scenario: { path, count } }.
 */
export async function writeScenarioTokens(issuer, alg, dir, scenarios, prefix = '') {
  const garbage = (n) => randomBytes(n).toString('base64url')
  const many = (make) => Promise.all(Array.from({ length: 10_000 }, make))
  const exp = '+2h'
  const makers = {
    repeated: async () => [await issuer.mint({ exp }, { alg })],
    distinct: () => many(() => issuer.mint({ exp }, { alg })),
    'bad-signature': () => many(() => issuer.mint({ exp }, { alg, signature: 'corrupt' })),
    malformed: () => many(() => `${garbage(24)}.${garbage(90)}.${garbage(48)}`),
    'unknown-kid': () => many(() => issuer.mint({ exp }, { alg, kid: garbage(8) })),
  }
  const files = {}
  for (const scenario of new Set(['repeated', ...scenarios])) {
    const tokens = await makers[scenario]()
    const path = join(dir, `${prefix}${scenario}.txt`)
    writeFileSync(path, tokens.join('\n'))
    files[scenario] = { path, count: tokens.length }
  }
  return files
}

/** The tokens of a scenario file as `Authorization` values, one after another, round and round. */
export function rotatingBearer(tokensFile) {
  const tokens = readFileSync(tokensFile, 'utf8').split('\n').filter(Boolean)
  let next = 0
  return () => `Bearer ${tokens[next++ % tokens.length]}`
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
 * Starts one contender (server.mjs) pinned to core 0, with extra Node flags if any; given a list
 * of names, one process serving each from a worker thread of its own. Resolves once all listen,
 * with `servers` (per name: its URL and `mark()`, the process's CPU time and the requests that
 * server has served so far), the first server's `url` and `mark` as its own, and `stop(signal)`
 * (SIGINT lets `--cpu-prof` write its profile), which resolves on exit.
 */
export function startServer(names, config, nodeFlags = []) {
  const list = [names].flat()
  const [command, args] = pinnedNode(0, [...nodeFlags, here('server.mjs'), ...list])
  const child = spawn(command, args, {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    env: { ...process.env, BENCH_CONFIG: JSON.stringify(config) },
  })
  const exited = new Promise((resolve) => child.once('exit', resolve))
  // Marks may overlap (one per server of the process): each answer carries its question's id.
  const asked = new Map()
  let questions = 0
  const markAll = () =>
    new Promise((answer) => {
      const id = ++questions
      asked.set(id, answer)
      child.send({ mark: id })
    })
  child.on('message', ({ mark, ...answer }) => {
    asked.get(mark)?.(answer)
    asked.delete(mark)
  })
  return new Promise((resolve, reject) => {
    child.once('message', ({ ports }) => {
      const servers = ports.map((port, i) => ({
        url: `http://127.0.0.1:${port}`,
        mark: async () => {
          const { cpu, served } = await markAll()
          // `thread`: the server's own thread's CPU time, where it has a worker thread of its own.
          return { cpu, served: served[i].served, thread: served[i].cpu }
        },
      }))
      resolve({
        ...servers[0],
        servers,
        stop: (signal = 'SIGKILL') => {
          child.kill(signal)
          return exited
        },
      })
    })
    child.once('exit', (code) => reject(new Error(`${list.join(' + ')} exited (${code})`)))
  })
}

/**
 * One load.mjs run pinned to core 1: `seconds` of load, or `amount` requests capped at
 * `seconds`, each a GET of `path` (default /orders) carrying the next token of `tokensFile`.
 * Resolves with its figures.
 */
export async function load({ url, path, tokensFile, seconds, amount, connections = 50 }) {
  const options = JSON.stringify({ url, path, tokensFile, seconds, amount, connections })
  return JSON.parse(await outputOf(pinnedNode(1, [here('load.mjs'), options]), 'load'))
}

/**
 * The server's CPU per request (`cpuPerRequest`) over one window of `seconds` of load with
 * `tokensFile`, on `server.path` where it has one.
 */
export async function cpuWindow(server, tokensFile, seconds) {
  const before = await server.mark()
  await load({ url: server.url, path: server.path, tokensFile, seconds })
  return cpuPerRequest(before, await server.mark())
}

/**
 * Server CPU microseconds per request served between two of its marks: in all (user and
 * kernel time) and in user space alone. What a middleware does runs in user space (GC
 * included); the kernel's share is mostly the socket writes, the same bytes for the bare
 * framework and a contender give or take a header, and it is what wanders most here: in two
 * profiles of Express under the same load, `writev` took from 15% to 50% of the busy time.
 */
export function cpuPerRequest(before, after) {
  const served = after.served - before.served
  const user = after.cpu.user - before.cpu.user
  return { total: (user + after.cpu.system - before.cpu.system) / served, user: user / served }
}

/**
 * Loads the servers of one process (worker threads of `startServer`) at the same moment, each
 * with its own scenario file (`files[i]`, as `writeScenarioTokens` describes them).
 */
export function loadAtOnce(servers, files, { seconds, amount, connections }) {
  return Promise.all(
    servers.map((server, i) =>
      load({ url: server.url, tokensFile: files[i].path, seconds, amount, connections }),
    ),
  )
}

/**
 * One window of `seconds` of `loadAtOnce`; resolves with each server's own thread's CPU time
 * per request in it, in µs (the scheduler's exact run time, user and kernel).
 */
export async function threadWindow(servers, files, { seconds, connections }) {
  const before = await Promise.all(servers.map((server) => server.mark()))
  await loadAtOnce(servers, files, { seconds, connections })
  const after = await Promise.all(servers.map((server) => server.mark()))
  return servers.map(
    (_, i) =>
      (after[i].thread.total - before[i].thread.total) / (after[i].served - before[i].served),
  )
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

/** The per-pair differences (other minus reference) of what `alternate` measured. */
export function differences({ references, others }, figure = (value) => value) {
  return others.map((value, pair) => figure(value) - figure(references[pair]))
}

/** The median of `differences`. */
export function medianDifference(pairs, figure) {
  return median(differences(pairs, figure))
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

/**
 * The memory benches' loop: `total` requests, `inFlight` at a time (requests overlap as in a
 * server: signature checks run on the thread pool), each checked by `check` with the token
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
