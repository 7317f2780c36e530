import { describe, expect, it } from 'vitest'
import type { JwtClaims } from '../../src/decision.js'
import { checkMaxAge } from '../../src/policy/max-age.js'

const now = 1_000_000
const claims = (extra: Record<string, unknown>) =>
  ({ iss: 'https://issuer.example.test', exp: now + 300, ...extra }) as JwtClaims

describe('checkMaxAge', () => {
  it('refuses a token without iat as missing_claim', () => {
    expect(checkMaxAge(claims({}), 60, now)).toBe('missing_claim')
  })

  it.each([['123'], [null], [[now]], [Infinity], [Number.NaN]])(
    'refuses an iat of %j, present but not a finite number, as too_old',
    (iat) => {
      expect(checkMaxAge(claims({ iat }), 60, now)).toBe('too_old')
    },
  )

  it('accepts a young token and refuses an old one', () => {
    expect(checkMaxAge(claims({ iat: now - 30 }), 60, now)).toBeUndefined()
    expect(checkMaxAge(claims({ iat: now - 61 }), 60, now)).toBe('too_old')
  })
})
