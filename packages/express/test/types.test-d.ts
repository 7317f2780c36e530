import express from 'express'
import type { RequestHandler } from 'express'
import { describe, expectTypeOf, it } from 'vitest'
import type { AuthInfo, Guard } from '@bearer-guard/core'
import { requireJwt } from '@bearer-guard/express'

const options = { issuer: 'https://id.example.com/', audience: 'https://api.example.com' }

describe('@bearer-guard/express types', () => {
  it('types req.auth on every request', () => {
    const app = express()
    const auth = requireJwt(options)
    app.get('/orders', auth.require({ scope: 'orders:read' }), (req, res) => {
      expectTypeOf(req.auth).toEqualTypeOf<AuthInfo | undefined>()
      expectTypeOf(req.auth!.payload.sub).toEqualTypeOf<string | undefined>()
      expectTypeOf(req.auth!.payload.exp).toEqualTypeOf<number>()
      res.end()
    })
  })

  it('returns middleware with require() and the guard', () => {
    const auth = requireJwt(options)
    expectTypeOf(auth).toMatchTypeOf<RequestHandler>()
    expectTypeOf(auth.require()).toEqualTypeOf<RequestHandler>()
    expectTypeOf(auth.guard).toEqualTypeOf<Guard>()
  })

  it('refuses misuse at compile time', () => {
    // @ts-expect-error: `aud` is not an option, `audience` is
    requireJwt({ issuer: 'i', aud: 'a' })
    // @ts-expect-error: reasons is 'expose' or 'hide'
    requireJwt({ ...options, reasons: 'silent' })
    // @ts-expect-error: scope is a string or an array of strings
    requireJwt(options).require({ scope: 42 })
    // @ts-expect-error: anyScope is an array
    requireJwt(options).require({ anyScope: 'a' })
    // @ts-expect-error: req.auth is never a string
    expectTypeOf<AuthInfo>().toEqualTypeOf<string>()
  })
})
