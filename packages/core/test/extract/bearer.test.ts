import { describe, expect, it } from 'vitest'
import {
  extractBearer,
  extractProof,
  isPreflight,
  MAX_PROOF_LENGTH,
  MAX_TOKEN_LENGTH,
} from '../../src/extract/bearer.js'
import type { Extraction } from '../../src/extract/bearer.js'
import type { RequestInput } from '../../src/decision.js'

const TOKEN = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln'

/** An extraction without its scheme, for the Bearer cases (the DPoP ones check it). */
function plain(extraction: Extraction): Omit<Extraction, 'scheme'> {
  const { scheme: _scheme, ...rest } = extraction
  return rest
}

function input(headers: [string, string][], extra: Partial<RequestInput> = {}): RequestInput {
  return { method: 'GET', url: '/orders', rawHeaders: headers.flat(), ...extra }
}

describe('extractBearer(input)', () => {
  const cases: {
    name: string
    headers: [string, string][]
    extra?: Partial<RequestInput>
    expect: unknown
  }[] = [
    {
      name: 'takes the token of a Bearer header',
      headers: [['Authorization', `Bearer ${TOKEN}`]],
      expect: { token: TOKEN },
    },
    {
      name: 'reads the scheme case-insensitively',
      headers: [['authorization', `bEaReR ${TOKEN}`]],
      expect: { token: TOKEN },
    },
    {
      name: 'accepts several spaces after the scheme (1*SP)',
      headers: [['Authorization', `Bearer   ${TOKEN}`]],
      expect: { token: TOKEN },
    },
    {
      name: 'accepts every b64token character and trailing =',
      headers: [['Authorization', 'Bearer aZ09-._~+/==']],
      expect: { token: 'aZ09-._~+/==' },
    },
    {
      name: 'refuses a request without Authorization as missing_token',
      headers: [],
      expect: { reason: 'missing_token' },
    },
    {
      name: 'treats another scheme as no bearer credentials (RFC 6750 §3.1)',
      headers: [['Authorization', 'Basic dXNlcjpwYXNz']],
      expect: { reason: 'missing_token' },
    },
    {
      name: 'refuses an empty Authorization header',
      headers: [['Authorization', '']],
      expect: { reason: 'malformed_header' },
    },
    {
      name: 'refuses the scheme alone',
      headers: [['Authorization', 'Bearer']],
      expect: { reason: 'malformed_header' },
    },
    {
      name: 'refuses the scheme and a space alone',
      headers: [['Authorization', 'Bearer ']],
      expect: { reason: 'malformed_header' },
    },
    {
      name: 'refuses a token glued to the scheme',
      headers: [['Authorization', `Bearer:${TOKEN}`]],
      expect: { reason: 'malformed_header' },
    },
    {
      name: 'refuses a token glued to the scheme without separator',
      headers: [['Authorization', `Bearer${TOKEN}`]],
      expect: { reason: 'malformed_header' },
    },
    {
      name: 'refuses a tab after the scheme',
      headers: [['Authorization', `Bearer\t${TOKEN}`]],
      expect: { reason: 'malformed_header' },
    },
    {
      name: 'refuses a space inside the token',
      headers: [['Authorization', 'Bearer abc def']],
      expect: { reason: 'malformed_header' },
    },
    {
      name: 'refuses a quoted token',
      headers: [['Authorization', `Bearer "${TOKEN}"`]],
      expect: { reason: 'malformed_header' },
    },
    {
      name: 'refuses = inside the token',
      headers: [['Authorization', 'Bearer ab=cd']],
      expect: { reason: 'malformed_header' },
    },
    {
      name: 'refuses a token of only =',
      headers: [['Authorization', 'Bearer ==']],
      expect: { reason: 'malformed_header' },
    },
    {
      name: 'refuses non-ASCII characters',
      headers: [['Authorization', 'Bearer abcé']],
      expect: { reason: 'malformed_header' },
    },
    {
      name: 'refuses a trailing comma',
      headers: [['Authorization', `Bearer ${TOKEN},`]],
      expect: { reason: 'malformed_header' },
    },
    {
      name: 'refuses two Authorization headers',
      headers: [
        ['Authorization', `Bearer ${TOKEN}`],
        ['Authorization', `Bearer ${TOKEN}`],
      ],
      expect: { reason: 'multiple_tokens' },
    },
    {
      name: 'refuses two Authorization headers of different schemes',
      headers: [
        ['Authorization', 'Basic eDp5'],
        ['authorization', `Bearer ${TOKEN}`],
      ],
      expect: { reason: 'multiple_tokens' },
    },
    {
      name: 'refuses two credentials folded into one header',
      headers: [['Authorization', `Bearer ${TOKEN}, Bearer ${TOKEN}`]],
      expect: { reason: 'multiple_tokens' },
    },
    {
      name: 'refuses a Basic and a Bearer credential folded together',
      headers: [['Authorization', `Basic eDp5, Bearer ${TOKEN}`]],
      expect: { reason: 'multiple_tokens' },
    },
    {
      name: 'refuses a token one character over 8 KiB',
      headers: [['Authorization', `Bearer ${'a'.repeat(MAX_TOKEN_LENGTH + 1)}`]],
      expect: { reason: 'token_too_large' },
    },
    {
      name: 'refuses an oversized header before looking at its characters',
      headers: [['Authorization', `Bearer ${'"'.repeat(MAX_TOKEN_LENGTH + 1)}`]],
      expect: { reason: 'token_too_large' },
    },
    {
      name: 'accepts a token of exactly 8 KiB',
      headers: [['Authorization', `Bearer ${'a'.repeat(MAX_TOKEN_LENGTH)}`]],
      expect: { token: 'a'.repeat(MAX_TOKEN_LENGTH) },
    },
    {
      name: 'refuses access_token in the query',
      headers: [],
      extra: { url: `/orders?access_token=${TOKEN}` },
      expect: { reason: 'token_in_query' },
    },
    {
      name: 'refuses access_token in the query even beside a header token',
      headers: [['Authorization', `Bearer ${TOKEN}`]],
      extra: { url: `/orders?a=1&access_token=${TOKEN}` },
      expect: { reason: 'token_in_query' },
    },
    {
      name: 'refuses a percent-encoded access_token parameter name',
      headers: [],
      extra: { url: '/orders?access%5Ftoken=x' },
      expect: { reason: 'token_in_query' },
    },
    {
      name: 'refuses an empty access_token in the query',
      headers: [],
      extra: { url: '/orders?access_token=' },
      expect: { reason: 'token_in_query' },
    },
    {
      name: 'ignores other query parameters',
      headers: [['Authorization', `Bearer ${TOKEN}`]],
      extra: { url: '/orders?my_access_token=1&token=2' },
      expect: { token: TOKEN },
    },
    {
      name: 'ignores access_token in the fragment',
      headers: [['Authorization', `Bearer ${TOKEN}`]],
      extra: { url: '/orders?a=1#access_token=x' },
      expect: { token: TOKEN },
    },
    {
      name: 'refuses access_token in a `;` path parameter',
      headers: [['Authorization', `Bearer ${TOKEN}`]],
      extra: { url: `/orders;access_token=${TOKEN}` },
      expect: { reason: 'token_in_query' },
    },
    {
      name: 'refuses access_token in a later `;` path parameter, before a query',
      headers: [['Authorization', `Bearer ${TOKEN}`]],
      extra: { url: `/orders;page=2;access_token=${TOKEN}?sort=asc` },
      expect: { reason: 'token_in_query' },
    },
    {
      name: 'ignores other `;` path parameters and a `;` inside the query',
      headers: [['Authorization', `Bearer ${TOKEN}`]],
      extra: { url: '/orders;jsessionid=1?x=1;access_token=2' },
      expect: { token: TOKEN },
    },
    {
      name: 'refuses access_token in a parsed form body',
      headers: [],
      extra: { method: 'POST', body: { access_token: TOKEN } },
      expect: { reason: 'token_in_body' },
    },
    {
      name: 'refuses access_token in a body beside a header token',
      headers: [['Authorization', `Bearer ${TOKEN}`]],
      extra: { method: 'POST', body: { access_token: TOKEN, n: 1 } },
      expect: { reason: 'token_in_body' },
    },
    {
      name: 'refuses access_token in a raw urlencoded body',
      headers: [],
      extra: { method: 'POST', body: `a=1&access_token=${TOKEN}` },
      expect: { reason: 'token_in_body' },
    },
    {
      name: 'ignores a body without access_token',
      headers: [['Authorization', `Bearer ${TOKEN}`]],
      extra: { method: 'POST', body: { name: 'access_token' } },
      expect: { token: TOKEN },
    },
    {
      name: 'ignores a GET body, whatever the spelling of the method',
      headers: [['Authorization', `Bearer ${TOKEN}`]],
      extra: { method: 'get', body: { access_token: TOKEN } },
      expect: { token: TOKEN },
    },
    {
      name: 'ignores a HEAD body',
      headers: [['Authorization', `Bearer ${TOKEN}`]],
      extra: { method: 'HEAD', body: `access_token=${TOKEN}` },
      expect: { token: TOKEN },
    },
    {
      name: 'refuses access_token in a DELETE body',
      headers: [['Authorization', `Bearer ${TOKEN}`]],
      extra: { method: 'DELETE', body: { access_token: TOKEN } },
      expect: { reason: 'token_in_body' },
    },
    {
      name: 'ignores a binary body',
      headers: [['Authorization', `Bearer ${TOKEN}`]],
      extra: { method: 'POST', body: Buffer.from('access_token=1') },
      expect: { token: TOKEN },
    },
  ]
  it.each(cases)('$name', ({ headers, extra, expect: expected }) => {
    expect(plain(extractBearer(input(headers, extra)))).toEqual(expected)
  })
})

describe('extractBearer(input, seen)', () => {
  it('skips the grammar only for credentials `seen` names, and checks everything else', () => {
    const seen = (credentials: string) => credentials === 'already~checked'
    const headers = (value: string) => input([['Authorization', `Bearer ${value}`]])
    expect(plain(extractBearer(headers('already~checked'), seen))).toEqual({
      token: 'already~checked',
    })
    // `seen` answers for the grammar alone: the size limit and the header's shape still apply.
    expect(plain(extractBearer(headers('not checked!'), seen))).toEqual({
      reason: 'malformed_header',
    })
    expect(plain(extractBearer(headers('a'.repeat(MAX_TOKEN_LENGTH + 1)), () => true))).toEqual({
      reason: 'token_too_large',
    })
    expect(plain(extractBearer(input([['Authorization', 'Bearer']]), () => true))).toEqual({
      reason: 'malformed_header',
    })
  })
})

describe('extractBearer: the plain "Bearer <token>" shortcut', () => {
  // A leading space never takes the shortcut, and trimming makes the header the same again: so
  // both must come to the same outcome, whatever follows the scheme.
  it('finds what the full parse finds, for 5,000 generated headers', () => {
    const alphabet = ['a', 'Z', '0', '-', '.', '_', '~', '+', '/', '=', ' ', '\t', ',', '"', 'é']
    let seed = 42
    const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31
    const seen = (credentials: string) => credentials === 'seen.before'
    for (let i = 0; i < 5000; i++) {
      const rest = Array.from(
        { length: 1 + Math.floor(next() * 12) },
        () => alphabet[Math.floor(next() * alphabet.length)],
      ).join('')
      for (const credentials of [rest, `seen.before${rest}`, 'seen.before']) {
        const header = (value: string) => input([['Authorization', value]])
        expect(extractBearer(header(`Bearer ${credentials}`), seen)).toEqual(
          extractBearer(header(` Bearer ${credentials}`), seen),
        )
      }
    }
  })
  it('keeps the size limit', () => {
    expect(
      extractBearer(input([['Authorization', `Bearer ${'a'.repeat(MAX_TOKEN_LENGTH + 1)}`]])),
    ).toEqual({ reason: 'token_too_large', scheme: 'bearer' })
  })
})

describe('isPreflight(input)', () => {
  it('recognises OPTIONS with Access-Control-Request-Method', () => {
    expect(
      isPreflight(input([['Access-Control-Request-Method', 'POST']], { method: 'OPTIONS' })),
    ).toBe(true)
  })
  it('does not treat a plain OPTIONS request as a preflight', () => {
    expect(isPreflight(input([], { method: 'OPTIONS' }))).toBe(false)
  })
  it('recognises a lower-case options method too', () => {
    expect(
      isPreflight(input([['Access-Control-Request-Method', 'POST']], { method: 'options' })),
    ).toBe(true)
  })
  it('does not treat another seven-letter method as a preflight', () => {
    expect(
      isPreflight(input([['Access-Control-Request-Method', 'POST']], { method: 'CONNECT' })),
    ).toBe(false)
  })
  it('does not treat a GET with the CORS header as a preflight', () => {
    expect(isPreflight(input([['Access-Control-Request-Method', 'POST']]))).toBe(false)
  })
})

describe('the DPoP scheme (RFC 9449 §7.1)', () => {
  it('takes the token of a DPoP header, the scheme named case-insensitively', () => {
    for (const scheme of ['DPoP', 'dpop', 'DPOP'])
      expect(extractBearer(input([['Authorization', `${scheme} ${TOKEN}`]]))).toEqual({
        token: TOKEN,
        scheme: 'dpop',
      })
    expect(extractBearer(input([['Authorization', `Bearer ${TOKEN}`]]))).toEqual({
      token: TOKEN,
      scheme: 'bearer',
    })
  })

  it('refuses a broken DPoP credential, and two credentials of either scheme', () => {
    expect(extractBearer(input([['Authorization', 'DPoP']]))).toEqual({
      reason: 'malformed_header',
      scheme: 'dpop',
    })
    expect(extractBearer(input([['Authorization', 'DPoPx y']]))).toEqual({
      reason: 'malformed_header',
    })
    expect(extractBearer(input([['Authorization', `DPoP ${TOKEN}, Bearer ${TOKEN}`]]))).toEqual({
      reason: 'multiple_tokens',
      scheme: 'dpop',
    })
    expect(extractBearer(input([['Authorization', `Basic eA==, DPoP ${TOKEN}`]]))).toEqual({
      reason: 'multiple_tokens',
    })
    expect(
      extractBearer(
        input([
          ['Authorization', `DPoP ${TOKEN}`],
          ['Authorization', `Bearer ${TOKEN}`],
        ]),
      ),
    ).toEqual({ reason: 'multiple_tokens' })
  })

  it('takes exactly one DPoP header of at most 8 KiB, unparsed', () => {
    expect(extractProof(['DPoP', 'a.b.c'])).toBe('a.b.c')
    expect(extractProof(['dpop', 'x'.repeat(MAX_PROOF_LENGTH)])).toBe('x'.repeat(MAX_PROOF_LENGTH))
    expect(extractProof([])).toBe('invalid_dpop_proof')
    expect(extractProof(['DPoP', 'a.b.c', 'dpop', 'a.b.c'])).toBe('invalid_dpop_proof')
    expect(extractProof(['DPoP', 'x'.repeat(MAX_PROOF_LENGTH + 1)])).toBe('invalid_dpop_proof')
  })
})
