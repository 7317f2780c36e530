import { describe, expect, it } from 'vitest'
import type { JwtClaims } from '../../src/decision.js'
import { acrOption, checkStepUp } from '../../src/policy/step-up.js'

const now = 1_000_000
const claims = (extra: Record<string, unknown>) =>
  ({ iss: 'i', exp: now + 60, ...extra }) as JwtClaims

describe('checkStepUp(claims, acr, maxAuthAge, now, tolerance)', () => {
  it('accepts an acceptable acr', () => {
    expect(checkStepUp(claims({ acr: 'mfa' }), ['mfa', 'phr'], undefined, now, 5)).toBeUndefined()
  })
  it('asks for step-up on another acr, or none', () => {
    expect(checkStepUp(claims({ acr: 'pwd' }), ['mfa'], undefined, now, 5)).toBe('step_up_required')
    expect(checkStepUp(claims({}), ['mfa'], undefined, now, 5)).toBe('step_up_required')
  })
  it('accepts a recent enough auth_time, and exactly the limit', () => {
    expect(checkStepUp(claims({ auth_time: now - 300 }), undefined, 300, now, 5)).toBeUndefined()
  })
  it('asks for step-up on an older auth_time, or none', () => {
    expect(checkStepUp(claims({ auth_time: now - 301 }), undefined, 300, now, 5)).toBe(
      'step_up_required',
    )
    expect(checkStepUp(claims({}), undefined, 300, now, 5)).toBe('step_up_required')
    expect(checkStepUp(claims({ auth_time: '2020' }), undefined, 300, now, 5)).toBe(
      'step_up_required',
    )
  })
  it('accepts an auth_time ahead of now by no more than the clock tolerance', () => {
    expect(checkStepUp(claims({ auth_time: now + 5 }), undefined, 300, now, 5)).toBeUndefined()
  })
  it.each([
    ['beyond the clock tolerance', now + 6],
    ['far in the future', now + 86400 * 365],
    ['infinite (1e400 in JSON)', JSON.parse('1e400') as number],
    ['minus infinity', -Infinity],
    ['NaN', NaN],
  ])('asks for step-up on an auth_time %s', (_, authTime) => {
    expect(checkStepUp(claims({ auth_time: authTime }), undefined, 300, now, 5)).toBe(
      'step_up_required',
    )
  })
  it('needs both when both are required', () => {
    expect(
      checkStepUp(claims({ acr: 'mfa', auth_time: now - 10 }), ['mfa'], 60, now, 5),
    ).toBeUndefined()
    expect(checkStepUp(claims({ acr: 'mfa', auth_time: now - 100 }), ['mfa'], 60, now, 5)).toBe(
      'step_up_required',
    )
  })
})

describe('acrOption(value, option)', () => {
  it.each([[[]], ['mfa'], [['a b']], [['a"']], [[1]]])('refuses %j', (value) => {
    expect(() => acrOption(value, 'policy.acr')).toThrow(/"policy\.acr"/)
  })
})
