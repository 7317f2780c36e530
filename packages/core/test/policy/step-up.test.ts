import { describe, expect, it } from 'vitest'
import type { JwtClaims } from '../../src/decision.js'
import { acrOption, checkStepUp } from '../../src/policy/step-up.js'

const now = 1_000_000
const claims = (extra: Record<string, unknown>) =>
  ({ iss: 'i', exp: now + 60, ...extra }) as JwtClaims

describe('checkStepUp(claims, acr, maxAuthAge, now)', () => {
  it('accepts an acceptable acr', () => {
    expect(checkStepUp(claims({ acr: 'mfa' }), ['mfa', 'phr'], undefined, now)).toBeUndefined()
  })
  it('asks for step-up on another acr, or none', () => {
    expect(checkStepUp(claims({ acr: 'pwd' }), ['mfa'], undefined, now)).toBe('step_up_required')
    expect(checkStepUp(claims({}), ['mfa'], undefined, now)).toBe('step_up_required')
  })
  it('accepts a recent enough auth_time, and exactly the limit', () => {
    expect(checkStepUp(claims({ auth_time: now - 300 }), undefined, 300, now)).toBeUndefined()
  })
  it('asks for step-up on an older auth_time, or none', () => {
    expect(checkStepUp(claims({ auth_time: now - 301 }), undefined, 300, now)).toBe(
      'step_up_required',
    )
    expect(checkStepUp(claims({}), undefined, 300, now)).toBe('step_up_required')
    expect(checkStepUp(claims({ auth_time: '2020' }), undefined, 300, now)).toBe('step_up_required')
  })
  it('needs both when both are required', () => {
    expect(
      checkStepUp(claims({ acr: 'mfa', auth_time: now - 10 }), ['mfa'], 60, now),
    ).toBeUndefined()
    expect(checkStepUp(claims({ acr: 'mfa', auth_time: now - 100 }), ['mfa'], 60, now)).toBe(
      'step_up_required',
    )
  })
})

describe('acrOption(value, option)', () => {
  it.each([[[]], ['mfa'], [['a b']], [['a"']], [[1]]])('refuses %j', (value) => {
    expect(() => acrOption(value, 'policy.acr')).toThrow(/"policy\.acr"/)
  })
})
