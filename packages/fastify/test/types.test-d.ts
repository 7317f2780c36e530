import Fastify from 'fastify'
import type { onRequestHookHandler } from 'fastify'
import { describe, expectTypeOf, it } from 'vitest'
import type { AuthInfo, Guard } from '@bearer-guard/core'
import bearerGuard from '@bearer-guard/fastify'

describe('@bearer-guard/fastify types', () => {
  it('types the decorations', async () => {
    const app = Fastify()
    await app.register(bearerGuard, {
      issuer: 'https://id.example.com/',
      audience: 'https://api.example.com',
    })
    expectTypeOf(app.requireJwt({ scope: 'orders:read' })).toEqualTypeOf<onRequestHookHandler>()
    expectTypeOf(app.bearerGuard).toEqualTypeOf<Guard>()
    app.get('/orders', { onRequest: app.requireJwt() }, async (request) => {
      expectTypeOf(request.auth).toEqualTypeOf<AuthInfo | null>()
      return request.auth?.payload.sub
    })
  })

  it('refuses misuse at compile time', async () => {
    const app = Fastify()
    // @ts-expect-error: the plugin takes the guard options; `aud` is not one
    await app.register(bearerGuard, { issuer: 'i', aud: 'a' })
    // @ts-expect-error: maxAge is a duration, not a boolean
    app.requireJwt({ maxAge: true })
  })
})
