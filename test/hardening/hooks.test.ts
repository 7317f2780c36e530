// Hooks that throw or reject never take the process down (found by a review: an async
// onDecision's rejection killed Node at the first request; an onKeyEvent that threw on a JWKS
// outage failed every request). Each framework's app runs in a child process on the built
// packages; the test checks that it answers, stays alive, and keeps its stale-key grace.
import { fork } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createIssuer } from '@bearer-guard/testing'
import type { LocalIssuer } from '@bearer-guard/testing'

const FIXTURE = fileURLToPath(new URL('./fixtures/hooks-app.mjs', import.meta.url))
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

let issuer: LocalIssuer
beforeAll(async () => {
  issuer = await createIssuer({ algorithms: ['ES256'] })
})
afterAll(() => issuer.close())

async function start(
  framework: string,
): Promise<{ child: ChildProcess; url: string; stderr: () => string }> {
  let stderr = ''
  const child = fork(FIXTURE, {
    env: {
      ...process.env,
      FRAMEWORK: framework,
      ISSUER: issuer.url,
      AUDIENCE: issuer.audience,
      JWKS_URI: issuer.jwksUri,
    },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  })
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const { port } = await new Promise<{ port: number }>((resolve, reject) => {
    child.once('message', resolve as (message: unknown) => void)
    child.once('exit', (code) => reject(new Error(`app exited (${code}): ${stderr}`)))
  })
  return { child, url: `http://127.0.0.1:${port}`, stderr: () => stderr }
}

describe.each(['express', 'koa', 'fastify'])(
  '%s, with hooks that throw and reject',
  (framework) => {
    it('answers every request, survives a JWKS outage on stale keys, and stays alive', async () => {
      const app = await start(framework)
      try {
        const get = async (headers: Record<string, string>) =>
          (await fetch(`${app.url}/orders`, { headers })).status
        const token = await issuer.mint()
        expect(await get({ authorization: `Bearer ${token}` })).toBe(200)
        expect(await get({})).toBe(401)
        expect(await get({ authorization: 'Bearer a.b.c' })).toBe(401)
        issuer.fault('down', 'jwks')
        await sleep(1200) // past the key set's 1-second TTL: now only stale keys can serve
        for (let i = 0; i < 3; i++)
          expect(await get({ authorization: `Bearer ${await issuer.mint()}` })).toBe(200)
        await sleep(100)
        expect(app.child.exitCode).toBeNull()
        expect(app.stderr()).toMatch(/onDecision rejected: Error/)
        expect(app.stderr()).toMatch(/onKeyEvent threw: Error/)
        // The application's own error messages stay out of the warnings.
        expect(app.stderr()).not.toMatch(/is down/)
      } finally {
        issuer.fault(undefined)
        app.child.kill()
      }
    })
  },
)
