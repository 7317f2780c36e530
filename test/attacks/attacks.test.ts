// The attack corpus on Express, Koa and Fastify: each forged or broken token is refused with
// the contract's exact reason, identically by the three; the attacker's key server is never
// contacted; and no answer, event or warning ever carries a token.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { REASONS } from '@bearer-guard/core'
import type { DecisionEvent } from '@bearer-guard/core'
import { generateSigningKey, JwksServer } from '@bearer-guard/testing'
import type { Case, Issuers } from '../conformance/case.js'
import { closeIssuers, runCase, startIssuers } from '../conformance/run.js'
import type { Answer } from '../conformance/run.js'
import { attackCases } from './corpus.js'
import { sentProofs } from './dpop-corpus.js'
import { expectJoseAgrees } from '../differential.js'
import type { CheckedSignature } from '../differential.js'

// Every signature checked here is checked again by jose: the two must agree (test/differential.ts).
const checkedSignatures = vi.hoisted(() => [] as CheckedSignature[])
vi.mock('../../packages/core/src/verify/jws-signature.js', async (original) =>
  (await import('../differential.js')).recordingVerifier(await original(), checkedSignatures),
)

const attackerKey = generateSigningKey('ES256')
let attacker: JwksServer
let issuers: Issuers
const answers: Answer[] = []
const events: DecisionEvent[] = []
const warnings: string[] = []

beforeAll(async () => {
  issuers = await startIssuers()
  attacker = await JwksServer.start({
    jwks: () => ({ keys: [attackerKey.publicJwk] }),
    metadata: () => ({}),
    cacheControl: () => undefined,
    discovery: () => 'both',
  })
  vi.spyOn(process, 'emitWarning').mockImplementation(
    (warning) => void warnings.push(String(warning)),
  )
})
afterAll(async () => {
  vi.restoreAllMocks()
  await Promise.all([closeIssuers(issuers), attacker.close()])
})

// Built lazily: the attacker's URL is only known once its server runs.
const corpus = (): Case[] => attackCases({ url: attacker.origin, key: attackerKey })
const names = attackCases({ url: 'http://127.0.0.1:1', key: attackerKey }).map((c) => c.name)

describe('the attack corpus', () => {
  it('holds at least 60 named attacks, each named once', () => {
    expect(names.length).toBeGreaterThanOrEqual(60)
    expect(new Set(names).size).toBe(names.length)
  })

  it.each(names)('%s', async (name) => {
    const c = corpus().find((candidate) => candidate.name === name)!
    answers.push(...(await runCase(c, issuers, { onDecision: (event) => events.push(event) })))
  })

  it('never contacted the attacker key server (jku, x5u)', () => {
    expect(attacker.hits).toEqual({ jwks: 0, openid: 0, oauth: 0 })
  })

  it('never put a token, or any segment of one, in an answer, an event or a warning', () => {
    const tokens = answers.flatMap((answer) => (answer.token ? [answer.token] : []))
    expect(tokens.length).toBeGreaterThan(150)
    const seen = [
      JSON.stringify(answers.map((answer) => answer.response)),
      JSON.stringify(events),
      warnings.join('\n'),
    ].join('\n')
    for (const token of new Set(tokens)) {
      expect(seen.includes(token)).toBe(false)
      for (const segment of token.split('.'))
        if (segment.length >= 16) expect(seen.includes(segment)).toBe(false)
    }
  })

  it('never put a DPoP proof, or any segment of one, in an answer, an event or a warning', () => {
    expect(sentProofs.length).toBeGreaterThan(60)
    const seen = [
      JSON.stringify(answers.map((answer) => answer.response)),
      JSON.stringify(events),
      warnings.join('\n'),
    ].join('\n')
    for (const proof of new Set(sentProofs))
      for (const segment of proof.split('.'))
        if (segment.length >= 16) expect(seen.includes(segment)).toBe(false)
  })
})

describe("with reasons: 'hide'", () => {
  // Under the DPoP scheme the same hidden answer comes on the DPoP challenge instead.
  const tokenFailures = names.filter((name) => {
    const c = attackCases({ url: 'http://127.0.0.1:1', key: attackerKey }).find(
      (candidate) => candidate.name === name,
    )!
    const reason = c.expect.reason
    const dpopScheme = c.send?.authorization?.('t')[0]?.startsWith('DPoP ') ?? false
    return reason !== undefined && REASONS[reason].error === 'invalid_token' && !dpopScheme
  })
  const hidden = '{"error":"invalid_token","error_description":"The access token is invalid"}'

  it.each(tokenFailures)('%s reads like every other token failure', async (name) => {
    const c = corpus().find((candidate) => candidate.name === name)!
    const answers = await runCase(
      { ...c, expect: { status: 401, headers: { 'auth-reason': undefined } } },
      issuers,
      {
        reasons: 'hide',
      },
    )
    for (const { response } of answers.filter((answer) => !answer.first)) {
      expect(response.body).toBe(hidden)
      expect(response.headers['www-authenticate']).toBe(
        'Bearer realm="api", error="invalid_token", error_description="The access token is invalid"',
      )
    }
  })
})

it('gets from jose the verdict of every signature it checked', async () => {
  await expectJoseAgrees(checkedSignatures)
})
