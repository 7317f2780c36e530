import { describe, expect, it } from 'vitest'
import { decodeJws, isBase64url } from '../../src/jwt/decode-jws.js'

const b64 = (value: string) => Buffer.from(value).toString('base64url')
const HEADER = b64('{"alg":"ES256"}')
const PAYLOAD = b64('{"sub":"x"}')

describe('decodeJws(token)', () => {
  it('decodes a well-formed token', () => {
    expect(decodeJws(`${HEADER}.${PAYLOAD}.c2ln`)).toEqual({
      header: { alg: 'ES256' },
      payload: { sub: 'x' },
    })
  })
  it('accepts an empty signature segment (refused later, as a bad signature)', () => {
    expect(decodeJws(`${HEADER}.${PAYLOAD}.`)).toBeDefined()
  })
  const malformed: [string, string][] = [
    ['two segments', `${HEADER}.${PAYLOAD}`],
    ['four segments', `${HEADER}.${PAYLOAD}.c2ln.c2ln`],
    ['a five-segment JWE', `${HEADER}.a.b.c.d`],
    ['an empty header', `.${PAYLOAD}.c2ln`],
    ['an empty payload', `${HEADER}..c2ln`],
    ['standard base64 characters', `${HEADER}.${PAYLOAD}.ab+/`],
    ['padding', `${HEADER}=.${PAYLOAD}.c2ln`],
    ['an impossible base64 length', `${HEADER}.${PAYLOAD}.abcde`],
    ['non-canonical trailing bits', `${HEADER}.${PAYLOAD}.QR`],
    ['a header that is not JSON', `${b64('not json')}.${PAYLOAD}.c2ln`],
    ['a header that is a JSON array', `${b64('["alg"]')}.${PAYLOAD}.c2ln`],
    ['a header that is JSON null', `${b64('null')}.${PAYLOAD}.c2ln`],
    ['a payload that is a JSON string', `${HEADER}.${b64('"sub"')}.c2ln`],
    ['a payload that is a number', `${HEADER}.${b64('42')}.c2ln`],
    [
      'invalid UTF-8 in the payload',
      `${HEADER}.${Buffer.from([0x7b, 0xff, 0x7d]).toString('base64url')}.c2ln`,
    ],
    ['a duplicate header member', `${b64('{"alg":"ES256","alg":"none"}')}.${PAYLOAD}.c2ln`],
    ['a duplicate payload member', `${HEADER}.${b64('{"sub":"a","sub":"b"}')}.c2ln`],
    ['a duplicate spelled with an escape', `${HEADER}.${b64('{"sub":"a","\\u0073ub":"b"}')}.c2ln`],
    ['a duplicate inside a nested object', `${HEADER}.${b64('{"a":{"b":1,"b":2}}')}.c2ln`],
    // JSON text {"a\\":1,"a\\":2}: the name a\ twice, each ending in an escaped backslash.
    ['a duplicate ending in a backslash', `${HEADER}.${b64('{"a\\\\":1,"a\\\\":2}')}.c2ln`],
    ['a duplicate __proto__', `${HEADER}.${b64('{"__proto__":1,"__proto__":2}')}.c2ln`],
    ['a duplicate after an escaped quote', `${HEADER}.${b64('{"x":"\\"","b":1,"b":2}')}.c2ln`],
  ]
  it.each(malformed)('refuses %s', (_, token) => {
    expect(decodeJws(token)).toBeUndefined()
  })
  it('tells names apart that differ only by an escape', () => {
    // JSON text {"a\"":1,"a":2,"a\\":3,"b\\\"":4,"b":5}: names a", a, a\, b\", b
    const payload = b64('{"a\\"":1,"a":2,"a\\\\":3,"b\\\\\\"":4,"b":5}')
    expect(decodeJws(`${HEADER}.${payload}.c2ln`)?.payload).toEqual({
      'a"': 1,
      a: 2,
      'a\\': 3,
      'b\\"': 4,
      b: 5,
    })
  })
  it('accepts __proto__ as an ordinary member, once', () => {
    const payload = b64('{"__proto__":{"a":1},"a":[{"a":2}]}')
    const decoded = decodeJws(`${HEADER}.${payload}.c2ln`)?.payload
    expect(Object.keys(decoded ?? {})).toEqual(['__proto__', 'a'])
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype)
  })
  it('accepts the same name at different levels and inside strings', () => {
    const payload = b64('{"a":{"a":1},"b":["a","a"],"c":"\\"a\\":1,\\"a\\":2"}')
    expect(decodeJws(`${HEADER}.${payload}.c2ln`)?.payload).toEqual({
      a: { a: 1 },
      b: ['a', 'a'],
      c: '"a":1,"a":2',
    })
  })
})

describe('isBase64url(segment)', () => {
  it.each(['', 'QQ', 'QUI', 'QUJD', '-_-_'])('accepts %j', (segment) =>
    expect(isBase64url(segment)).toBe(true),
  )
  it.each(['Q', 'QR', 'QQ==', 'a b', 'é'])('refuses %j', (segment) =>
    expect(isBase64url(segment)).toBe(false),
  )
})
