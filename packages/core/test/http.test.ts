import { IncomingMessage, ServerResponse } from 'node:http'
import { Socket } from 'node:net'
import { describe, expect, it } from 'vitest'
import { refuse } from '../src/decision.js'
import { responder, setAuthenticatedHeaders, setResponseHeaders, toHttp } from '../src/http.js'
import { REASONS } from '../src/reasons.js'
import type { Reason } from '../src/reasons.js'

const expose = { realm: 'api', reasons: 'expose' as const }
const hide = { realm: 'api', reasons: 'hide' as const }
const ALL = Object.keys(REASONS) as Reason[]

describe('toHttp(refusal, config)', () => {
  // The contract's responses table, row by row.
  const table: [Reason[], number, string | null][] = [
    [['missing_token'], 401, 'Bearer realm="api"'],
    [
      ['malformed_header', 'token_in_query', 'token_in_body', 'multiple_tokens', 'token_too_large'],
      400,
      'invalid_request',
    ],
    [
      [
        'malformed_token',
        'alg_not_allowed',
        'bad_signature',
        'unknown_key',
        'wrong_type',
        'expired',
        'not_yet_valid',
        'issued_in_future',
        'too_old',
        'wrong_issuer',
        'wrong_audience',
        'missing_claim',
        'claim_mismatch',
        'uses_exhausted',
        'revoked',
        'dpop_key_mismatch',
        'dpop_bound_token',
        'dpop_required',
      ],
      401,
      'invalid_token',
    ],
    [['invalid_dpop_proof', 'dpop_replayed'], 401, 'invalid_dpop_proof'],
    [['use_dpop_nonce'], 401, 'use_dpop_nonce'],
    [['insufficient_scope', 'url_mismatch'], 403, 'insufficient_scope'],
    [['step_up_required'], 401, 'insufficient_user_authentication'],
    [['keys_unavailable', 'store_unavailable'], 503, null],
  ]

  it('covers every reason of the table exactly once', () => {
    expect(table.flatMap(([reasons]) => reasons).sort()).toEqual([...ALL].sort())
  })

  for (const [reasons, status, error] of table) {
    it.each(reasons)(`renders %s as ${status} ${error ?? 'without a challenge'}`, (reason) => {
      const response = toHttp(refuse(reason), expose)
      expect(response.status).toBe(status)
      expect(response.headers['Auth-Reason']).toBe(reason)
      expect(response.headers['Content-Type']).toBe('application/json; charset=utf-8')
      const body = JSON.parse(response.body)
      expect(Object.keys(body)).toEqual(['error', 'error_description', 'reason'])
      expect(body.reason).toBe(reason)
      expect(body.error_description).toBe(REASONS[reason].description)
      const challenge = response.headers['WWW-Authenticate']
      if (error === null) expect(challenge).toBeUndefined()
      else if (error.startsWith('Bearer')) expect(challenge).toBe(error)
      else {
        expect(challenge).toBe(
          `Bearer realm="api", error="${error}", error_description="${REASONS[reason].description}"`,
        )
        expect(body.error).toBe(error)
      }
    })
  }

  it('puts the required scopes in the insufficient_scope challenge', () => {
    const response = toHttp(
      refuse('insufficient_scope', { scope: ['orders:read', 'orders:write'] }),
      expose,
    )
    expect(response.headers['WWW-Authenticate']).toMatch(/, scope="orders:read orders:write"$/)
  })

  it('puts acr_values and max_age in a step-up challenge (RFC 9470 §3)', () => {
    const response = toHttp(
      refuse('step_up_required', { acrValues: ['mfa', 'phr'], maxAge: 300 }),
      expose,
    )
    expect(response.headers['WWW-Authenticate']).toBe(
      `Bearer realm="api", error="insufficient_user_authentication", error_description="${REASONS.step_up_required.description}", acr_values="mfa phr", max_age=300`,
    )
  })

  it('sends Retry-After in whole seconds, at least 1', () => {
    expect(
      toHttp(refuse('keys_unavailable', { retryAfter: 4.2 }), expose).headers['Retry-After'],
    ).toBe('5')
    expect(
      toHttp(refuse('store_unavailable', { retryAfter: 0 }), expose).headers['Retry-After'],
    ).toBe('1')
  })

  it('uses the configured realm', () => {
    expect(
      toHttp(refuse('missing_token'), { realm: 'orders', reasons: 'expose' }).headers[
        'WWW-Authenticate'
      ],
    ).toBe('Bearer realm="orders"')
  })

  it('marks every refusal no-store and Vary: Authorization', () => {
    for (const reason of ALL) {
      const { headers } = toHttp(refuse(reason), expose)
      expect(headers['Cache-Control']).toBe('no-store')
      expect(headers.Vary).toBe('Authorization')
    }
  })

  it('keeps every description a safe header value: printable ASCII without quote or backslash', () => {
    for (const reason of ALL)
      expect(REASONS[reason].description).toMatch(/^[\x20\x21\x23-\x5b\x5d-\x7e]+$/)
  })

  describe("with reasons: 'hide'", () => {
    const tokenFailures = ALL.filter((reason) => REASONS[reason].error === 'invalid_token')

    it('renders every token failure byte-identically', () => {
      const rendered = new Set(
        tokenFailures.map((reason) => JSON.stringify(toHttp(refuse(reason), hide))),
      )
      expect(rendered.size).toBe(1)
    })

    it('leaves out Auth-Reason and the reason field', () => {
      for (const reason of ALL) {
        const response = toHttp(refuse(reason), hide)
        expect(response.headers['Auth-Reason']).toBeUndefined()
        expect(JSON.parse(response.body)).not.toHaveProperty('reason')
      }
    })

    it('words url_mismatch like insufficient_scope', () => {
      const scope = toHttp(refuse('insufficient_scope'), hide)
      expect(toHttp(refuse('url_mismatch'), hide)).toEqual(scope)
    })
  })
})

describe('responder(config)', () => {
  it('renders what toHttp renders, once per reason, frozen', () => {
    const respond = responder(expose)
    const first = respond(refuse('bad_signature'))
    expect(first).toEqual(toHttp(refuse('bad_signature'), expose))
    expect(respond(refuse('bad_signature'))).toBe(first)
    expect(respond(refuse('expired'))).not.toBe(first)
    expect(Object.isFrozen(first) && Object.isFrozen(first.headers)).toBe(true)
  })
  it('renders a refusal with a scope, step-up or Retry-After each time', () => {
    const respond = responder(expose)
    const scoped = respond(refuse('insufficient_scope', { scope: ['orders:read'] }))
    expect(scoped.headers['WWW-Authenticate']).toContain('scope="orders:read"')
    expect(
      respond(refuse('insufficient_scope', { scope: ['pay'] })).headers['WWW-Authenticate'],
    ).toContain('scope="pay"')
    expect(respond(refuse('keys_unavailable', { retryAfter: 7 })).headers['Retry-After']).toBe('7')
    expect(respond(refuse('keys_unavailable', { retryAfter: 30 })).headers['Retry-After']).toBe(
      '30',
    )
    expect(
      respond(refuse('step_up_required', { maxAge: 60 })).headers['WWW-Authenticate'],
    ).toContain('max_age=60')
  })
})

describe('setAuthenticatedHeaders(response)', () => {
  /** A response holding some headers already, recording what is set. */
  const response = (existing: Record<string, string> = {}) => {
    const headers = new Map(Object.entries(existing))
    return {
      getHeader: (name: string) => headers.get(name),
      setHeader: (name: string, value: string) => headers.set(name, value),
      headers,
    }
  }

  it('adds Vary: Authorization and Cache-Control: private', () => {
    const res = response()
    setAuthenticatedHeaders(res)
    expect(Object.fromEntries(res.headers)).toEqual({
      Vary: 'Authorization',
      'Cache-Control': 'private',
    })
  })
  it('merges into an existing Vary', () => {
    const res = response({ Vary: 'Origin' })
    setAuthenticatedHeaders(res)
    expect(res.headers.get('Vary')).toBe('Origin, Authorization')
  })
  it('leaves a Vary that already names Authorization or *', () => {
    for (const vary of ['authorization', 'Origin, Authorization', '*']) {
      const res = response({ Vary: vary })
      setAuthenticatedHeaders(res)
      expect(res.headers.get('Vary')).toBe(vary)
    }
  })
  it('keeps a Cache-Control the app already set', () => {
    const res = response({ 'Cache-Control': 'no-store' })
    setAuthenticatedHeaders(res)
    expect(res.headers.get('Cache-Control')).toBe('no-store')
  })

  /** A real Node response, its prototype swapped the way Express swaps every `res`. */
  const nodeResponse = (prototype?: object) => {
    const res = new ServerResponse(new IncomingMessage(new Socket()))
    if (prototype) Object.setPrototypeOf(res, prototype)
    return res
  }

  it('sets the headers on a Node response whose prototype an app swapped', () => {
    const appPrototype = Object.create(Object.create(ServerResponse.prototype) as object) as object
    const res = nodeResponse(appPrototype)
    res.setHeader('Vary', 'Origin')
    setAuthenticatedHeaders(res)
    expect(res.getHeader('vary')).toBe('Origin, Authorization')
    expect(res.getHeader('cache-control')).toBe('private')
    const plain = nodeResponse()
    plain.setHeader('Cache-Control', 'no-store')
    setAuthenticatedHeaders(plain)
    expect(plain.getHeaders()).toEqual({ vary: 'Authorization', 'cache-control': 'no-store' })
  })
  it('merges with whatever a Node response holds, as Node reads it', () => {
    const cases: [Record<string, string | string[]>, Record<string, string | string[]>][] = [
      [{}, { vary: 'Authorization', 'cache-control': 'private' }],
      [{ 'X-Powered-By': 'Express' }, { vary: 'Authorization', 'cache-control': 'private' }],
      [{ Vary: 'Origin' }, { vary: 'Origin, Authorization', 'cache-control': 'private' }],
      [{ Vary: ['Origin', 'Accept'] }, { vary: 'Origin, Accept, Authorization' }],
      [{ vary: 'authorization' }, { vary: 'authorization' }],
      [{ Vary: '*' }, { vary: '*' }],
      [{ 'Cache-Control': 'no-store' }, { 'cache-control': 'no-store' }],
      [{ 'Cache-Control': '' }, { 'cache-control': 'private' }],
    ]
    for (const [existing, expected] of cases) {
      const res = nodeResponse(Object.create(ServerResponse.prototype) as object)
      for (const [name, value] of Object.entries(existing)) res.setHeader(name, value)
      setAuthenticatedHeaders(res)
      const headers = res.getHeaders()
      expect(headers).toMatchObject(expected)
      expect(res.hasHeader('Vary') && res.hasHeader('Cache-Control')).toBe(true)
      expect(res.getHeaderNames()).toEqual(Object.keys(headers))
    }
  })
  it("calls a prototype's own header methods when it overrides Node's", () => {
    const calls: string[] = []
    const overriding = Object.create(ServerResponse.prototype) as ServerResponse
    overriding.setHeader = function (this: ServerResponse, name, value) {
      calls.push(`${name}: ${String(value)}`)
      return ServerResponse.prototype.setHeader.call(this, name, value)
    }
    for (let i = 0; i < 2; i++) setAuthenticatedHeaders(nodeResponse(overriding))
    expect(calls).toEqual([
      'Vary: Authorization',
      'Cache-Control: private',
      'Vary: Authorization',
      'Cache-Control: private',
    ])
  })
})

describe('setResponseHeaders(response, refusal)', () => {
  const target = (initial: Record<string, string>) => {
    const headers = new Map(
      Object.entries(initial).map(([name, value]) => [name.toLowerCase(), value]),
    )
    return {
      headers,
      getHeader: (name: string) => headers.get(name.toLowerCase()),
      setHeader: (name: string, value: string) => void headers.set(name.toLowerCase(), value),
    }
  }
  const refusal = toHttp(refuse('expired'), expose)

  it('adds its Vary and exposed headers to those a CORS middleware set, and sets the rest', () => {
    const response = target({
      Vary: 'Origin',
      'Access-Control-Expose-Headers': 'X-Request-Id, auth-reason',
    })
    setResponseHeaders(response, refusal)
    expect(response.headers.get('vary')).toBe('Origin, Authorization')
    expect(response.headers.get('access-control-expose-headers')).toBe(
      'X-Request-Id, auth-reason, WWW-Authenticate, DPoP-Nonce',
    )
    expect(response.headers.get('auth-reason')).toBe('expired')
    expect(response.headers.get('cache-control')).toBe('no-store')
  })

  it('sets them as they are on a fresh response', () => {
    const response = target({})
    setResponseHeaders(response, refusal)
    expect(Object.fromEntries(response.headers)).toEqual(
      Object.fromEntries(
        Object.entries(refusal.headers).map(([name, value]) => [name.toLowerCase(), value]),
      ),
    )
  })
})
