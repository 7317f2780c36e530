// A real browser on another origin calls the Express orders example with DPoP (RFC 9449) through
// oauth4webapi: a non-extractable ES256 key made in the page, a token bound to its thumbprint
// (cnf.jkt), the guard's use_dpop_nonce challenge read from JS across origins, then the retry
// with the nonce the DPoP handle cached. CORS middleware sits before the guard, as the README
// says; the API records what it was sent and what it answered (never a raw token or proof).
//
// Needs Chromium at $CHROMIUM or /usr/bin/chromium (scripts/ensure-chromium.sh installs it);
// without it the suite is skipped with a warning. No browser is ever downloaded.
import type { JsonWebKey } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { createRequire } from 'node:module'
import cors from 'cors'
import express from 'express'
import { chromium } from 'playwright-core'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createIssuer, jwkThumbprint, listen } from '@bearer-guard/testing'
import type { DemoServer, LocalIssuer } from '@bearer-guard/testing'
import { ordersApp } from '../../examples/express/src/app.js'

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium'
const hasChromium = existsSync(CHROMIUM)
if (!hasChromium)
  console.warn(
    `dpop-browser: skipped, no Chromium at ${CHROMIUM}: run scripts/ensure-chromium.sh ` +
      '(apt-get install chromium) or set CHROMIUM to its path',
  )

const oauth4webapi = readFileSync(createRequire(import.meta.url).resolve('oauth4webapi'), 'utf8')

/** What the page reports once its key pair is ready. */
interface Ready {
  origin: string
  secureContext: boolean
  algorithm: string
  curve: string
  privateExtractable: boolean
  publicExtractable: boolean
  /** RFC 7638 thumbprint computed in the page with SubtleCrypto. */
  thumbprint: string
  /** The same, as oauth4webapi's DPoP handle computes it. */
  handleThumbprint: string
}

/** One `protectedResourceRequest` as the page saw it. */
interface Attempt {
  /** The error's class name when it threw, `null` when it resolved. */
  threw: string | null
  message: string | null
  nonceError: boolean
  status: number | null
  challenges: { scheme: string; error?: string; description: boolean; algs?: string }[]
  /** Response headers as JS reads them: `null` when not readable (or absent). */
  wwwAuthenticate: string | null
  authReason: string | null
  dpopNonceLength: number | null
  contentType: string | null
  body: unknown
}

interface PageApi {
  __ready?: Promise<Ready>
  __run(token: string): Promise<{ first: Attempt; retry: Attempt }>
}

/** A request the API got and what it answered; headers by name, credentials only decoded. */
interface Seen {
  method: string
  path: string
  origin: string | undefined
  requestHeaders: string[]
  accessControlRequestMethod: string | undefined
  accessControlRequestHeaders: string[]
  scheme: string | undefined
  proof?: {
    header: { typ?: unknown; alg?: unknown; jwk?: { kty?: unknown; crv?: unknown } }
    payload: { htm?: unknown; htu?: unknown; iat?: unknown; nonce: boolean; ath: boolean }
    /** The thumbprint of the proof's `jwk`. */
    jkt?: string
  }
  /** The proof's nonce, to compare with the one the API issued (a nonce is no credential). */
  proofNonce?: string
  status: number
  response: Record<string, string | undefined>
}

const SHOWN = [
  'www-authenticate',
  'auth-reason',
  'access-control-allow-origin',
  'access-control-allow-methods',
  'access-control-allow-headers',
  'access-control-expose-headers',
  'vary',
  'cache-control',
]

function decodeSegment(segment: string | undefined): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment ?? '', 'base64url').toString('utf8'))
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {}
  } catch {
    return undefined
  }
}

/** Records each request and its answer, before CORS and the guard see it. */
function recorder(seen: Seen[], nonces: string[]) {
  return (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    const one = (name: string) => {
      const value = req.headers[name]
      return Array.isArray(value) ? value.join(', ') : value
    }
    const authorization = one('authorization')
    const dpop = one('dpop')
    const entry: Omit<Seen, 'status' | 'response'> = {
      method: req.method ?? '',
      path: req.url ?? '',
      origin: one('origin'),
      requestHeaders: Object.keys(req.headers).sort(),
      accessControlRequestMethod: one('access-control-request-method'),
      accessControlRequestHeaders: (one('access-control-request-headers') ?? '')
        .split(',')
        .map((name) => name.trim().toLowerCase())
        .filter(Boolean),
      scheme: authorization?.split(' ')[0],
    }
    if (dpop !== undefined) {
      const [header = {}, payload = {}] = dpop.split('.').map(decodeSegment)
      const jwk = header.jwk as JsonWebKey | undefined
      entry.proof = {
        header: {
          typ: header.typ,
          alg: header.alg,
          jwk: jwk && { kty: jwk.kty, crv: jwk.crv },
        },
        payload: {
          htm: payload.htm,
          htu: payload.htu,
          iat: payload.iat,
          nonce: payload.nonce !== undefined,
          ath: payload.ath !== undefined,
        },
        jkt: jwk && typeof jwk === 'object' ? jwkThumbprint(jwk) : undefined,
      }
      if (typeof payload.nonce === 'string') entry.proofNonce = payload.nonce
    }
    res.on('finish', () => {
      const header = (name: string) => {
        const value = res.getHeader(name)
        return value === undefined ? undefined : String(value)
      }
      const issued = header('dpop-nonce')
      if (issued) nonces.push(issued)
      seen.push({
        ...entry,
        status: res.statusCode,
        response: {
          ...Object.fromEntries(SHOWN.map((name) => [name, header(name)])),
          'dpop-nonce': issued === undefined ? undefined : `(${issued.length} characters)`,
        },
      })
    })
    next()
  }
}

function pageHtml(apiOrigin: string): string {
  return `<!doctype html>
<html>
<head><meta charset="utf-8"><title>bearer-guard DPoP in a browser</title></head>
<body>
<script type="module">
import * as oauth from '/oauth4webapi.js'

const API = ${JSON.stringify(apiOrigin)}
const b64u = (buffer) =>
  btoa(String.fromCharCode(...new Uint8Array(buffer)))
    .replace(/\\+/g, '-')
    .replace(/\\//g, '_')
    .replace(/=+$/, '')

async function attempt(token, DPoP) {
  const result = {
    threw: null,
    message: null,
    nonceError: false,
    status: null,
    challenges: [],
    wwwAuthenticate: null,
    authReason: null,
    dpopNonceLength: null,
    contentType: null,
    body: null,
  }
  let response
  try {
    response = await oauth.protectedResourceRequest(
      token,
      'GET',
      new URL('/orders', API),
      new Headers(),
      null,
      { DPoP, [oauth.allowInsecureRequests]: true },
    )
  } catch (error) {
    result.threw = error?.constructor?.name ?? typeof error
    result.message = String(error?.message ?? error)
    result.nonceError = oauth.isDPoPNonceError(error)
    if (Array.isArray(error?.cause))
      result.challenges = error.cause.map((challenge) => ({
        scheme: challenge.scheme,
        error: challenge.parameters.error,
        description: typeof challenge.parameters.error_description === 'string',
        algs: challenge.parameters.algs,
      }))
    response = error?.response
  }
  if (response instanceof Response) {
    result.status = response.status
    result.wwwAuthenticate = response.headers.get('www-authenticate')
    result.authReason = response.headers.get('auth-reason')
    result.dpopNonceLength = response.headers.get('dpop-nonce')?.length ?? null
    result.contentType = response.headers.get('content-type')
    result.body = await response.json().catch(() => null)
  }
  return result
}

window.__ready = (async () => {
  const keyPair = await oauth.generateKeyPair('ES256')
  const jwk = await crypto.subtle.exportKey('jwk', keyPair.publicKey)
  // RFC 7638: the required members in lexicographic order, no whitespace, SHA-256.
  const canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y })
  const thumbprint = b64u(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(canonical)))
  const DPoP = oauth.DPoP({ client_id: 'browser-app' }, keyPair)
  window.__run = async (token) => {
    const first = await attempt(token, DPoP)
    // The same handle: it cached the DPoP-Nonce of the challenge.
    const retry = await attempt(token, DPoP)
    return { first, retry }
  }
  return {
    origin: location.origin,
    secureContext: window.isSecureContext,
    algorithm: keyPair.privateKey.algorithm.name,
    curve: keyPair.privateKey.algorithm.namedCurve,
    privateExtractable: keyPair.privateKey.extractable,
    publicExtractable: keyPair.publicKey.extractable,
    thumbprint,
    handleThumbprint: await DPoP.calculateThumbprint(),
  }
})()
</script>
</body>
</html>
`
}

describe.skipIf(!hasChromium)('DPoP from a browser on another origin (oauth4webapi)', () => {
  let issuer: LocalIssuer
  let api: DemoServer
  let site: DemoServer
  let browser: Browser | undefined
  let page: Page
  let apiOrigin = ''
  const seen: Seen[] = []
  const issuedNonces: string[] = []
  const pageErrors: string[] = []
  let ready: Ready
  let jkt = ''
  let observed: { first: Attempt; retry: Attempt }

  /** What to show when an assertion fails: the API's log and the page's errors. */
  const context = () =>
    JSON.stringify({ ready, seen, pageErrors, issuedNonces: issuedNonces.length }, null, 2)

  beforeAll(async () => {
    issuer = await createIssuer({ algorithms: ['ES256'] })

    // Origin B: the page and oauth4webapi's ESM build.
    site = await listen(
      createServer((req, res) => {
        if (req.url === '/') {
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
          res.end(pageHtml(apiOrigin))
        } else if (req.url === '/oauth4webapi.js') {
          res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' })
          res.end(oauth4webapi)
        } else if (req.url === '/favicon.ico') {
          res.writeHead(204).end()
        } else {
          res.writeHead(404).end()
        }
      }),
    )

    // Origin A: the Express example, CORS for origin B mounted before it (and its guard).
    const outer = express()
    outer.use(recorder(seen, issuedNonces))
    outer.use(
      cors({
        origin: site.url,
        allowedHeaders: ['Authorization', 'DPoP', 'Content-Type'],
        // The guard exposes its own headers on refusals; a 200 can carry a fresh DPoP-Nonce.
        exposedHeaders: ['DPoP-Nonce'],
      }),
    )
    outer.use(ordersApp({ ...issuer.guardOptions, dpop: { nonce: true } }))
    api = await listen(createServer(outer))
    apiOrigin = api.url
    expect(new URL(apiOrigin).origin).not.toBe(new URL(site.url).origin)

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--no-proxy-server'],
    })
    page = await browser.newPage()
    page.on('pageerror', (error) => pageErrors.push(error.message))
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text())
    })
    await page.goto(`${site.url}/`)
    await page.waitForFunction(() => (globalThis as unknown as PageApi).__ready !== undefined, {
      timeout: 5_000,
    })
    ready = (await page.evaluate(() => (globalThis as unknown as PageApi).__ready)) as Ready
    jkt = ready.thumbprint
    const token = await issuer.mint({ cnf: { jkt }, scope: 'orders:read' })
    observed = await page.evaluate(
      (token) => (globalThis as unknown as PageApi).__run(token),
      token,
    )
  })

  afterAll(async () => {
    await browser?.close()
    await Promise.all([api?.close(), site?.close(), issuer?.close()])
  })

  it('makes a non-extractable ES256 key in a secure context, and its RFC 7638 thumbprint', () => {
    expect(ready, context()).toMatchObject({
      origin: site.url,
      secureContext: true,
      algorithm: 'ECDSA',
      curve: 'P-256',
      privateExtractable: false,
      publicExtractable: true,
    })
    expect(ready.thumbprint).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(ready.handleThumbprint).toBe(ready.thumbprint)
  })

  it('gets the use_dpop_nonce challenge first, and reads its headers from JS on another origin', () => {
    const { first } = observed
    expect(first, context()).toMatchObject({
      threw: 'WWWAuthenticateChallengeError',
      nonceError: true,
      status: 401,
      authReason: 'use_dpop_nonce',
      body: { error: 'use_dpop_nonce', reason: 'use_dpop_nonce' },
    })
    expect(first.challenges, context()).toHaveLength(1)
    expect(first.challenges[0]).toMatchObject({
      scheme: 'dpop',
      error: 'use_dpop_nonce',
      description: true,
    })
    expect(first.challenges[0]?.algs?.split(' ')).toContain('ES256')
    expect(first.wwwAuthenticate).toMatch(/^DPoP error="use_dpop_nonce"/)
    expect(first.dpopNonceLength, context()).toBeGreaterThan(0)
  })

  it('succeeds on the retry with the nonce the DPoP handle cached', () => {
    const { retry } = observed
    expect(retry, context()).toMatchObject({
      threw: null,
      status: 200,
      wwwAuthenticate: null,
      body: { orders: [{ id: 1, owner: 'user-1', item: 'coffee beans' }] },
    })
    expect(retry.contentType).toMatch(/^application\/json/)
  })

  it('sent DPoP-bound requests whose proofs the API could check, the retry with the issued nonce', () => {
    const calls = seen.filter((entry) => entry.method === 'GET' && entry.path === '/orders')
    expect(
      calls.map((entry) => entry.status),
      context(),
    ).toEqual([401, 200])
    const [first, retry] = calls
    for (const call of calls) {
      expect(call.origin).toBe(site.url)
      expect(call.scheme).toBe('DPoP')
      expect(call.requestHeaders).toEqual(expect.arrayContaining(['authorization', 'dpop']))
      expect(call.proof, context()).toMatchObject({
        header: { typ: 'dpop+jwt', alg: 'ES256', jwk: { kty: 'EC', crv: 'P-256' } },
        payload: { htm: 'GET', htu: `${apiOrigin}/orders`, ath: true },
        jkt,
      })
    }
    expect(first?.proof?.payload.nonce).toBe(false)
    expect(retry?.proof?.payload.nonce).toBe(true)
    expect(retry?.proofNonce).toBe(issuedNonces[0])
    // The refusal names its own headers for the browser, whatever CORS exposes on a 200.
    const exposed = (first?.response['access-control-expose-headers'] ?? '')
      .split(',')
      .map((name) => name.trim().toLowerCase())
    expect(exposed).toEqual(
      expect.arrayContaining(['www-authenticate', 'dpop-nonce', 'auth-reason']),
    )
    expect(first?.response['access-control-allow-origin']).toBe(site.url)
    expect(retry?.response['access-control-allow-origin']).toBe(site.url)
  })

  it('had its CORS preflight answered with 204 for origin B before the guard', () => {
    const preflights = seen.filter(
      (entry) => entry.method === 'OPTIONS' && entry.accessControlRequestMethod !== undefined,
    )
    expect(preflights.length, context()).toBeGreaterThanOrEqual(1)
    for (const preflight of preflights) {
      expect(preflight).toMatchObject({ path: '/orders', origin: site.url, status: 204 })
      expect(preflight.accessControlRequestMethod).toBe('GET')
      expect(preflight.accessControlRequestHeaders).toEqual(
        expect.arrayContaining(['authorization', 'dpop']),
      )
      expect(preflight.scheme).toBeUndefined()
      expect(preflight.response['access-control-allow-origin']).toBe(site.url)
      const allowed = (preflight.response['access-control-allow-headers'] ?? '').toLowerCase()
      expect(allowed.split(',')).toEqual(expect.arrayContaining(['authorization', 'dpop']))
    }
    // The preflight came first.
    expect(seen[0]?.method).toBe('OPTIONS')
  })
})
