/**
 * The attack corpus: forged, broken and hostile tokens, each named, each with the exact reason
 * the contract gives it. Every case runs on Express, Koa and Fastify (attacks.test.ts).
 */
import { createPublicKey, sign } from 'node:crypto'
import { REASONS } from '@bearer-guard/core'
import type { Reason } from '@bearer-guard/core'
import { encode, generateSigningKey, signatureVariants } from '@bearer-guard/testing'
import type { LocalIssuer, SigningAlg, SigningKey } from '@bearer-guard/testing'
import type { Case, Issuers } from '../conformance/case.js'
import { dpopAttacks } from './dpop-corpus.js'

/** The attacker's own JWKS server, which must never be asked for anything. */
export interface Attacker {
  url: string
  key: SigningKey
}

const now = () => Math.floor(Date.now() / 1000)
const claims = (issuer: LocalIssuer, extra: Record<string, unknown> = {}) => ({
  iss: issuer.url,
  aud: issuer.audience,
  sub: 'victim',
  iat: now(),
  exp: now() + 300,
  ...extra,
})
/** A token from parts: header and payload as objects or raw JSON text, signature as given. */
const forge = (header: unknown, payload: unknown, signature = 'c2lnbmF0dXJl') =>
  `${encode(header)}.${encode(payload)}.${signature}`
const ecKey = (issuer: LocalIssuer) => issuer.keys.find((key) => key.alg === 'ES256')!
const rsaKey = (issuer: LocalIssuer) => issuer.keys.find((key) => key.alg === 'RS256')!
/** The signing input and signature of a valid token, for surgery. */
const split = async (issuer: LocalIssuer) => {
  const [header, payload, signature] = (await issuer.mint()).split('.') as [string, string, string]
  return { header, payload, signature }
}

const refused = (reason: Reason) => ({ status: REASONS[reason].status, reason })
const attack = (
  name: string,
  expect: Reason,
  token: Case['token'],
  extra: Partial<Case> = {},
): Case => ({
  name,
  token,
  expect: refused(expect),
  ...extra,
})
/** The RSA public key of an issuer as PEM: the favourite HMAC secret of alg confusion. */
function createPublicKeyPem(jwk: { n?: string; e?: string }): string {
  const key = createPublicKey({ key: { kty: 'RSA', n: jwk.n!, e: jwk.e! }, format: 'jwk' })
  return String(key.export({ type: 'spki', format: 'pem' }))
}

/**
 * A token of `alg` that has another encoding of its signature: any ECDSA signature; an RSA-PSS
 * one only when it starts with a zero byte (one in 256), so PSS tokens are minted until one does.
 */
async function malleable(issuer: LocalIssuer, alg: SigningAlg): Promise<string> {
  for (let tries = 0; tries < 10_000; tries++) {
    const token = await issuer.mint({}, { alg })
    if (signatureVariants(token).length > 0) return token
  }
  throw new Error(`no malleable ${alg} signature in 10,000 tries`)
}

/** A token used once in another encoding of its signature counts as used. */
const usedTwice = (alg: SigningAlg, issuer: keyof Issuers): Case => ({
  ...attack(
    `a maxUses: 1 ${alg} token sent again after its ${alg.startsWith('ES') ? '(r, n - s)' : 'zero-stripped'} twin`,
    'uses_exhausted',
    (issuers) => malleable(issuers[issuer], alg),
    { issuer, route: { maxUses: 1 }, first: signatureVariants },
  ),
})

/** A path a router dispatches elsewhere than the guard would read it after normalising. */
const ambiguous = (what: string, path: string): Case =>
  attack(
    `a bound token sent to a path with ${what}`,
    'url_mismatch',
    { claims: { url: '/orders' } },
    { app: { bindUrl: true }, mount: 'app', send: { path } },
  )

/** A CORS preflight (any spelling): the guard answers 204 itself and no handler runs. */
const preflight = (name: string, send: Case['send'], extra: Partial<Case> = {}): Case => ({
  name,
  token: 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhZG1pbiJ9.c2lnbmF0dXJl',
  send: { method: 'OPTIONS', path: '/any', ...send },
  expect: { status: 204, body: '', headers: { 'www-authenticate': undefined } },
  ...extra,
})

export function attackCases(attacker: Attacker): Case[] {
  const hmacWith = (secret: (issuers: Issuers) => string) => async (issuers: Issuers) =>
    issuers.main.mint(
      {},
      {
        alg: 'HS256',
        secret: new TextEncoder().encode(secret(issuers)),
        kid: rsaKey(issuers.main).kid,
      },
    )
  const signedByAttacker = (header: Record<string, unknown>) => (issuers: Issuers) =>
    issuers.main.mint({}, { key: attacker.key, header })

  return [
    // alg: none, in every casing, with and without a signature (RFC 8725 §3.1)
    ...['none', 'None', 'NONE', 'nOnE'].flatMap((alg) => [
      attack(`alg ${alg} without a signature`, 'alg_not_allowed', ({ main }: Issuers) =>
        forge({ alg, typ: 'JWT' }, claims(main), ''),
      ),
      attack(`alg ${alg} with a signature`, 'alg_not_allowed', ({ main }: Issuers) =>
        forge({ alg, typ: 'JWT' }, claims(main)),
      ),
    ]),
    attack('alg none with the kid of a real key', 'alg_not_allowed', ({ main }) =>
      forge({ alg: 'none', kid: ecKey(main).kid }, claims(main), ''),
    ),

    // Algorithm confusion: HMAC keyed with the public key (RFC 8725 §2.1)
    attack(
      'HS256 signed with the RSA public key as PEM',
      'alg_not_allowed',
      hmacWith(({ main }) => createPublicKeyPem(rsaKey(main).publicJwk)),
    ),
    attack(
      'HS256 signed with the PEM after leading whitespace',
      'alg_not_allowed',
      hmacWith(({ main }) => `\n  ${createPublicKeyPem(rsaKey(main).publicJwk)}`),
    ),
    attack(
      'HS256 signed with the PEM after a junk prefix',
      'alg_not_allowed',
      hmacWith(({ main }) => `junk${createPublicKeyPem(rsaKey(main).publicJwk)}`),
    ),
    attack(
      'HS256 signed with the public JWK as JSON',
      'alg_not_allowed',
      hmacWith(({ main }) => JSON.stringify(rsaKey(main).publicJwk)),
    ),
    attack('HS384 signed with the PEM', 'alg_not_allowed', async ({ main }) =>
      main.mint(
        {},
        {
          alg: 'HS384',
          secret: new TextEncoder().encode(createPublicKeyPem(rsaKey(main).publicJwk)),
        },
      ),
    ),
    attack('HS512 signed with the PEM, no kid', 'alg_not_allowed', async ({ main }) =>
      main.mint(
        {},
        {
          alg: 'HS512',
          kid: null,
          secret: new TextEncoder().encode(createPublicKeyPem(rsaKey(main).publicJwk)),
        },
      ),
    ),

    // Keys the token brings with it (RFC 8725 §3.10): never used
    attack(
      'an embedded jwk header with the attacker key',
      'bad_signature',
      signedByAttacker({ kid: undefined, jwk: attacker.key.publicJwk }),
    ),
    attack('an embedded jwk header under the kid of a real key', 'bad_signature', (issuers) =>
      issuers.main.mint(
        {},
        {
          key: attacker.key,
          kid: ecKey(issuers.main).kid,
          header: { jwk: attacker.key.publicJwk },
        },
      ),
    ),
    attack(
      'a jku pointing at the attacker JWKS',
      'unknown_key',
      signedByAttacker({ jku: `${attacker.url}/jwks.json` }),
    ),
    attack(
      'an x5u pointing at the attacker',
      'unknown_key',
      signedByAttacker({ x5u: `${attacker.url}/cert.pem` }),
    ),
    attack(
      'an x5c chain of the attacker',
      'unknown_key',
      signedByAttacker({ x5c: [Buffer.from('not really a certificate').toString('base64')] }),
    ),

    // kid injection (RFC 8725 §3.10): the kid is only ever a map key
    ...[
      ['path traversal', '../../../../dev/null'],
      ['an absolute path', '/etc/passwd'],
      ['SQL', "' OR '1'='1' --"],
      ['a NUL byte', 'key\u0000id'],
      ['shell metacharacters', '$(reboot); `id` | cat'],
      ['a URL', 'https://attacker.example/key'],
      ['4,000 characters', 'k'.repeat(4000)],
      ['an empty string', ''],
    ].map(([what, kid]) => attack(`a kid with ${what}`, 'unknown_key', { mint: { kid } })),
    attack('a kid that is a number', 'malformed_token', { mint: { kid: 42 as unknown as string } }),
    attack('a kid that is an object', 'malformed_token', {
      mint: { kid: { $ne: null } as unknown as string },
    }),

    // Header extensions (RFC 7515 §4.1.11, RFC 7797)
    attack('an unknown crit extension', 'malformed_token', {
      mint: { header: { crit: ['urn:attacker'], 'urn:attacker': true } },
    }),
    attack('crit naming a registered header', 'malformed_token', {
      mint: { header: { crit: ['exp'] } },
    }),
    attack('b64: false', 'malformed_token', { mint: { header: { b64: false, crit: ['b64'] } } }),
    attack('b64: false without crit', 'malformed_token', { mint: { header: { b64: false } } }),

    // Shapes
    attack(
      'a JWE-shaped five-segment token',
      'malformed_token',
      ({ main }) =>
        `${encode({ alg: 'RSA-OAEP', enc: 'A256GCM' })}.${encode(claims(main))}.aXY.Y2lwaGVy.dGFn`,
    ),
    attack(
      'two segments',
      'malformed_token',
      ({ main }) => `${encode({ alg: 'ES256' })}.${encode(claims(main))}`,
    ),
    attack('one segment', 'malformed_token', 'eyJhbGciOiJFUzI1NiJ9'),
    attack('four segments', 'malformed_token', async ({ main }) => `${await main.mint()}.extra`),
    attack('a leading dot', 'malformed_token', async ({ main }) => `.${await main.mint()}`),
    attack('an empty header segment', 'malformed_token', async ({ main }) => {
      const { payload, signature } = await split(main)
      return `.${payload}.${signature}`
    }),
    attack('an empty payload segment', 'malformed_token', async ({ main }) => {
      const { header, signature } = await split(main)
      return `${header}..${signature}`
    }),

    // Signatures (RFC 8725 §3.3, §3.4)
    attack('an empty signature', 'bad_signature', { mint: { signature: 'empty' } }),
    attack('a flipped bit in the signature', 'bad_signature', { mint: { signature: 'corrupt' } }),
    attack('a signature from another key under the same kid', 'bad_signature', (issuers) =>
      issuers.main.mint(
        {},
        { key: { ...generateSigningKey('ES256'), kid: ecKey(issuers.main).kid } },
      ),
    ),
    attack('ECDSA r = s = 0', 'bad_signature', async ({ main }) => {
      const { header, payload } = await split(main)
      return `${header}.${payload}.${Buffer.alloc(64).toString('base64url')}`
    }),
    attack('an ECDSA signature in DER instead of raw r||s', 'bad_signature', async ({ main }) => {
      const { header, payload } = await split(main)
      return `${header}.${payload}.${sign('sha256', Buffer.from(`${header}.${payload}`), ecKey(main).privateKey).toString('base64url')}`
    }),
    attack('a truncated signature', 'bad_signature', async ({ main }) => {
      const { header, payload, signature } = await split(main)
      return `${header}.${payload}.${signature.slice(0, 40)}`
    }),
    attack('the signature of another valid token', 'bad_signature', async ({ main }) => {
      const other = await split(main)
      const { header, payload } = await split(main)
      return `${header}.${payload}.${other.signature}`
    }),
    attack('a payload swapped into a valid token', 'bad_signature', async ({ main }) => {
      const { header, signature } = await split(main)
      return `${header}.${encode(claims(main, { sub: 'admin', scope: 'admin' }))}.${signature}`
    }),
    attack('a header swapped into a valid token', 'bad_signature', async ({ main }) => {
      const { payload, signature } = await split(main)
      return `${encode({ alg: 'ES256', typ: 'JWT', kid: ecKey(main).kid })}.${payload}.${signature}`
    }),
    attack('RS256 under the kid of the EC key', 'alg_not_allowed', ({ main }) =>
      main.mint({}, { alg: 'RS256', kid: ecKey(main).kid }),
    ),
    attack(
      'PS256 in the header over an RS256 signature, under the PS256 key',
      'bad_signature',
      async ({ main }) => {
        const [, payload, signature] = (await main.mint({}, { alg: 'RS256' })).split('.')
        const psKid = main.keys.find((key) => key.alg === 'PS256')!.kid
        return `${encode({ alg: 'PS256', typ: 'at+jwt', kid: psKid })}.${payload}.${signature}`
      },
    ),
    ...['RS1', 'HS1', 'ES256K', 'Ed448', 'A256GCM', 'RSA-OAEP', ''].map((alg) =>
      attack(`alg ${JSON.stringify(alg)}`, 'alg_not_allowed', ({ main }) =>
        forge({ alg }, claims(main)),
      ),
    ),
    attack('alg as an array', 'malformed_token', ({ main }) =>
      forge({ alg: ['ES256'] }, claims(main)),
    ),
    attack('no alg at all', 'malformed_token', ({ main }) => forge({ typ: 'JWT' }, claims(main))),

    // Encoding (RFC 7515 §2, RFC 8725 §3.7)
    attack('standard base64 characters in a segment', 'malformed_token', async ({ main }) => {
      const { header, payload } = await split(main)
      return `${header}.${payload}.ab+c/def`
    }),
    attack('padding at the end', 'malformed_token', async ({ main }) => `${await main.mint()}==`),
    attack('padding inside the token', 'malformed_header', async ({ main }) => {
      const { header, payload, signature } = await split(main)
      return `${header}=.${payload}.${signature}`
    }),
    attack(
      'a tilde, legal in a bearer token but not in base64url',
      'malformed_token',
      async ({ main }) => `${await main.mint()}~`,
    ),
    attack('non-canonical trailing bits in the signature', 'malformed_token', async ({ main }) => {
      const { header, payload } = await split(main)
      return `${header}.${payload}.QR`
    }),
    attack('whitespace inside the token', 'malformed_header', async ({ main }) => {
      const { header, payload, signature } = await split(main)
      return `${header}. ${payload}.${signature}`
    }),
    attack(
      'a header that is not UTF-8',
      'malformed_token',
      ({ main }) =>
        `${Buffer.from([0x7b, 0xc3, 0x28, 0x7d]).toString('base64url')}.${encode(claims(main))}.c2ln`,
    ),
    attack('a header that is not JSON', 'malformed_token', ({ main }) =>
      forge('{"alg":"ES256"', claims(main)),
    ),
    attack('a duplicate alg member in the header', 'malformed_token', ({ main }) =>
      forge('{"alg":"ES256","alg":"none"}', claims(main)),
    ),
    attack('a duplicate sub member in the payload', 'malformed_token', ({ main }) =>
      forge(
        { alg: 'ES256', kid: ecKey(main).kid },
        JSON.stringify(claims(main)).replace('{', '{"sub":"admin",'),
      ),
    ),
    ...[
      ['an array', '[1,2,3]'],
      ['a string', '"claims"'],
      ['a number', '42'],
      ['null', 'null'],
      ['true', 'true'],
    ].map(([what, json]) =>
      attack(`a payload that is ${what}`, 'malformed_token', () => forge({ alg: 'ES256' }, json)),
    ),
    attack('a header over 8 KiB', 'token_too_large', ({ main }) =>
      forge({ alg: 'ES256', pad: 'x'.repeat(9000) }, claims(main)),
    ),
    attack('a payload over 8 KiB', 'token_too_large', { claims: { padding: 'x'.repeat(9000) } }),
    attack('deeply nested JSON in the payload', 'bad_signature', ({ main }) =>
      forge(
        { alg: 'ES256', kid: ecKey(main).kid },
        JSON.stringify(claims(main)).replace(
          '}',
          `,"deep":${'['.repeat(2000)}${']'.repeat(2000)}}`,
        ),
      ),
    ),

    // Identity claims with odd Unicode (RFC 8725 §3.8, §3.9): compared as exact strings
    attack('an iss with a zero-width space', 'wrong_issuer', ({ main }) => ({
      claims: { iss: `${main.url}\u200b` },
    })),
    attack('an iss with a Cyrillic homoglyph', 'wrong_issuer', ({ main }) => ({
      claims: { iss: main.url.replace('http', 'htt\u0440') },
    })),
    attack('an iss in upper case', 'wrong_issuer', ({ main }) => ({
      claims: { iss: main.url.toUpperCase() },
    })),
    attack('an iss with a trailing slash', 'wrong_issuer', ({ main }) => ({
      claims: { iss: `${main.url}/` },
    })),
    attack('an aud with a homoglyph', 'wrong_audience', {
      claims: { aud: 'https://api.еxample.test' },
    }),
    attack('an aud in another Unicode normal form', 'wrong_audience', {
      claims: { aud: 'https://api.example.test/cafe\u0301' },
    }),
    attack('an aud list of non-strings', 'wrong_audience', {
      claims: { aud: [{ toString: 'https://api.example.test' }] },
    }),

    // Time (RFC 7519 §4.1.4-6)
    attack('an expired token', 'expired', { claims: { exp: '-1h' } }),
    attack('a token expired at the epoch', 'expired', { claims: { exp: 0 } }),
    attack('a token not valid yet', 'not_yet_valid', { claims: { nbf: '+1h' } }),
    attack('a token issued in the future', 'issued_in_future', { claims: { iat: '+1h' } }),
    attack(
      'a token older than maxTokenAge',
      'too_old',
      { claims: { iat: '-2h' } },
      { app: { maxTokenAge: '1h' } },
    ),
    attack('a missing exp', 'missing_claim', { claims: { exp: undefined } }),
    attack('an exp that is a string', 'expired', ({ main }) =>
      forge({ alg: 'ES256' }, claims(main, { exp: String(now() + 300) })),
    ),
    attack('an exp too large for a number', 'expired', ({ main }) =>
      forge({ alg: 'ES256' }, JSON.stringify(claims(main)).replace(/"exp":\d+/, '"exp":1e400')),
    ),
    attack('an nbf that is a string', 'not_yet_valid', ({ main }) =>
      forge({ alg: 'ES256' }, claims(main, { nbf: 'now' })),
    ),

    // Types and targets (RFC 8725 §3.11, §3.12)
    attack(
      'an ID token sent as an access token where at+jwt is required',
      'wrong_type',
      { mint: { typ: 'JWT' } },
      { app: { typ: 'at+jwt' } },
    ),
    attack('a DPoP proof sent as an access token', 'wrong_type', { mint: { typ: 'dpop+jwt' } }),
    attack('a logout token sent as an access token', 'wrong_type', { mint: { typ: 'logout+jwt' } }),
    attack('a token for another API', 'wrong_audience', {
      claims: { aud: 'https://payments.example' },
    }),
    attack('a token from an issuer that is not trusted', 'wrong_issuer', {
      claims: { iss: 'https://attacker.example' },
    }),
    attack('a token without iss', 'missing_claim', { claims: { iss: undefined } }),

    // Signature malleability: one signature, several valid encodings, one use
    usedTwice('ES256', 'main'),
    usedTwice('ES384', 'more'),
    usedTwice('ES512', 'more'),
    usedTwice('PS256', 'main'),
    usedTwice('PS384', 'more'),
    usedTwice('PS512', 'more'),

    // Paths a router reads one way and a normaliser another (RFC 3986 §5.2.4, matrix parameters)
    ambiguous('a trailing dot segment', '/orders/.'),
    ambiguous('a trailing double-dot segment', '/orders/x/..'),
    ambiguous('a leading dot segment', '/./orders'),
    ambiguous('an upper-case encoded dot segment', '/x/%2E%2E/orders'),
    ambiguous('a mixed-case encoded dot segment', '/x/%2e%2E/orders'),
    ambiguous('an encoded single dot', '/%2e/orders'),
    ambiguous('a dot segment before the query', '/x/..?/orders'),
    ambiguous('a semicolon parameter', '/orders;jsessionid=1'),
    ambiguous('a lower-case encoded semicolon', '/orders%3bx'),

    // Preflights: never a way past the guard to a handler that answers every method
    preflight('a preflight with an empty Access-Control-Request-Method', {
      headers: [['Access-Control-Request-Method', '']],
    }),
    preflight('a preflight header in odd case', {
      headers: [['aCCESS-cONTROL-rEQUEST-mETHOD', 'POST']],
    }),
    preflight(
      'a preflight with a forged token on a route guard',
      { headers: [['Access-Control-Request-Method', 'DELETE']] },
      { mount: 'route' },
    ),
    preflight(
      'a preflight with a forged token behind an app and a route guard',
      { headers: [['Access-Control-Request-Method', 'DELETE']] },
      { mount: 'both' },
    ),

    // Claims that try to reach prototypes
    attack(
      'a __proto__ claim granting a scope',
      'insufficient_scope',
      { claims: { ['__proto__']: { scope: 'admin' } } },
      { route: { scope: 'admin' } },
    ),
    attack(
      'a constructor claim granting a scope',
      'insufficient_scope',
      { claims: { constructor: { scope: 'admin' }, scope: 'read' } },
      { route: { scope: 'admin' } },
    ),

    ...dpopAttacks(),
  ]
}
