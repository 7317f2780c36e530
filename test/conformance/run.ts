/**
 * Runs one case against the three adapters over real HTTP, asserts each answer meets the
 * case's expectation and that the three answers are identical. Shared by the conformance
 * suite and the attack corpus.
 */
import { expect } from 'vitest'
import { REASONS } from '@bearer-guard/core'
import type { GuardOptions } from '@bearer-guard/core'
import { createIssuer, rawRequest } from '@bearer-guard/testing'
import type { RawResponse } from '@bearer-guard/testing'
import { adapters } from './adapters.js'
import type { Case, Expectation, Issuers } from './case.js'

/** What the three adapters must agree on. */
const COMPARED = [
  'www-authenticate',
  'auth-reason',
  'vary',
  'cache-control',
  'content-type',
  'retry-after',
  'access-control-expose-headers',
]

/** One adapter's answer, with the token the case sent. */
export interface Answer {
  adapter: string
  response: RawResponse
  token: string | undefined
  /** One of the case's `first` tokens, which were accepted. */
  first?: true
}

/** Starts the issuers cases refer to. */
export async function startIssuers(): Promise<Issuers> {
  const [main, other, down, more] = await Promise.all([
    createIssuer(),
    createIssuer({ algorithms: ['RS256'], audience: 'https://other-api.example' }),
    createIssuer({ algorithms: ['ES256'] }),
    createIssuer({ algorithms: ['ES384', 'ES512', 'PS384', 'PS512'] }),
  ])
  down.fault('down')
  return { main, other, down, more }
}

export async function closeIssuers(issuers: Issuers): Promise<void> {
  await Promise.all(Object.values(issuers).map((issuer) => issuer.close()))
}

/**
 * Runs `c` on every adapter and checks the answers.
 *
 * @param extra - guard options added last (an `onDecision` collector, say)
 */
export async function runCase(
  c: Case,
  issuers: Issuers,
  extra: Partial<GuardOptions> = {},
): Promise<Answer[]> {
  const issuer = issuers[c.issuer ?? 'main']
  const spec = typeof c.token === 'function' ? await c.token(issuers) : c.token
  const token =
    typeof spec === 'string'
      ? spec
      : spec === null
        ? undefined
        : await issuer.mint(spec?.claims, spec?.mint)
  const options = {
    ...issuer.guardOptions,
    onKeyEvent: () => {},
    ...(typeof c.app === 'function' ? c.app(issuers) : c.app),
    ...extra,
  }
  const answers: Answer[] = []
  // Every answer, the accepted first tokens' too, for the callers' checks (no token in any).
  const sent: Answer[] = []
  for (const adapter of adapters) {
    const served = await adapter.serve(options, c.route, c.mount ?? 'route', { cors: c.cors })
    try {
      await c.setup?.(served.guard)
      for (const earlier of token === undefined ? [] : (c.first?.(token) ?? [])) {
        const answer = { adapter: adapter.name, response: await send(served.url, c, earlier) }
        expectAnswer(answer, { status: 200 })
        sent.push({ ...answer, token: earlier, first: true })
      }
      for (let i = 1; i < (c.repeat ?? 1); i++) await send(served.url, c, token)
      answers.push({ adapter: adapter.name, response: await send(served.url, c, token), token })
    } finally {
      await served.close()
    }
  }
  for (const answer of answers)
    expectAnswer(answer, c.differs?.adapter === answer.adapter ? c.differs.expect : c.expect)
  const [first, ...others] = answers.filter((answer) => answer.adapter !== c.differs?.adapter)
  for (const answer of others) {
    expect(comparable(answer.response), `${answer.adapter} answers like ${first!.adapter}`).toEqual(
      comparable(first!.response),
    )
  }
  return [...sent, ...answers]
}

function send(url: string, c: Case, token: string | undefined): Promise<RawResponse> {
  const s = c.send ?? {}
  const headers: [string, string][] = [...(s.headers ?? [])]
  const authorization = s.authorization
    ? s.authorization(token ?? '')
    : token === undefined
      ? []
      : [`Bearer ${token}`]
  for (const value of authorization) headers.push(['Authorization', value])
  const target = typeof s.path === 'function' ? s.path(token ?? '') : (s.path ?? '/orders')
  for (const proof of s.dpop?.(token ?? '', `${url}${target}`) ?? []) headers.push(['DPoP', proof])
  let body: string | undefined
  // A case's own Content-Type (another spelling of the media type) stands.
  const typed = headers.some(([name]) => name.toLowerCase() === 'content-type')
  if (s.form) {
    if (!typed) headers.push(['Content-Type', 'application/x-www-form-urlencoded'])
    body = new URLSearchParams(s.form(token ?? '')).toString()
  } else if (s.json) {
    if (!typed) headers.push(['Content-Type', 'application/json'])
    body = JSON.stringify(s.json(token ?? ''))
  }
  const path = `${target}${s.query ? `?${s.query(token ?? '')}` : ''}`
  return rawRequest(url, s.method ?? (body === undefined ? 'GET' : 'POST'), path, headers, body)
}

function expectAnswer(
  { adapter, response }: Pick<Answer, 'adapter' | 'response'>,
  expected: Expectation,
): void {
  const where = `${adapter}: ${response.status} ${response.body}`
  expect(response.status, where).toBe(expected.status)
  expect(response.headers['auth-reason'], where).toBe(expected.reason)
  if (expected.reason) {
    const body = JSON.parse(response.body)
    expect(body.reason, where).toBe(expected.reason)
    expect(body.error_description, where).toBe(REASONS[expected.reason].description)
    expect(response.headers['content-type'], where).toBe('application/json; charset=utf-8')
    expect(response.headers['cache-control'], where).toBe('no-store')
  }
  if (expected.challenge instanceof RegExp)
    expect(response.headers['www-authenticate'], where).toMatch(expected.challenge)
  else if (expected.challenge !== undefined)
    expect(response.headers['www-authenticate'], where).toBe(expected.challenge)
  if (expected.body === '') expect(response.body, where).toBe('')
  else if (expected.body !== undefined)
    expect(JSON.parse(response.body), where).toEqual(expected.body)
  for (const [name, value] of Object.entries(expected.headers ?? {})) {
    if (value instanceof RegExp) expect(response.headers[name], `${where} (${name})`).toMatch(value)
    else expect(response.headers[name], `${where} (${name})`).toBe(value)
  }
}

function comparable(response: RawResponse) {
  return {
    status: response.status,
    headers: Object.fromEntries(COMPARED.map((name) => [name, response.headers[name]])),
    body: response.body,
  }
}
