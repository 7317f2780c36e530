// Random credentials over HTTP, on every adapter: whatever arrives, the answer is a contract
// refusal (400/401/403), never a 5xx, never an acceptance, and the server keeps answering.
// On a failure fast-check prints the seed; FUZZ_SEED=<seed> replays it.
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { isReason } from '@bearer-guard/core'
import { createIssuer, rawRequest } from '@bearer-guard/testing'
import type { LocalIssuer } from '@bearer-guard/testing'
import { adapters } from '../conformance/adapters.js'
import { expectJoseAgrees } from '../differential.js'
import type { CheckedSignature } from '../differential.js'

// Every signature checked here is checked again by jose: the two must agree (test/differential.ts).
const checkedSignatures = vi.hoisted(() => [] as CheckedSignature[])
vi.mock('../../packages/core/src/verify/jws-signature.js', async (original) =>
  (await import('../differential.js')).recordingVerifier(await original(), checkedSignatures),
)

if (process.env.FUZZ_SEED) fc.configureGlobal({ seed: Number(process.env.FUZZ_SEED) })

let issuer: LocalIssuer
beforeAll(async () => {
  issuer = await createIssuer({ algorithms: ['ES256'] })
})
afterAll(() => issuer.close())

// What can reach an app: Node's parser refuses control characters in header values itself.
const printable = fc.string({
  unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)),
  maxLength: 300,
})
const credential = fc.oneof(
  printable,
  printable.map((rest) => `Bearer ${rest}`),
  printable.map((rest) => `Bearer ${rest.replace(/[^A-Za-z0-9.\-_]/g, '')}`),
)
const query = fc.oneof(
  fc.constant(''),
  printable.map((text) => `?${encodeURIComponent(text)}`),
  printable.map((text) => `?access_token=${encodeURIComponent(text)}`),
)

describe.each(adapters)('$name', (adapter) => {
  it('answers random credentials with a contract refusal, never a 5xx', async () => {
    const served = await adapter.serve(issuer.guardOptions, { scope: 'orders:read' }, 'both')
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.array(credential, { minLength: 1, maxLength: 2 }),
          query,
          async (values, search) => {
            const headers = values.map((value): [string, string] => ['Authorization', value])
            const response = await rawRequest(served.url, 'GET', `/orders${search}`, headers)
            expect([400, 401, 403]).toContain(response.status)
            const body = JSON.parse(response.body)
            expect(isReason(body.reason)).toBe(true)
          },
        ),
        { numRuns: 80 },
      )
      const token = await issuer.mint({ scope: 'orders:read' })
      expect(
        (await rawRequest(served.url, 'GET', '/orders', [['Authorization', `Bearer ${token}`]]))
          .status,
      ).toBe(200)
    } finally {
      await served.close()
    }
  })
})

it('gets from jose the verdict of every signature it checked', async () => {
  await expectJoseAgrees(checkedSignatures)
})
