import Router from '@koa/router'
import Koa from 'koa'
import type { Middleware } from 'koa'
import { describe, expectTypeOf, it } from 'vitest'
import type { AuthInfo, Guard } from '@bearer-guard/core'
import { requireJwt } from '@bearer-guard/koa'
import type { AuthState } from '@bearer-guard/koa'

const options = { issuer: 'https://id.example.com/', audience: 'https://api.example.com' }

describe('@bearer-guard/koa types', () => {
  it('types ctx.state.auth', () => {
    const app = new Koa()
    app.use(requireJwt(options))
    app.use((ctx) => {
      expectTypeOf(ctx.state.auth).toEqualTypeOf<AuthInfo | undefined>()
    })
  })

  it('fits @koa/router route middleware', () => {
    const auth = requireJwt(options)
    const router = new Router()
    router.post('/pay', auth.require({ scope: 'pay', maxAge: '5m' }), (ctx) => {
      expectTypeOf(ctx.state.auth?.payload.sub).toEqualTypeOf<string | undefined>()
    })
  })

  it('returns middleware with require() and the guard', () => {
    const auth = requireJwt(options)
    expectTypeOf(auth).toMatchTypeOf<Middleware<AuthState>>()
    expectTypeOf(auth.guard).toEqualTypeOf<Guard>()
    // @ts-expect-error: claims is an object of names to values or predicates
    auth.require({ claims: 'tenant' })
    // @ts-expect-error: audience is a string or an array of strings
    requireJwt({ issuer: 'i', audience: 3 })
  })
})
