/** Shared helpers for core tests: a guard for the local issuer, a request carrying a token, one decision. */
import { JwksServer } from '@bearer-guard/testing'
import type { LocalIssuer } from '@bearer-guard/testing'
import type { Decision, RequestInput } from '../src/decision.js'
import type { MaybePromise } from '../src/maybe.js'
import { createGuard } from '../src/guard.js'
import type { Guard } from '../src/guard.js'
import type { GuardOptions } from '../src/options.js'
import type { RoutePolicy } from '../src/policy/policy.js'

/** A guard trusting `issuer` through its public keys, given locally (no fetch). */
export function localGuard(issuer: LocalIssuer, options: Partial<GuardOptions> = {}): Guard {
  return createGuard({
    issuer: issuer.url,
    audience: issuer.audience,
    keys: issuer.jwks(),
    ...options,
  })
}

/** A GET request with `Authorization: Bearer <token>`, or no header when `token` is undefined. */
export function bearerRequest(
  token: string | undefined,
  extra: Partial<RequestInput> = {},
): RequestInput {
  return {
    method: 'GET',
    url: '/orders',
    rawHeaders: token === undefined ? [] : ['Authorization', `Bearer ${token}`],
    ...extra,
  }
}

/** The decision of one route check for one token. */
export async function decide(
  guard: Guard,
  token: string | undefined,
  policy?: RoutePolicy,
  extra?: Partial<RequestInput>,
): Promise<Decision> {
  return guard.route(policy)(bearerRequest(token, extra))
}

/** The refusal reason of a decision, `'ok'`, or `'preflight'`. */
export async function outcome(decision: MaybePromise<Decision>): Promise<string> {
  const result = await decision
  return result.ok ? 'ok' : 'preflight' in result ? 'preflight' : result.reason
}

/**
 * Runs `use` with a server that serves `keys()` as a JWKS at `${origin}/jwks.json` (no
 * discovery documents), and stops it afterwards, also when `use` fails.
 */
export async function withJwksServer<T>(
  keys: () => unknown[],
  use: (server: JwksServer) => Promise<T>,
): Promise<T> {
  const server = await JwksServer.start({
    jwks: () => ({ keys: keys() }),
    metadata: () => ({}),
    cacheControl: () => undefined,
    discovery: () => 'none',
  })
  try {
    return await use(server)
  } finally {
    await server.close()
  }
}
