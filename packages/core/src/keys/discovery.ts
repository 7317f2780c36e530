/**
 * Finds an issuer's `jwks_uri` from its metadata: OpenID Connect Discovery 1.0 §4
 * (`/.well-known/openid-configuration`), then RFC 8414 §3 (`/.well-known/oauth-authorization-server`).
 * The metadata's `issuer` must equal the configured one (RFC 8414 §3.3, the mix-up defence).
 */
import { fetchJson, FetchFailure } from './fetch-json.js'
import type { KeyEvent, KeyEventHandler } from './key-events.js'
import { RemoteJwks } from './remote-jwks.js'
import type { JwksCacheConfig } from './remote-jwks.js'
import { keyUrlProblem } from './url-policy.js'
import type { KeyLookup, KeySource } from './verify-key.js'

type FetchFailed = Extract<KeyEvent, { type: 'fetch_failed' }>

/** The key source for an issuer without `jwksUri`, `keys` or `secrets`. */
export class DiscoveredJwks implements KeySource {
  private jwks: RemoteJwks | undefined
  private inflight: Promise<void> | undefined
  private failedAt: number | undefined

  constructor(
    private readonly issuer: string,
    private readonly allowed: ReadonlySet<string>,
    private readonly cache: JwksCacheConfig,
    private readonly allowInsecureHttp: boolean,
    private readonly report: KeyEventHandler,
  ) {}

  lookup(alg: string, kid: string | undefined): KeyLookup | Promise<KeyLookup> {
    return this.jwks ? this.jwks.lookup(alg, kid) : this.discoverThenLookup(alg, kid)
  }

  private async discoverThenLookup(alg: string, kid: string | undefined): Promise<KeyLookup> {
    const now = performance.now() / 1000
    const waiting = this.failedAt !== undefined && now - this.failedAt < this.cache.retryInterval
    if (!waiting)
      await (this.inflight ??= this.discover().finally(() => (this.inflight = undefined)))
    if (!this.jwks) {
      const retryAfter =
        (this.failedAt ?? now) + this.cache.retryInterval - performance.now() / 1000
      return { reason: 'keys_unavailable', retryAfter }
    }
    return this.jwks.lookup(alg, kid)
  }

  generation(): number | undefined {
    return this.jwks?.generation()
  }

  private async discover(): Promise<void> {
    const failures: FetchFailed[] = []
    for (const uri of metadataUrls(this.issuer)) {
      const failure = await this.tryMetadata(uri)
      if (failure === undefined) return
      failures.push({ type: 'fetch_failed', issuer: this.issuer, uri, failure })
    }
    // Reported only when both locations fail: many servers publish just one of them.
    for (const failure of failures) this.report(failure)
    this.failedAt = performance.now() / 1000
  }

  private async tryMetadata(uri: string): Promise<FetchFailed['failure'] | undefined> {
    let json: unknown
    try {
      ;({ json } = await fetchJson(uri, this.cache.timeout))
    } catch (error) {
      return error instanceof FetchFailure ? error.kind : 'network'
    }
    const metadata = (typeof json === 'object' && json !== null ? json : {}) as Record<
      string,
      unknown
    >
    if (metadata.issuer !== this.issuer) return 'issuer_mismatch'
    const jwksUri = metadata.jwks_uri
    if (typeof jwksUri !== 'string' || keyUrlProblem(jwksUri, this.allowInsecureHttp))
      return 'bad_jwks_uri'
    this.jwks = new RemoteJwks(jwksUri, this.issuer, this.allowed, this.cache, this.report)
    return undefined
  }
}

/** The two metadata locations for an issuer, in the order they are tried. */
export function metadataUrls(issuer: string): [oidc: string, oauth: string] {
  const url = new URL(issuer)
  const path = url.pathname.replace(/\/$/, '')
  return [
    `${url.origin}${path}/.well-known/openid-configuration`,
    // RFC 8414 §3.1 inserts the well-known segment between the host and the issuer's path.
    `${url.origin}/.well-known/oauth-authorization-server${path}`,
  ]
}
