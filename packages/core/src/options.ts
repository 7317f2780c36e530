/**
 * The options of `requireJwt` / the Fastify plugin, validated once at construction into a
 * `GuardConfig`. Every problem throws a `BearerGuardError` naming the option.
 */
import type { JWK } from 'jose'
import { parseDuration } from './duration.js'
import { invalidOption } from './errors.js'
import { stringList } from './string-list.js'
import type { DecisionHandler } from './events.js'
import { isolated } from './hooks.js'
import type { ResponseConfig } from './http.js'
import { checkKnownKeys } from './known-keys.js'
import {
  ASYMMETRIC_ALGORITHMS,
  HMAC_ALGORITHMS,
  isAlgorithm,
  isHmac,
  withEdDsaNames,
} from './keys/algorithms.js'
import { DiscoveredJwks } from './keys/discovery.js'
import { warnOnKeyProblems } from './keys/key-events.js'
import type { KeyEventHandler } from './keys/key-events.js'
import { localKeys } from './keys/local-keys.js'
import { JWKS_CACHE_DEFAULTS, RemoteJwks } from './keys/remote-jwks.js'
import type { JwksCacheConfig } from './keys/remote-jwks.js'
import { hmacSecrets } from './keys/secrets.js'
import { keyUrlProblem } from './keys/url-policy.js'
import type { KeySource } from './keys/verify-key.js'
import type { HtuBase } from './dpop/htu.js'
import { DEFAULT_DPOP } from './dpop/options.js'
import { resourceMetadata } from './resource-metadata.js'
import type { ResourceMetadata, ResourceMetadataOption } from './resource-metadata.js'
import { noteClockTolerance } from './dpop/window.js'
import { compilePolicy, POLICY_KEYS } from './policy/policy.js'
import type { PolicyConfig, RoutePolicy } from './policy/policy.js'
import { memoryStore } from './store/memory-store.js'
import { guardedStore, isStore } from './store/store.js'
import type { Store } from './store/store.js'
import { tokenCache } from './verify/token-cache.js'
import type { TokenCacheOptions } from './verify/token-cache.js'
import { typRule } from './verify/typ.js'
import type { IssuerConfig, VerifyConfig } from './verify/verify-token.js'

/** One trusted issuer of `issuers`, with its own key source and rules. */
export interface IssuerOptions {
  /** Exact `iss` value. */
  issuer: string
  /** Defaults to the top-level `audience`. */
  audience?: string | string[]
  /** Exactly one key source: `jwksUri`, `keys` or `secrets`; none means discovery from `issuer`. */
  jwksUri?: string
  keys?: JWK[] | { keys: JWK[] }
  secrets?: (string | Uint8Array)[]
  /** Defaults to the top-level `algorithms`, else to what the key source can verify. */
  algorithms?: string[]
  /** Defaults to the top-level `typ`. */
  typ?: string | string[] | false
}

/** Remote JWKS caching; durations in seconds or strings like `'10m'`. */
export interface JwksCacheOptions {
  /** Key set freshness without `Cache-Control: max-age` (default 10 minutes). */
  ttl?: number | string
  /** Bounds for a provider's `max-age` (defaults 1 minute and 1 day). */
  minTtl?: number | string
  maxTtl?: number | string
  /** Least time between fetches caused by unknown `kid`s (default 30 seconds). */
  cooldown?: number | string
  /** Time allowed for one fetch (default 5 seconds). */
  timeout?: number | string
  /** How long past expiry the last good keys serve while the provider fails (default 1 hour). */
  staleGrace?: number | string
  /** Wait after a failed fetch before the next try; meanwhile requests get 503 (default 5 seconds). */
  retryInterval?: number | string
}

/** Options of a guard: one shape for every adapter (packages/core/README.md, "Options"). */
export interface GuardOptions extends RoutePolicy {
  /**
   * This API's public identifier (RFC 8707, RFC 9728): https, or http to a loopback host. It is
   * the default `audience`, and its origin is what DPoP proofs' `htu` must name.
   */
  resource?: string
  /** Serve RFC 9728 protected resource metadata for `resource` (members to add, or `true`). */
  resourceMetadata?: ResourceMetadataOption
  /** Exact `iss` value(s). Required unless `issuers` is given. */
  issuer?: string | string[]
  /** JWKS URL; without it (and without `keys`/`secrets`) keys are discovered from `issuer`. */
  jwksUri?: string
  /** Local public keys instead of a remote JWKS. */
  keys?: JWK[] | { keys: JWK[] }
  /** HMAC secrets, current first; each at least 32 bytes. */
  secrets?: (string | Uint8Array)[]
  /** Allow-list; the token header never widens it. Defaults by key source (packages/core/README.md). */
  algorithms?: string[]
  /** Accepted `typ` header values; default: absent, `JWT`, `at+jwt`, `application/at+jwt`. */
  typ?: string | string[] | false
  /** Clock skew forgiven on `exp`, `nbf` and a future `iat`: seconds or `'5s'` (default 5). */
  clockTolerance?: number | string
  /** `now - iat` limit on every route: seconds or `'1h'`. */
  maxTokenAge?: number | string
  /** Several issuers, each with its own keys, audience and algorithms. */
  issuers?: IssuerOptions[]
  /** `'hide'` leaves out `Auth-Reason` and words every token failure the same (default `'expose'`). */
  reasons?: 'expose' | 'hide'
  /** `realm` of the `WWW-Authenticate` challenge (default `'api'`). */
  realm?: string
  /** Called once per gate decision; never receives the token. */
  onDecision?: DecisionHandler
  /** Key-source events: fetches, failures, ignored keys, stale-key use (default: warnings only). */
  onKeyEvent?: KeyEventHandler
  /** Allow plain-http key URLs to hosts other than loopback. For development only. */
  allowInsecureHttp?: boolean
  /** Remote JWKS caching. */
  jwksCache?: JwksCacheOptions
  /** Where use counts and revocations live (default: a `memoryStore()` per guard). */
  store?: Store
  /** A store call slower than this fails the request with 503 (default 1 second). */
  storeTimeout?: number | string
  /** Reuse verifications of repeated tokens (default `{ max: 10000 }`); `false` turns it off. */
  tokenCache?: TokenCacheOptions | false
}

/** Validated, normalized options. */
export interface GuardConfig extends VerifyConfig, ResponseConfig {
  /** The app-level route policy, applied on every route. */
  readonly policy: PolicyConfig
  readonly onDecision: DecisionHandler | undefined
  /** The store, wrapped so that any failure or timeout surfaces as `StoreUnavailable`. */
  readonly store: Store
  /** What DPoP proofs' `htu` is compared against: `resource`'s origin, else the request's. */
  readonly htuBase: HtuBase
  /** The protected resource metadata document, when `resourceMetadata` is set. */
  readonly metadata: ResourceMetadata | undefined
  readonly resourceMetadataUrl: string | undefined
}

const KEY_SOURCES = ['jwksUri', 'keys', 'secrets'] as const
const ISSUER_KEYS = ['issuer', 'audience', ...KEY_SOURCES, 'algorithms', 'typ'] as const
const GUARD_KEYS = [
  ...ISSUER_KEYS,
  'resource',
  'resourceMetadata',
  'clockTolerance',
  'maxTokenAge',
  'issuers',
  'reasons',
  'realm',
  'onDecision',
  'onKeyEvent',
  'allowInsecureHttp',
  'jwksCache',
  'store',
  'storeTimeout',
  'tokenCache',
  ...POLICY_KEYS.filter((key) => key !== 'audience'),
] as const
const JWKS_CACHE_KEYS = Object.keys(JWKS_CACHE_DEFAULTS)
// RFC 7235 §2.1 quoted-string content without `"` and `\`, so it needs no escaping.
const REALM = /^[\x20\x21\x23-\x5b\x5d-\x7e]{1,200}$/

interface SourceSettings {
  readonly cache: JwksCacheConfig
  readonly allowInsecureHttp: boolean
  readonly report: KeyEventHandler
}

/**
 * Validates guard options.
 *
 * @throws BearerGuardError naming the first bad option
 */
export function guardConfig(options: GuardOptions): GuardConfig {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    return invalidOption('options', 'must be an object')
  }
  checkKnownKeys(options, GUARD_KEYS, '')
  const settings: SourceSettings = {
    cache: jwksCacheConfig(options.jwksCache),
    allowInsecureHttp: optionalBoolean(options.allowInsecureHttp, 'allowInsecureHttp'),
    report: isolated(
      'onKeyEvent',
      optionalFunction(options.onKeyEvent, 'onKeyEvent') ?? warnOnKeyProblems,
    ),
  }
  const resource = resourceOption(options.resource, settings.allowInsecureHttp)
  const issuers = new Map<string, IssuerConfig>()
  const withAudience =
    resource !== undefined && options.audience === undefined
      ? { ...options, audience: [resource] }
      : options
  for (const issuer of trustedIssuers(withAudience, settings)) issuers.set(issuer.issuer, issuer)
  const { audience: _appAudience, ...policy } = pickPolicy(options)
  const clockTolerance =
    options.clockTolerance === undefined
      ? 5
      : parseDuration(options.clockTolerance, 'clockTolerance')
  noteClockTolerance(clockTolerance)
  const appPolicy = compilePolicy(policy, '')
  const metadata = resourceMetadata(
    options.resourceMetadata,
    resource,
    [...issuers.keys()],
    appPolicy.dpop ?? DEFAULT_DPOP,
  )
  return {
    issuers,
    clockTolerance,
    maxTokenAge:
      options.maxTokenAge === undefined
        ? undefined
        : parseDuration(options.maxTokenAge, 'maxTokenAge'),
    reasons: oneOf(options.reasons, ['expose', 'hide'], 'reasons') ?? 'expose',
    realm: realm(options.realm),
    policy: appPolicy,
    onDecision: onDecision(options.onDecision),
    tokenCache: tokenCache(options.tokenCache),
    store: guardedStore(
      store(options.store),
      options.storeTimeout === undefined ? 1 : parseDuration(options.storeTimeout, 'storeTimeout'),
    ),
    htuBase: resource === undefined ? { fromRequest: true } : { origin: new URL(resource).origin },
    metadata,
    resourceMetadataUrl: metadata?.url,
  }
}

/**
 * Validates `resource`: an absolute https URL (http only to a loopback host, or with
 * `allowInsecureHttp`), without fragment or credentials, kept exactly as given.
 */
function resourceOption(value: unknown, allowInsecureHttp: boolean): string | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'string') return invalidOption('resource', 'must be a URL string')
  const problem = keyUrlProblem(value, allowInsecureHttp)
  if (problem) invalidOption('resource', problem)
  if (value.includes('#')) invalidOption('resource', 'must not have a fragment (RFC 8707 §2)')
  // Only URI characters (RFC 3986 §2): a backslash, a quote, a space or a control character
  // would change what parsers read, and the URL is quoted into challenges.
  if (!/^[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]+$/.test(value))
    invalidOption('resource', 'must hold only URI characters (RFC 3986 §2)')
  return value
}

function trustedIssuers(options: GuardOptions, settings: SourceSettings): IssuerConfig[] {
  if (options.issuers === undefined) return issuerConfigs(options, {}, '', settings)
  const present = (['issuer', ...KEY_SOURCES] as const).find((key) => options[key] !== undefined)
  if (present)
    invalidOption(present, 'cannot be combined with `issuers`; put it in an `issuers` entry')
  if (!Array.isArray(options.issuers) || options.issuers.length === 0) {
    return invalidOption('issuers', 'must be a non-empty array of issuer options')
  }
  const seen = new Set<string>()
  return options.issuers.flatMap((entry, i) => {
    const option = `issuers[${i}]`
    if (typeof entry !== 'object' || entry === null)
      return invalidOption(option, 'must be an object')
    checkKnownKeys(entry, ISSUER_KEYS, option)
    if (typeof entry.issuer !== 'string') invalidOption(`${option}.issuer`, 'must be a string')
    if (seen.has(entry.issuer))
      invalidOption(`${option}.issuer`, 'repeats an issuer listed before it')
    seen.add(entry.issuer)
    return issuerConfigs(entry, options, `${option}.`, settings)
  })
}

/** The configs of one entry: one per issuer name, sharing an explicit key source. */
function issuerConfigs(
  entry: Omit<IssuerOptions, 'issuer'> & { issuer?: string | string[] },
  inherited: Pick<GuardOptions, 'audience' | 'algorithms' | 'typ'>,
  prefix: string,
  settings: SourceSettings,
): IssuerConfig[] {
  const names = issuerNames(entry.issuer, `${prefix}issuer`)
  const audience = entryAudience(entry, inherited, prefix)
  const typ =
    entry.typ === undefined ? typRule(inherited.typ, 'typ') : typRule(entry.typ, `${prefix}typ`)
  const kind = keySourceKind(entry, prefix)
  const algorithmsOption = entry.algorithms === undefined ? 'algorithms' : `${prefix}algorithms`
  const allowed = algorithmSet(
    entry.algorithms !== undefined ? entry.algorithms : inherited.algorithms,
    kind === 'secrets',
    algorithmsOption,
  )
  return keySources(entry, kind, names, allowed, prefix, settings).map(
    ({ issuer, keys, algorithms }) => ({ issuer, audience, algorithms, typ, keys }),
  )
}

/** The entry's audience, or the app-level one; one of them is required. */
function entryAudience(
  entry: Pick<IssuerOptions, 'audience'>,
  inherited: Pick<GuardOptions, 'audience'>,
  prefix: string,
): string[] {
  const option = entry.audience === undefined ? 'audience' : `${prefix}audience`
  // Only undefined means "not given": null is a value, and a wrong one.
  const value = entry.audience !== undefined ? entry.audience : inherited.audience
  if (value === undefined) {
    invalidOption(
      option,
      'is required: without it a token minted for any other API would be accepted (RFC 8725 §3.9)',
    )
  }
  return stringList(value, option)
}

type KeySourceKind = (typeof KEY_SOURCES)[number] | undefined

/** Which key source the entry names: at most one of them; none means discovery. */
function keySourceKind(entry: Partial<Record<string, unknown>>, prefix: string): KeySourceKind {
  const sources = KEY_SOURCES.filter((key) => entry[key] !== undefined)
  if (sources.length > 1) {
    invalidOption(
      `${prefix}${sources[1]}`,
      `cannot be combined with ${sources[0]}: give exactly one key source`,
    )
  }
  return sources[0]
}

/** Each issuer name with its key source and the algorithms that source can verify. */
function keySources(
  entry: Omit<IssuerOptions, 'issuer'>,
  kind: KeySourceKind,
  names: readonly string[],
  allowed: ReadonlySet<string>,
  prefix: string,
  settings: SourceSettings,
): { issuer: string; keys: KeySource; algorithms: ReadonlySet<string> }[] {
  const shared = (keys: KeySource, algorithms: ReadonlySet<string>) =>
    names.map((issuer) => ({ issuer, keys, algorithms }))
  if (kind === 'keys') {
    const local = localKeys(entry.keys, allowed, `${prefix}keys`)
    return shared(local.source, local.algorithms)
  }
  if (kind === 'secrets') {
    const secrets = hmacSecrets(entry.secrets, allowed, `${prefix}secrets`)
    return shared(secrets.source, secrets.algorithms)
  }
  if (kind === 'jwksUri') {
    const uri = keyUrl(entry.jwksUri, `${prefix}jwksUri`, settings)
    const remote = new RemoteJwks(uri, names.join(' '), allowed, settings.cache, settings.report)
    return shared(remote, allowed)
  }
  // Discovery: each issuer name has its own metadata, hence its own key source.
  return names.map((issuer) => {
    keyUrl(
      issuer,
      `${prefix}issuer`,
      settings,
      ' (needed to discover its keys; or set jwksUri, keys or secrets)',
    )
    const keys = new DiscoveredJwks(
      issuer,
      allowed,
      settings.cache,
      settings.allowInsecureHttp,
      settings.report,
    )
    return { issuer, keys, algorithms: allowed }
  })
}

function issuerNames(value: unknown, option: string): string[] {
  if (value === undefined)
    return invalidOption(option, 'is required: the exact `iss` value tokens must carry')
  return stringList(value, option)
}

function algorithmSet(value: unknown, forSecrets: boolean, option: string): Set<string> {
  if (value === undefined) return new Set(forSecrets ? HMAC_ALGORITHMS : ASYMMETRIC_ALGORITHMS)
  if (!Array.isArray(value) || value.length === 0)
    return invalidOption(option, 'must be a non-empty array of algorithm names')
  for (const alg of value) {
    if (!isAlgorithm(alg)) {
      invalidOption(
        option,
        `holds ${JSON.stringify(alg)}, which is not an algorithm bearer-guard verifies${String(alg).toLowerCase() === 'none' ? ' (unsigned tokens are never accepted)' : ''}`,
      )
    }
    if (isHmac(alg) !== forSecrets) {
      invalidOption(
        option,
        forSecrets
          ? `holds ${alg}, which cannot be verified with secrets; list HS256, HS384 or HS512`
          : `holds ${alg}: an HMAC algorithm is never tried with a public key (RFC 8725 §3.1); use \`secrets\``,
      )
    }
  }
  return withEdDsaNames(value as string[])
}

function keyUrl(value: unknown, option: string, settings: SourceSettings, hint = ''): string {
  if (typeof value !== 'string') return invalidOption(option, 'must be a URL string')
  const problem = keyUrlProblem(value, settings.allowInsecureHttp)
  return problem ? invalidOption(option, problem + hint) : value
}

function jwksCacheConfig(value: unknown): JwksCacheConfig {
  if (value === undefined) return JWKS_CACHE_DEFAULTS
  if (typeof value !== 'object' || value === null)
    return invalidOption('jwksCache', 'must be an object')
  checkKnownKeys(value, JWKS_CACHE_KEYS, 'jwksCache')
  const config: Record<string, number> = { ...JWKS_CACHE_DEFAULTS }
  for (const [key, duration] of Object.entries(value)) {
    if (duration !== undefined) config[key] = parseDuration(duration, `jwksCache.${key}`)
  }
  if (config.timeout! <= 0) invalidOption('jwksCache.timeout', 'must be greater than zero')
  if (config.minTtl! > config.maxTtl!)
    invalidOption('jwksCache.minTtl', 'must not exceed jwksCache.maxTtl')
  return config as unknown as JwksCacheConfig
}

function store(value: unknown): Store {
  if (value === undefined) return memoryStore()
  return isStore(value)
    ? value
    : invalidOption(
        'store',
        'must implement countUse, revoke and isRevoked (see the Store interface)',
      )
}

function pickPolicy(options: GuardOptions): RoutePolicy {
  const policy: Record<string, unknown> = {}
  for (const key of POLICY_KEYS) if (options[key] !== undefined) policy[key] = options[key]
  return policy
}

function realm(value: unknown): string {
  if (value === undefined) return 'api'
  if (typeof value !== 'string' || !REALM.test(value)) {
    return invalidOption('realm', 'must be 1 to 200 printable ASCII characters without `"` or `\\`')
  }
  return value
}

function oneOf<T extends string>(
  value: unknown,
  allowed: readonly T[],
  option: string,
): T | undefined {
  if (value === undefined || allowed.includes(value as T)) return value as T | undefined
  return invalidOption(option, `must be one of ${allowed.map((item) => `'${item}'`).join(', ')}`)
}

function optionalBoolean(value: unknown, option: string): boolean {
  if (value === undefined || typeof value === 'boolean') return value === true
  return invalidOption(option, 'must be a boolean')
}

function onDecision(value: unknown): DecisionHandler | undefined {
  const handler = optionalFunction(value as DecisionHandler | undefined, 'onDecision')
  return handler && isolated('onDecision', handler)
}

function optionalFunction<T>(value: T | undefined, option: string): T | undefined {
  if (value === undefined || typeof value === 'function') return value
  return invalidOption(option, 'must be a function')
}
