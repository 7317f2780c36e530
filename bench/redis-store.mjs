// The per-request cost of redisStore against memoryStore, on loopback, in one run.
// Run with `pnpm bench:redis` (builds first; needs redis-server, which it starts itself).
//
// Each request goes through one guard route with `maxUses` (a use counted: one Redis round
// trip) and the default revocation check (answered from the local mirror). Rounds alternate
// between the stores so machine noise hits both alike; medians are reported.
//
// Then revocations at scale: with LIVE (default 1,000,000) live `jti` revocations in Redis, how
// long a new process takes to be ready, the slowest Redis command meanwhile (SLOWLOG, 10 ms
// threshold), and the cost of a repeated revocation check against memoryStore's.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createGuard, memoryStore } from '@bearer-guard/core'
import { redisStore } from '@bearer-guard/redis'
import { createClient } from '@redis/client'
import { hmacIssuer, median } from './common.mjs'
// The store's own key layout, to seed a million revocations without a million scripts.
import { keyNames } from '../packages/redis/dist/keys.js'

const REQUESTS = Number(process.env.REQUESTS ?? 20_000)
const LIVE = Number(process.env.LIVE ?? 1_000_000)
const CHECKS = 2_000_000
const ROUNDS = 5
const { options, mint } = hmacIssuer()

const { url, stop } = await startRedis()
const redis = redisStore({ url })
await redis.ready()
const stores = { memoryStore: memoryStore({ max: 10_000_000 }), redisStore: redis }
const results = {}
for (const concurrency of [1, 32]) {
  const times = { memoryStore: [], redisStore: [] }
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of round % 2 ? ['redisStore', 'memoryStore'] : ['memoryStore', 'redisStore']) {
      times[name].push(await measure(stores[name], concurrency))
    }
  }
  results[concurrency] = Object.fromEntries(
    Object.entries(times).map(([name, list]) => [name, median(list)]),
  )
}
await redis.close()
const scale = await atScale(url)
await stop()

console.log(
  `${REQUESTS.toLocaleString('en')} requests per round, ${ROUNDS} rounds, median µs per request (HS256 verification included)`,
)
console.log('| in flight | memoryStore | redisStore | ratio | added by Redis |')
console.log('| --- | --- | --- | --- | --- |')
for (const [concurrency, { memoryStore: memory, redisStore: remote }] of Object.entries(results)) {
  console.log(
    `| ${concurrency} | ${memory.toFixed(1)} µs | ${remote.toFixed(1)} µs | ${(remote / memory).toFixed(2)}× | ${(remote - memory).toFixed(1)} µs |`,
  )
}

console.log('')
console.log(`With ${LIVE.toLocaleString('en')} live jti revocations in Redis:`)
console.log(`- seeded in ${(scale.seedMs / 1000).toFixed(1)} s (pipelined SETs, not timed below)`)
console.log(
  `- a new process ready in ${scale.readyMs.map((ms) => `${ms.toFixed(1)} ms`).join(', ')}`,
)
console.log(
  `- first check of a revoked jti ${scale.firstCheckUs.toFixed(0)} µs (one round trip), of an unknown one ${scale.unknownCheckUs.toFixed(0)} µs`,
)
for (const [what, { memoryStore: memory, redisStore: remote }] of Object.entries(scale.repeated))
  console.log(
    `- a repeated check of a ${what} token: redisStore ${remote.toFixed(0)} ns, memoryStore ${memory.toFixed(0)} ns (medians of ${ROUNDS} rounds of ${CHECKS.toLocaleString('en')})`,
  )
console.log(
  `- commands over 10 ms while starting, checking and revoking: ${scale.slow.length}${scale.slow.length ? ` (${scale.slow.map((entry) => `${entry.command} ${entry.ms.toFixed(1)} ms`).join(', ')})` : ''}`,
)

async function atScale(url) {
  const prefix = 'bench-scale:'
  const names = keyNames(prefix)
  const iss = options.issuer
  const admin = createClient({ url })
  await admin.connect()
  const until = Math.floor(Date.now() / 1000) + 3600
  const seeding = performance.now()
  for (let i = 0; i < LIVE; i += 10_000) {
    const batch = admin.multi()
    for (let j = i; j < Math.min(LIVE, i + 10_000); j++)
      batch.set(names.jti(iss, `revoked-${j}`), `${until}:${until}`, { PX: 3_600_000 })
    await batch.execAsPipeline()
  }
  const seedMs = performance.now() - seeding
  await admin.sendCommand(['CONFIG', 'SET', 'slowlog-log-slower-than', '10000'])
  await admin.sendCommand(['SLOWLOG', 'RESET'])

  const readyMs = []
  for (let i = 0; i < 3; i++) {
    const started = performance.now()
    const store = redisStore({ url, prefix })
    await store.ready()
    readyMs.push(performance.now() - started)
    await store.close()
  }

  const store = redisStore({ url, prefix })
  await store.ready()
  const revoked = { iss, jti: `revoked-${LIVE - 1}`, sub: 'bench', iat: until - 3600 }
  let started = performance.now()
  if ((await store.isRevoked(revoked)) !== true) throw new Error('a seeded revocation was missed')
  const firstCheckUs = (performance.now() - started) * 1000
  started = performance.now()
  if ((await store.isRevoked({ ...revoked, jti: 'live' })) !== false)
    throw new Error('a live token was found revoked')
  const unknownCheckUs = (performance.now() - started) * 1000
  // Revocations made meanwhile, as users log out: each is one script and one message.
  for (let i = 0; i < 1000; i++)
    await store.revoke({ kind: 'jti', iss, jti: `logout-${i}`, expiresAt: until })

  const memory = memoryStore()
  await memory.revoke({ kind: 'jti', iss, jti: revoked.jti, expiresAt: until })
  const live = { ...revoked, jti: 'live' }
  await store.isRevoked(live) // now cached, as for any token seen before
  const repeated = {}
  for (const [what, query, expected] of [
    ['live', live, false],
    ['revoked', revoked, true],
  ]) {
    const times = { memoryStore: [], redisStore: [] }
    for (let round = 0; round < ROUNDS; round++) {
      for (const name of round % 2 ? ['redisStore', 'memoryStore'] : ['memoryStore', 'redisStore'])
        times[name].push(repeatedCheck(name === 'redisStore' ? store : memory, query, expected))
    }
    repeated[what] = {
      memoryStore: median(times.memoryStore),
      redisStore: median(times.redisStore),
    }
  }
  await sleep(2500) // two heartbeats and their syncs, to be in the slow log if slow
  const slow = (await admin.sendCommand(['SLOWLOG', 'GET', '100'])).map((entry) => ({
    command: String(entry[3][0]),
    ms: Number(entry[2]) / 1000,
  }))
  await store.close()
  await admin.close()
  return {
    seedMs,
    readyMs,
    firstCheckUs,
    unknownCheckUs,
    repeated,
    slow,
  }
}

/** ns per check of a token whose answer the store has seen (synchronous for both stores). */
function repeatedCheck(store, query, expected) {
  let same = 0
  const started = process.hrtime.bigint()
  for (let i = 0; i < CHECKS; i++) if (store.isRevoked(query) === expected) same++
  const ns = Number(process.hrtime.bigint() - started) / CHECKS
  if (same !== CHECKS)
    throw new Error('a repeated check did not answer at once, or not as expected')
  return ns
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

async function measure(store, concurrency) {
  const check = createGuard({ ...options, store }).route({ maxUses: 1_000_000 })
  const tokens = Array.from({ length: REQUESTS }, (_, i) =>
    mint({ jti: `${Math.random()}-${i}`, exp: Math.floor(Date.now() / 1000) + 600 }),
  )
  const started = performance.now()
  for (let i = 0; i < REQUESTS; i += concurrency) {
    await Promise.all(
      tokens.slice(i, i + concurrency).map(async (token) => {
        const decision = await check({
          method: 'GET',
          url: '/',
          rawHeaders: ['Authorization', `Bearer ${token}`],
        })
        if (!decision.ok) throw new Error(`refused: ${decision.reason}`)
      }),
    )
  }
  return ((performance.now() - started) * 1000) / REQUESTS
}

async function startRedis() {
  const port = await new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
  const dir = mkdtempSync(join(tmpdir(), 'bench-redis-'))
  const child = spawn(
    process.env.REDIS_SERVER ?? 'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', ''],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  )
  await new Promise((resolve, reject) => {
    child.stdout.on(
      'data',
      (chunk) => chunk.toString().includes('Ready to accept connections') && resolve(),
    )
    child.once('exit', (code) => reject(new Error(`redis-server exited (${code})`)))
  })
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve(rmSync(dir, { recursive: true, force: true })))
        child.kill('SIGTERM')
      }),
  }
}
