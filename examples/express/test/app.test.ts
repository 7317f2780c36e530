import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createIssuer, runDemo } from '@bearer-guard/testing'
import type { LocalIssuer } from '@bearer-guard/testing'
import { ordersApp } from '../src/app.js'
import { startExpress } from '../src/demo.js'

let issuer: LocalIssuer
beforeAll(async () => {
  issuer = await createIssuer({ algorithms: ['ES256'] })
})
afterAll(() => issuer.close())

describe('the Express orders example', () => {
  it('serves /health without a token', async () => {
    expect((await request(ordersApp(issuer.guardOptions)).get('/health')).status).toBe(200)
  })

  it("lists the caller's orders with orders:read", async () => {
    const res = await request(ordersApp(issuer.guardOptions))
      .get('/orders')
      .set('Authorization', `Bearer ${await issuer.mint({ scope: 'orders:read', sub: 'user-1' })}`)
    expect(res.status).toBe(200)
    expect(res.body.orders).toEqual([{ id: 1, owner: 'user-1', item: 'coffee beans' }])
  })

  it('creates an order with orders:write and refuses it with orders:read', async () => {
    const app = ordersApp(issuer.guardOptions)
    const write = await issuer.mint({ scope: 'orders:write', sub: 'user-2' })
    const created = await request(app)
      .post('/orders')
      .set('Authorization', `Bearer ${write}`)
      .send({ item: 'tea' })
    expect(created.status).toBe(201)
    expect(created.body).toEqual({ id: 2, owner: 'user-2', item: 'tea' })
    const read = await issuer.mint({ scope: 'orders:read' })
    const refused = await request(app)
      .post('/orders')
      .set('Authorization', `Bearer ${read}`)
      .send({ item: 'tea' })
    expect(refused.status).toBe(403)
  })
})

describe('the demo', () => {
  it('prints a curl line and the real answer for each case', async () => {
    const lines: string[] = []
    await runDemo({
      framework: 'Express 5',
      start: startExpress,
      once: true,
      port: 0,
      write: (line) => lines.push(line),
    })
    const text = lines.join('\n')
    expect(lines.filter((line) => line.startsWith('curl -i'))).toHaveLength(5)
    expect(lines.filter((line) => line.startsWith('=> '))).toEqual([
      '=> 200 OK',
      '=> 401 Unauthorized',
      '=> 401 Unauthorized',
      '=> 403 Forbidden',
      '=> 400 Bad Request',
    ])
    expect(text).toContain('www-authenticate: Bearer realm="api"\n')
    for (const reason of ['missing_token', 'expired', 'insufficient_scope', 'token_in_query']) {
      expect(text).toContain(`auth-reason: ${reason}`)
    }
    expect(text).toContain("curl -i -X POST '")
  })
})
