/**
 * The differential check of the signature path: a suite records every signature its guards
 * check (`recordingVerifier`, installed with `vi.mock`), and `expectJoseAgrees` checks each one
 * again with jose's `compactVerify`, the same token, algorithm and key. The verdicts must be
 * equal, so a token that node:crypto and jose judge differently fails the suite.
 *
 * @example
 * const checked = vi.hoisted(() => [] as CheckedSignature[])
 * vi.mock('../../packages/core/src/verify/jws-signature.js', async (original) =>
 *   (await import('../differential.js')).recordingVerifier(await original(), checked))
 * it('gets from jose the verdict of every signature it checked', () => expectJoseAgrees(checked))
 */
import type { KeyObject } from 'node:crypto'
import { compactVerify } from 'jose'
import { expect } from 'vitest'

export interface CheckedSignature {
  token: string
  alg: string
  key: KeyObject
  verdict: boolean
}

type Verifier = (token: string, alg: string, key: KeyObject) => boolean

/** The module's `verifySignature`, recording each call and its verdict into `checked`. */
export function recordingVerifier(
  original: { verifySignature: Verifier },
  checked: CheckedSignature[],
): { verifySignature: Verifier } {
  return {
    verifySignature: (token, alg, key) => {
      const verdict = original.verifySignature(token, alg, key)
      checked.push({ token, alg, key, verdict })
      return verdict
    },
  }
}

/** jose's verdict on each recorded check must be the recorded one; there must be some. */
export async function expectJoseAgrees(checked: readonly CheckedSignature[]): Promise<void> {
  expect(checked.length).toBeGreaterThan(0)
  for (const { token, alg, key, verdict } of checked) {
    const jose = await compactVerify(token, key, { algorithms: [alg] }).then(
      () => true,
      () => false,
    )
    expect(jose, `${alg} token of ${token.length} characters`).toBe(verdict)
  }
}
