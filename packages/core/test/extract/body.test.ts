import { describe, expect, it } from 'vitest'
import { hasBodyToken } from '../../src/extract/body.js'

describe('hasBodyToken(body)', () => {
  it('finds access_token in a parsed object or a raw urlencoded string, nowhere else', () => {
    expect(hasBodyToken({ access_token: 'x' })).toBe(true)
    expect(hasBodyToken('a=1&access_token=x')).toBe(true)
    expect(hasBodyToken('a=1&my_access_token=x')).toBe(false)
    expect(hasBodyToken(Buffer.from('access_token=x'))).toBe(false)
    expect(hasBodyToken(Object.create({ access_token: 'inherited' }))).toBe(false)
    expect(hasBodyToken(undefined)).toBe(false)
  })
})
