// Several processes of one API sharing one Redis, as in production: use counts and
// revocations hold across them, and a Redis outage fails closed and heals by itself.
import { fork } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createIssuer, dpopProof, generateDpopKey } from '@bearer-guard/testing'
import type { LocalIssuer } from '@bearer-guard/testing'
import { startRedis } from './redis-server.js'
import type { RedisServer } from './redis-server.js'

const RESOURCE = 'https://api.example.test'
const FIXTURE = fileURLToPath(new URL('./fixtures/api-process.mjs', import.meta.url))

interface Instance {
  child: ChildProcess
  url: string
  ask(message: object): Promise<Record<string, unknown>>
}

let redis: RedisServer
let issuer: LocalIssuer
let instances: Instance[]

beforeAll(async () => {
  redis = await startRedis()
  issuer = await createIssuer({ algorithms: ['ES256'] })
  instances = await Promise.all([0, 1, 2].map(() => spawnInstance()))
}, 30_000)
afterAll(async () => {
  await Promise.all(
    instances.map(
      (instance) =>
        new Promise((resolve) => {
          instance.child.once('exit', resolve)
          instance.child.send({ close: true })
        }),
    ),
  )
  await redis.close()
  await issuer.close()
})

async function spawnInstance(): Promise<Instance> {
  const child = fork(FIXTURE, {
    env: {
      ...process.env,
      REDIS_URL: redis.url,
      ISSUER: issuer.url,
      AUDIENCE: issuer.audience,
      JWKS: JSON.stringify(issuer.jwks()),
      RESOURCE,
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const { port } = await new Promise<{ port: number }>((resolve, reject) => {
    child.once('message', resolve as (message: unknown) => void)
    child.once('exit', (code) => reject(new Error(`API process exited (${code})`)))
  })
  return {
    child,
    url: `http://127.0.0.1:${port}`,
    ask: (message) =>
      new Promise((resolve) => {
        child.once('message', resolve as (message: unknown) => void)
        child.send(message)
      }),
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
async function call(instance: Instance, path: string, token: string, proof?: string) {
  const res = await fetch(`${instance.url}${path}`, {
    headers: proof
      ? { authorization: `DPoP ${token}`, dpop: proof }
      : { authorization: `Bearer ${token}` },
  })
  return { status: res.status, reason: res.headers.get('auth-reason') }
}

describe('three API processes sharing one Redis', () => {
  it('accept a maxUses: 3 token exactly 3 times out of 20 concurrent requests spread across them', async () => {
    const token = await issuer.mint()
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => call(instances[i % 3]!, '/pay', token)),
    )
    expect(answers.filter((answer) => answer.status === 200)).toHaveLength(3)
    expect(answers.filter((answer) => answer.reason === 'uses_exhausted')).toHaveLength(17)
  })

  it('accept one DPoP proof once across them: 30 concurrent copies, then again one by one', async () => {
    const key = generateDpopKey()
    const token = await issuer.mint({ cnf: { jkt: key.jkt } })
    const proof = dpopProof(key, { url: `${RESOURCE}/orders`, token })
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) => call(instances[i % 3]!, '/orders', token, proof)),
    )
    expect(answers.filter((answer) => answer.status === 200)).toHaveLength(1)
    expect(answers.filter((answer) => answer.reason === 'dpop_replayed')).toHaveLength(29)
    const fresh = dpopProof(key, { url: `${RESOURCE}/orders`, token })
    expect((await call(instances[1]!, '/orders', token, fresh)).status).toBe(200)
    for (const instance of instances)
      expect(await call(instance, '/orders', token, fresh)).toEqual({
        status: 401,
        reason: 'dpop_replayed',
      })
  })

  it('honour a revocation made in one process in every other within a second', async () => {
    const token = await issuer.mint({ sub: 'leaver', iat: '-1m' })
    for (const instance of instances)
      expect((await call(instance, '/orders', token)).status).toBe(200)
    const revoked = performance.now()
    expect(await instances[0]!.ask({ revoke: { sub: 'leaver' } })).toEqual({ revoked: true })
    for (const instance of instances.slice(1)) {
      while ((await call(instance, '/orders', token)).reason !== 'revoked') {
        expect(performance.now() - revoked).toBeLessThan(1000)
        await sleep(10)
      }
    }
    expect(performance.now() - revoked).toBeLessThan(1000)
  })

  it('fail closed while Redis is down and recover without a restart, no use lost or double-counted', async () => {
    const token = await issuer.mint()
    expect((await call(instances[0]!, '/pay', token)).status).toBe(200)
    expect((await call(instances[1]!, '/pay', token)).status).toBe(200)
    await redis.stop()
    try {
      for (const instance of instances) {
        expect(await call(instance, '/pay', token)).toEqual({
          status: 503,
          reason: 'store_unavailable',
        })
        // Revocation checks fail closed as soon as the subscription's loss is noticed.
        const started = performance.now()
        while ((await call(instance, '/orders', token)).reason !== 'store_unavailable') {
          expect(performance.now() - started).toBeLessThan(1000)
          await sleep(10)
        }
      }
    } finally {
      await redis.start()
    }
    // Every process heals by itself: a plain read passes again on each.
    const other = await issuer.mint()
    for (const instance of instances) {
      const started = performance.now()
      while ((await call(instance, '/orders', other)).status !== 200) {
        expect(performance.now() - started).toBeLessThan(10_000)
        await sleep(50)
      }
    }
    // Two uses before the outage, none during it: exactly one remains, across all processes.
    const after = await Promise.all(instances.map((instance) => call(instance, '/pay', token)))
    expect(after.filter((answer) => answer.status === 200)).toHaveLength(1)
    expect(after.filter((answer) => answer.reason === 'uses_exhausted')).toHaveLength(2)
  })
})
