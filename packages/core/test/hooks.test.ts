// The application's callbacks are isolated: whatever they throw or reject becomes a warning,
// and the request (or the key source) goes on as if they were absent.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { createIssuer } from '@bearer-guard/testing'
import type { LocalIssuer } from '@bearer-guard/testing'
import { createGuard } from '../src/guard.js'
import { isolated } from '../src/hooks.js'
import { decide, localGuard, outcome } from './helpers.js'

let issuer: LocalIssuer
let warnings: string[]
const unhandled: unknown[] = []
const onUnhandled = (reason: unknown) => void unhandled.push(reason)

beforeAll(async () => {
  issuer = await createIssuer({ algorithms: ['ES256'] })
  process.on('unhandledRejection', onUnhandled)
})
afterAll(async () => {
  process.off('unhandledRejection', onUnhandled)
  await issuer.close()
})
afterEach(() => {
  vi.restoreAllMocks()
})
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const watchWarnings = () => {
  warnings = []
  vi.spyOn(process, 'emitWarning').mockImplementation(
    (warning) => void warnings.push(String(warning)),
  )
}

describe('isolated(name, callback)', () => {
  it('turns a throw and a rejection into warnings naming the option, never the message', async () => {
    watchWarnings()
    isolated('onDecision', () => {
      throw new TypeError('token eyJhbGciOi')
    })(1)
    isolated('onKeyEvent', async () => Promise.reject(new RangeError('secret')))(1)
    isolated('onKeyEvent', () => Promise.reject(null))(1)
    await sleep(10)
    expect(warnings.sort()).toEqual([
      'onDecision threw: TypeError',
      'onKeyEvent rejected: RangeError',
      'onKeyEvent rejected: object',
    ])
    expect(unhandled).toEqual([])
  })
})

describe('a guard whose hooks fail', () => {
  it.each([
    [
      'throws',
      () => {
        throw new Error('boom')
      },
    ],
    [
      'rejects',
      async () => {
        throw new Error('boom')
      },
    ],
  ])('answers as without an onDecision that %s', async (_, onDecision) => {
    watchWarnings()
    // A handler returning a promise is what this test feeds the guard.
    // eslint-disable-next-line @typescript-eslint/no-misused-promises
    const guard = localGuard(issuer, { onDecision })
    expect(await outcome(decide(guard, await issuer.mint()))).toBe('ok')
    expect(await outcome(decide(guard, await issuer.mint({ exp: '-1m' })))).toBe('expired')
    await sleep(10)
    expect(warnings).toHaveLength(2)
    expect(unhandled).toEqual([])
  })

  it.each(['throws', 'rejects'])(
    'keeps serving stale keys through a JWKS outage when onKeyEvent %s on every event',
    async (how) => {
      watchWarnings()
      const onKeyEvent = () => {
        if (how === 'throws') throw new Error('boom')
        return Promise.reject(new Error('boom'))
      }
      const guard = createGuard({
        ...issuer.guardOptions,
        jwksUri: issuer.jwksUri,
        jwksCache: { ttl: 0.2, minTtl: 0, staleGrace: 60, retryInterval: 0 },
        // A handler returning a promise is what this test feeds the guard.
        // eslint-disable-next-line @typescript-eslint/no-misused-promises
        onKeyEvent,
      })
      const token = await issuer.mint()
      expect(await outcome(decide(guard, token))).toBe('ok')
      issuer.fault('error', 'jwks')
      try {
        await sleep(300)
        for (let i = 0; i < 3; i++)
          expect(await outcome(decide(guard, await issuer.mint()))).toBe('ok')
      } finally {
        issuer.fault(undefined)
      }
      await sleep(10)
      expect(
        warnings.some((warning) =>
          warning.startsWith(`onKeyEvent ${how === 'throws' ? 'threw' : 'rejected'}`),
        ),
      ).toBe(true)
      expect(unhandled).toEqual([])
    },
  )

  it('refuses a claim whose predicate returns a rejected promise, leaving nothing unhandled', async () => {
    const guard = localGuard(issuer)
    const token = await issuer.mint({ tenant: 'acme' })
    const rule = { claims: { tenant: async () => Promise.reject(new Error('db down')) } }
    expect(await outcome(decide(guard, token, rule as never))).toBe('claim_mismatch')
    await sleep(10)
    expect(unhandled).toEqual([])
  })
})
