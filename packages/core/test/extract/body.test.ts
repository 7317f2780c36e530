import { describe, expect, it } from 'vitest'
import { expectsBody, hasBodyToken } from '../../src/extract/body.js'

describe('expectsBody(rawHeaders)', () => {
  const cases: [string, string[], boolean][] = [
    ['no headers', [], false],
    ['headers without a body', ['Host', 'api', 'Authorization', 'Bearer x'], false],
    ['Content-Length: 0', ['Content-Length', '0'], false],
    ['a positive Content-Length', ['Host', 'api', 'Content-Length', '12'], true],
    ['the name in any case', ['CONTENT-length', '3'], true],
    ['a Content-Length that is not a number', ['content-length', 'abc'], false],
    ['a second, positive Content-Length', ['content-length', '0', 'content-length', '4'], true],
    ['Transfer-Encoding', ['Transfer-Encoding', 'chunked'], true],
    ['a lower-case transfer-encoding', ['transfer-encoding', 'gzip, chunked'], true],
    ['a name that only starts like one', ['content-length-x', '5'], false],
    ['a dangling name without a value', ['Content-Length'], false],
  ]
  for (const [name, rawHeaders, expected] of cases)
    it(`${expected ? 'expects' : 'does not expect'} a body for ${name}`, () => {
      expect(expectsBody(rawHeaders)).toBe(expected)
    })
})

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
