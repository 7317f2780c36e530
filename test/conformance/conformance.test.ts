// The cross-adapter conformance suite: every case of the table runs against Express, Koa and
// Fastify over real HTTP. Each answer must meet the case's expectation, and the three answers
// must be identical in status, WWW-Authenticate, Auth-Reason, Vary, Cache-Control, content
// type, Retry-After and body.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { REASONS } from '@bearer-guard/core'
import { createIssuer, rawRequest } from '@bearer-guard/testing'
import type { RawResponse } from '@bearer-guard/testing'
import { adapters } from './adapters.js'
import type { Case, Expectation, Issuers } from './case.js'
import { allCases } from './cases/index.js'

const COMPARED = [
  'www-authenticate',
  'auth-reason',
  'vary',
  'cache-control',
  'content-type',
  'retry-after',
]
const issuers = {} as Issuers

beforeAll(async () => {
  issuers.main = await createIssuer()
  issuers.other = await createIssuer({
    algorithms: ['RS256'],
    audience: 'https://other-api.example',
  })
  issuers.down = await createIssuer({ algorithms: ['ES256'] })
  issuers.down.fault('down')
})
afterAll(() => Promise.all(Object.values(issuers).map((issuer) => issuer.close())))

describe.each(Object.entries(allCases))('%s', (_, cases) => {
  it.each(cases)('$name', async (c) => {
    const issuer = issuers[c.issuer ?? 'main']
    const spec = typeof c.token === 'function' ? c.token(issuers) : c.token
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
    }
    const answers: [string, RawResponse][] = []
    for (const adapter of adapters) {
      const served = await adapter.serve(options, c.route, c.mount ?? 'route')
      try {
        await c.setup?.(served.guard)
        for (let i = 1; i < (c.repeat ?? 1); i++) await send(served.url, c, token)
        answers.push([adapter.name, await send(served.url, c, token)])
      } finally {
        await served.close()
      }
    }
    for (const [name, answer] of answers) expectAnswer(name, answer, c.expect)
    const [first, ...others] = answers.map(([name, answer]) => [name, comparable(answer)] as const)
    for (const [name, answer] of others)
      expect(answer, `${name} answers like ${first![0]}`).toEqual(first![1])
  })
})

function send(url: string, c: Case, token: string | undefined): Promise<RawResponse> {
  const s = c.send ?? {}
  const headers: [string, string][] = [...(s.headers ?? [])]
  const authorization = s.authorization
    ? s.authorization(token ?? '')
    : token === undefined
      ? []
      : [`Bearer ${token}`]
  for (const value of authorization) headers.push(['Authorization', value])
  let body: string | undefined
  if (s.form) {
    headers.push(['Content-Type', 'application/x-www-form-urlencoded'])
    body = new URLSearchParams(s.form(token ?? '')).toString()
  } else if (s.json) {
    headers.push(['Content-Type', 'application/json'])
    body = JSON.stringify(s.json(token ?? ''))
  }
  const path = `${s.path ?? '/orders'}${s.query ? `?${s.query(token ?? '')}` : ''}`
  return rawRequest(url, s.method ?? (body === undefined ? 'GET' : 'POST'), path, headers, body)
}

function expectAnswer(adapter: string, answer: RawResponse, expected: Expectation): void {
  const where = `${adapter}: ${answer.status} ${answer.body}`
  expect(answer.status, where).toBe(expected.status)
  expect(answer.headers['auth-reason'], where).toBe(expected.reason)
  if (expected.reason) {
    const body = JSON.parse(answer.body)
    expect(body.reason, where).toBe(expected.reason)
    expect(body.error_description, where).toBe(REASONS[expected.reason].description)
    expect(answer.headers['content-type'], where).toBe('application/json; charset=utf-8')
    expect(answer.headers['cache-control'], where).toBe('no-store')
  }
  if (expected.challenge instanceof RegExp)
    expect(answer.headers['www-authenticate'], where).toMatch(expected.challenge)
  else if (expected.challenge !== undefined)
    expect(answer.headers['www-authenticate'], where).toBe(expected.challenge)
  if (expected.body !== undefined) expect(JSON.parse(answer.body), where).toEqual(expected.body)
  for (const [name, value] of Object.entries(expected.headers ?? {})) {
    if (value instanceof RegExp) expect(answer.headers[name], `${where} (${name})`).toMatch(value)
    else expect(answer.headers[name], `${where} (${name})`).toBe(value)
  }
}

function comparable(answer: RawResponse) {
  return {
    status: answer.status,
    headers: Object.fromEntries(COMPARED.map((name) => [name, answer.headers[name]])),
    body: answer.body,
  }
}
