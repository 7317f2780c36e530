// Property-based fuzzing of extraction and verification with fast-check. Runs are bounded to
// keep CI fast; on a failure fast-check prints the seed and path, and FUZZ_SEED=<seed> replays it.
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { createIssuer } from '@bearer-guard/testing'
import type { LocalIssuer } from '@bearer-guard/testing'
import { extractBearer, MAX_TOKEN_LENGTH } from '../src/extract/bearer.js'
import type { Guard } from '../src/guard.js'
import { isReason } from '../src/reasons.js'
import { bearerRequest, localGuard } from './helpers.js'
import { expectJoseAgrees } from '../../../test/differential.js'
import type { CheckedSignature } from '../../../test/differential.js'

// Every signature checked here is checked again by jose: the two must agree (test/differential.ts).
const checkedSignatures = vi.hoisted(() => [] as CheckedSignature[])
vi.mock('../src/verify/jws-signature.js', async (original) =>
  (await import('../../../test/differential.js')).recordingVerifier(
    await original(),
    checkedSignatures,
  ),
)

if (process.env.FUZZ_SEED) fc.configureGlobal({ seed: Number(process.env.FUZZ_SEED) })

let issuer: LocalIssuer
let guard: Guard
let valid: string[]
beforeAll(async () => {
  issuer = await createIssuer()
  guard = localGuard(issuer)
  valid = await Promise.all(
    (['ES256', 'RS256', 'PS256', 'EdDSA'] as const).map((alg) =>
      issuer.mint({ scope: 'a' }, { alg }),
    ),
  )
})
afterAll(() => issuer.close())

const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/
const headerValue = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.string({ unit: 'binary', maxLength: 100 }),
  fc
    .tuple(
      fc.constantFrom('Bearer ', 'bearer ', 'BEARER  ', 'Bearer', 'Basic ', 'Bearer\t', 'DPoP '),
      fc.string({ maxLength: 300 }),
    )
    .map(([a, b]) => a + b),
  fc
    .tuple(fc.constantFrom('Bearer '), fc.stringMatching(/^[A-Za-z0-9\-._~+/=, ]{0,120}$/))
    .map(([a, b]) => a + b),
)

describe('extractBearer(input) on arbitrary headers', () => {
  it('never throws, and returns a b64token of at most 8 KiB or a contract reason', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.constantFrom('Authorization', 'authorization', 'X-Other'), headerValue),
          { maxLength: 3 },
        ),
        fc.string({ maxLength: 80 }),
        (headers, query) => {
          const result = extractBearer({
            method: 'GET',
            url: `/x?${query}`,
            rawHeaders: headers.flat(),
          })
          if ('token' in result) {
            expect(result.token).toMatch(B64TOKEN)
            expect(result.token.length).toBeLessThanOrEqual(MAX_TOKEN_LENGTH)
          } else {
            expect([
              'missing_token',
              'malformed_header',
              'token_in_query',
              'token_in_body',
              'multiple_tokens',
              'token_too_large',
            ]).toContain(result.reason)
          }
        },
      ),
      { numRuns: 2000 },
    )
  })
})

describe('a guard on arbitrary input', () => {
  it('never accepts, never throws and always names a contract reason for a random credential', async () => {
    await fc.assert(
      fc.asyncProperty(headerValue, async (value) => {
        const decision = await guard.route()({
          method: 'GET',
          url: '/',
          rawHeaders: ['Authorization', value],
        })
        expect(decision.ok).toBe(false)
        expect(!decision.ok && isReason(decision.reason)).toBe(true)
      }),
      { numRuns: 500 },
    )
  })

  it('never accepts a mutated valid token', async () => {
    const mutation = fc.oneof(
      // flip one bit of one decoded segment and re-encode it
      fc.record({
        kind: fc.constant('flip' as const),
        segment: fc.integer({ min: 0, max: 2 }),
        bit: fc.nat(),
      }),
      // replace one character with another base64url character
      fc.record({
        kind: fc.constant('char' as const),
        at: fc.nat(),
        char: fc.constantFrom(...'ABCabc019-_'),
      }),
      // swap two segments, or repeat one in place of another
      fc.record({
        kind: fc.constant('swap' as const),
        from: fc.integer({ min: 0, max: 2 }),
        to: fc.integer({ min: 0, max: 2 }),
      }),
      // re-encode the header or payload JSON with other whitespace or member order
      fc.record({
        kind: fc.constant('reencode' as const),
        segment: fc.integer({ min: 0, max: 1 }),
        spaces: fc.integer({ min: 0, max: 2 }),
        reverse: fc.boolean(),
      }),
      // base64 instead of base64url, or with padding
      fc.record({
        kind: fc.constant('alphabet' as const),
        segment: fc.integer({ min: 0, max: 2 }),
      }),
      // drop characters from the end or the start
      fc.record({
        kind: fc.constant('truncate' as const),
        count: fc.integer({ min: 1, max: 30 }),
        fromStart: fc.boolean(),
      }),
    )
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 3 }), mutation, async (which, change) => {
        const original = valid[which]!
        const mutated = mutate(original, change)
        fc.pre(mutated !== original)
        const decision = await guard.route()(bearerRequest(mutated))
        expect(decision.ok).toBe(false)
      }),
      { numRuns: 600 },
    )
    // The unmutated tokens do verify, so a refusal above is the mutation's doing.
    for (const token of valid) expect((await guard.route()(bearerRequest(token))).ok).toBe(true)
  })
})

type Mutation =
  | { kind: 'flip'; segment: number; bit: number }
  | { kind: 'char'; at: number; char: string }
  | { kind: 'swap'; from: number; to: number }
  | { kind: 'reencode'; segment: number; spaces: number; reverse: boolean }
  | { kind: 'alphabet'; segment: number }
  | { kind: 'truncate'; count: number; fromStart: boolean }

function mutate(token: string, change: Mutation): string {
  const parts = token.split('.')
  switch (change.kind) {
    case 'flip': {
      const bytes = Buffer.from(parts[change.segment]!, 'base64url')
      if (bytes.length === 0) return token
      const bit = change.bit % (bytes.length * 8)
      bytes[bit >> 3]! ^= 1 << (bit & 7)
      parts[change.segment] = bytes.toString('base64url')
      return parts.join('.')
    }
    case 'char': {
      const at = change.at % token.length
      return token[at] === '.' ? token : token.slice(0, at) + change.char + token.slice(at + 1)
    }
    case 'swap':
      parts[change.to] = token.split('.')[change.from]!
      return parts.join('.')
    case 'reencode': {
      const json = JSON.parse(
        Buffer.from(parts[change.segment]!, 'base64url').toString(),
      ) as Record<string, unknown>
      const entries = Object.entries(json)
      if (change.reverse) entries.reverse()
      parts[change.segment] = Buffer.from(
        JSON.stringify(Object.fromEntries(entries), null, change.spaces),
      ).toString('base64url')
      return parts.join('.')
    }
    case 'alphabet':
      parts[change.segment] = Buffer.from(parts[change.segment]!, 'base64url').toString('base64')
      return parts.join('.')
    case 'truncate':
      return change.fromStart ? token.slice(change.count) : token.slice(0, -change.count)
  }
}

it('gets from jose the verdict of every signature it checked', async () => {
  await expectJoseAgrees(checkedSignatures)
})
