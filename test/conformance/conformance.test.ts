// The cross-adapter conformance suite: every case of the table runs against Express, Koa and
// Fastify over real HTTP. Each answer must meet the case's expectation, and the three answers
// must be identical in status, WWW-Authenticate, Auth-Reason, Vary, Cache-Control, content
// type, Retry-After and body.
import { afterAll, beforeAll, describe, it, vi } from 'vitest'
import type { Issuers } from './case.js'
import { allCases } from './cases/index.js'
import { closeIssuers, runCase, startIssuers } from './run.js'
import { expectJoseAgrees } from '../differential.js'
import type { CheckedSignature } from '../differential.js'

// Every signature checked here is checked again by jose: the two must agree (test/differential.ts).
const checkedSignatures = vi.hoisted(() => [] as CheckedSignature[])
vi.mock('../../packages/core/src/verify/jws-signature.js', async (original) =>
  (await import('../differential.js')).recordingVerifier(await original(), checkedSignatures),
)

let issuers: Issuers
beforeAll(async () => {
  issuers = await startIssuers()
})
afterAll(() => closeIssuers(issuers))

describe.each(Object.entries(allCases))('%s', (_, cases) => {
  it.each(cases)('$name', async (c) => {
    await runCase(c, issuers)
  })
})

it('gets from jose the verdict of every signature it checked', async () => {
  await expectJoseAgrees(checkedSignatures)
})
