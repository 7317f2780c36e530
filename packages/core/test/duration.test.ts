import { describe, expect, it } from 'vitest'
import { parseDuration } from '../src/duration.js'
import { BearerGuardError } from '../src/errors.js'

describe('parseDuration(value, option)', () => {
  it.each([
    [0, 0],
    [30, 30],
    [1.5, 1.5],
    ['30', 30],
    ['5s', 5],
    ['250ms', 0.25],
    ['5m', 300],
    ['5 min', 300],
    ['2h', 7200],
    ['1d', 86400],
    ['1w', 604800],
    ['10 Minutes', 600],
  ])('reads %j as %d seconds', (value, seconds) => {
    expect(parseDuration(value, 'maxAge')).toBe(seconds)
  })

  it.each([
    -1,
    Number.NaN,
    Infinity,
    '',
    '-5m',
    '5 fortnights',
    'm5',
    '1e3',
    '5m30s',
    null,
    {},
    true,
  ])('refuses %j naming the option', (value) => {
    expect(() => parseDuration(value, 'policy.maxAge')).toThrow(BearerGuardError)
    expect(() => parseDuration(value, 'policy.maxAge')).toThrow(/"policy\.maxAge"/)
  })
})
