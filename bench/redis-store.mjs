// The per-request cost of redisStore against memoryStore, on loopback, in one run.
// Run with `pnpm bench:redis` (builds first; needs redis-server, which it starts itself).
//
// Each request goes through one guard route with `maxUses` (a use counted: one Redis round
// trip) and the default revocation check (answered from the local mirror). Rounds alternate
// between the stores so machine noise hits both alike; medians are reported.
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createGuard, memoryStore } from '@bearer-guard/core'
import { redisStore } from '@bearer-guard/redis'
import { mintToken } from '@bearer-guard/testing'

const REQUESTS = Number(process.env.REQUESTS ?? 20_000)
const ROUNDS = 5
const secret = new Uint8Array(randomBytes(32))
const options = { issuer: 'https://issuer.bench', audience: 'https://api.bench', secrets: [secret] }
const context = {
  defaultClaims: () => ({ iss: options.issuer, aud: options.audience, sub: 'bench' }),
  keyFor: () => undefined,
  secrets: [secret],
  defaultAlg: 'ES256',
}

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

async function measure(store, concurrency) {
  const check = createGuard({ ...options, store }).route({ maxUses: 1_000_000 })
  const tokens = Array.from({ length: REQUESTS }, (_, i) =>
    mintToken(
      context,
      { jti: `${Math.random()}-${i}`, exp: Math.floor(Date.now() / 1000) + 600 },
      { alg: 'HS256' },
    ),
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

function median(list) {
  const sorted = [...list].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
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
