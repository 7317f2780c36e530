// Use counts under concurrency, over HTTP on every adapter: 50 simultaneous requests carrying
// one maxUses: 3 token are accepted exactly 3 times, and 50 carrying one DPoP proof once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createIssuer, dpopProof, generateDpopKey, rawRequest } from '@bearer-guard/testing'
import type { LocalIssuer } from '@bearer-guard/testing'
import { adapters } from './adapters.js'

let issuer: LocalIssuer
beforeAll(async () => {
  issuer = await createIssuer({ algorithms: ['ES256'] })
})
afterAll(() => issuer.close())

describe.each(adapters)('$name', (adapter) => {
  it('accepts a maxUses: 3 token exactly 3 times out of 50 concurrent requests', async () => {
    const served = await adapter.serve(issuer.guardOptions, { maxUses: 3 }, 'both')
    try {
      const token = await issuer.mint()
      const answers = await Promise.all(
        Array.from({ length: 50 }, () =>
          rawRequest(served.url, 'GET', '/orders', [['Authorization', `Bearer ${token}`]]),
        ),
      )
      expect(answers.filter((answer) => answer.status === 200)).toHaveLength(3)
      expect(
        answers.filter((answer) => answer.headers['auth-reason'] === 'uses_exhausted'),
      ).toHaveLength(47)
    } finally {
      await served.close()
    }
  })

  it('accepts one DPoP proof once out of 50 concurrent copies', async () => {
    const resource = 'https://api.example.test'
    const served = await adapter.serve({ ...issuer.guardOptions, resource }, undefined, 'both')
    try {
      const key = generateDpopKey()
      const token = await issuer.mint({ cnf: { jkt: key.jkt } })
      const proof = dpopProof(key, { url: `${resource}/orders`, token })
      const answers = await Promise.all(
        Array.from({ length: 50 }, () =>
          rawRequest(served.url, 'GET', '/orders', [
            ['Authorization', `DPoP ${token}`],
            ['DPoP', proof],
          ]),
        ),
      )
      expect(answers.filter((answer) => answer.status === 200)).toHaveLength(1)
      expect(
        answers.filter((answer) => answer.headers['auth-reason'] === 'dpop_replayed'),
      ).toHaveLength(49)
    } finally {
      await served.close()
    }
  })
})
