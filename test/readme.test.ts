// The quick starts in the READMEs are code users paste: each one is run here against the local
// issuer, with only its issuer swapped in and its listen() call left out.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createIssuer } from '@bearer-guard/testing'
import type { LocalIssuer } from '@bearer-guard/testing'
import { startRedis } from '../packages/redis/test/redis-server.js'
import type { RedisServer } from '../packages/redis/test/redis-server.js'
import { quickStart } from './quick-start.js'

const root = new URL('../', import.meta.url)
const generated = new URL('./.generated/', import.meta.url)

let issuer: LocalIssuer
let redis: RedisServer
beforeAll(async () => {
  issuer = await createIssuer({ algorithms: ['ES256'], audience: 'https://api.example.com' })
  redis = await startRedis()
})
afterAll(() => Promise.all([issuer.close(), redis.close()]))

/** Writes a quick start as a module exporting its `app`, pointed at the local issuer. */
async function loadApp(code: string, file: string) {
  expect(code.split('\n').length - 1, 'a quick start fits in 15 lines').toBeLessThanOrEqual(15)
  const runnable = code
    .replaceAll("'https://id.example.com/'", `'${issuer.url}'`)
    .replaceAll("'redis://127.0.0.1:6379'", `'${redis.url}'`)
    .replace(/^(await )?app\.listen\(.*\)\n/m, '')
  expect(runnable).not.toContain('id.example.com')
  expect(runnable).not.toContain('listen(')
  mkdirSync(generated, { recursive: true })
  const path = fileURLToPath(new URL(file, generated))
  writeFileSync(path, `${runnable}\nexport default app\n`)
  return (await import(path)).default
}

/** What every quick start does: 401 without a token, 403 without the scope, 200 with it. */
async function expectOrders(app: Parameters<typeof request>[0]) {
  expect((await request(app).get('/orders')).status).toBe(401)
  const token = await issuer.mint({ scope: 'orders:read', sub: 'alice' })
  const res = await request(app).get('/orders').set('Authorization', `Bearer ${token}`)
  expect(res.status).toBe(200)
  expect(res.body).toEqual({ user: 'alice' })
  const profile = await issuer.mint({ scope: 'profile' })
  expect((await request(app).get('/orders').set('Authorization', `Bearer ${profile}`)).status).toBe(
    403,
  )
}

describe('README quick starts', () => {
  it.each([
    ['README.md', 'root-express.ts'],
    ['packages/express/README.md', 'express.ts'],
  ])('%s: Express', async (readme, file) => {
    await expectOrders(await loadApp(quickStart(readme, 'express'), file))
  })

  it('packages/koa/README.md: Koa with @koa/router', async () => {
    const app = await loadApp(quickStart('packages/koa/README.md', 'koa'), 'koa.ts')
    await expectOrders(app.callback())
  })

  it('packages/fastify/README.md: Fastify', async () => {
    const app = await loadApp(quickStart('packages/fastify/README.md', 'fastify'), 'fastify.ts')
    await app.ready()
    try {
      await expectOrders(app.server)
    } finally {
      await app.close()
    }
  })

  it('packages/redis/README.md: Express on a Redis store', async () => {
    const app = await loadApp(quickStart('packages/redis/README.md', 'redis'), 'redis.ts')
    await expectOrders(app)
  })

  it('packages/core/README.md: plain node:http', async () => {
    const server = await loadApp(quickStart('packages/core/README.md', 'core'), 'core.ts')
    expect((await request(server).get('/orders')).headers['www-authenticate']).toMatch(
      /^Bearer realm="api", DPoP algs="/,
    )
    const token = await issuer.mint({ scope: 'orders:read', sub: 'carol' })
    const res = await request(server).get('/orders').set('Authorization', `Bearer ${token}`)
    expect(res.text).toBe('hello carol')
  })
})

describe('the root README', () => {
  it('starts with exactly the two commands, on the pinned pnpm', () => {
    const [demo, test] = readFileSync(new URL('README.md', root), 'utf8').split('\n')
    expect(demo?.trim()).toMatch(/^npx --yes pnpm@[\d.]+ install && npx --yes pnpm@[\d.]+ demo$/)
    expect(test?.trim()).toMatch(/^npx --yes pnpm@[\d.]+ install && npx --yes pnpm@[\d.]+ test$/)
    const pinned = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')).packageManager
    expect(demo).toContain(pinned)
    expect(test).toContain(pinned)
  })
})

describe('docs/mcp.md', () => {
  // The guide shows the MCP example in full: it must be the code that test/mcp runs.
  it.each(['server', 'express', 'koa', 'fastify'])(
    'holds examples/mcp/src/%s.ts as it is',
    (name) => {
      const guide = readFileSync(new URL('../docs/mcp.md', import.meta.url), 'utf8')
      const source = readFileSync(
        new URL(`../examples/mcp/src/${name}.ts`, import.meta.url),
        'utf8',
      )
      expect(guide).toContain(source.trim())
    },
  )
})
