/**
 * OAuth 2.0 Protected Resource Metadata (RFC 9728): the document that tells a client which
 * authorization servers issue tokens for this API and how to present them, built once from the
 * options, and its answers (GET, HEAD, OPTIONS, anything else) ready for adapters to send.
 */
import type { DpopConfig } from './dpop/options.js'
import { invalidOption } from './errors.js'
import type { HttpResponse } from './http.js'
import { scopeList } from './policy/scope.js'

/** What `resourceMetadata` accepts: `true`, or members of the document. */
export type ResourceMetadataOption =
  | true
  | {
      /** Default: the configured issuers. */
      authorization_servers?: string[]
      scopes_supported?: string[]
      resource_name?: string
      resource_documentation?: string
      /** Any other RFC 9728 member, passed through as given. */
      [member: string]: unknown
    }

/** The served document: where, and its answer to each method. */
export interface ResourceMetadata {
  /** The path it is served at: `/.well-known/oauth-protected-resource` + the path of `resource`. */
  readonly path: string
  /** Its absolute URL, for `resource_metadata="…"` in challenges. */
  readonly url: string
  /** The response to a request for it with `method`. */
  answer(method: string): HttpResponse
}

const WELL_KNOWN = '/.well-known/oauth-protected-resource'
// Members the guard decides itself: a value given for one would contradict what it enforces.
const DERIVED = [
  'resource',
  'bearer_methods_supported',
  'dpop_signing_alg_values_supported',
  'dpop_bound_access_tokens_required',
  'tls_client_certificate_bound_access_tokens',
]
const ALLOWED_METHODS = 'GET, HEAD, OPTIONS'

/**
 * Validates `resourceMetadata` and builds the document.
 *
 * @param issuers - the configured issuers, the default `authorization_servers`
 * @param dpop - the app-level DPoP rules, advertised when on
 * @throws BearerGuardError naming `resourceMetadata` or the member that is wrong
 */
export function resourceMetadata(
  value: unknown,
  resource: string | undefined,
  issuers: readonly string[],
  dpop: DpopConfig | false,
): ResourceMetadata | undefined {
  if (value === undefined || value === false) return undefined
  if (value !== true && (typeof value !== 'object' || value === null || Array.isArray(value)))
    return invalidOption('resourceMetadata', 'must be true or an object of RFC 9728 members')
  if (resource === undefined)
    return invalidOption('resourceMetadata', 'needs `resource`: the document describes it')
  const url = new URL(resource)
  // The document is served at a path every router matches as written: one with a query, or
  // percent-encodings and route-pattern characters routers read otherwise, would not be.
  if (url.search !== '')
    invalidOption(
      'resourceMetadata',
      'needs a `resource` without a query (its document path has none)',
    )
  if (!/^[A-Za-z0-9\-._~/!$&'()+,;=@]*$/.test(url.pathname))
    invalidOption(
      'resourceMetadata',
      'needs a `resource` whose path has only plain URI characters (no percent-encoding, `:` or `*`)',
    )
  const given = value === true ? {} : (value as Record<string, unknown>)
  for (const member of DERIVED)
    if (given[member] !== undefined)
      invalidOption(`resourceMetadata.${member}`, 'is set by the guard from its own options')
  const document: Record<string, unknown> = {
    resource,
    authorization_servers: urlList(
      given.authorization_servers ?? issuers,
      'resourceMetadata.authorization_servers',
    ),
    bearer_methods_supported: ['header'],
  }
  for (const [member, content] of Object.entries(given)) {
    if (member === 'authorization_servers' || content === undefined) continue
    const option = `resourceMetadata.${member}`
    document[member] = Object.hasOwn(CHECKS, member)
      ? CHECKS[member]!(content, option)
      : passThrough(content, option)
  }
  if (dpop) {
    document.dpop_signing_alg_values_supported = [...dpop.algorithms]
    document.dpop_bound_access_tokens_required = dpop.mode === 'required'
  }
  for (const [member, content] of Object.entries(document))
    if (Array.isArray(content) && content.length === 0) delete document[member]
  const path = `${WELL_KNOWN}${url.pathname === '/' ? '' : url.pathname}`
  return { path, url: `${url.origin}${path}`, answer: answers(JSON.stringify(document)) }
}

const CHECKS: Readonly<Record<string, (value: unknown, member: string) => unknown>> = {
  scopes_supported: (value, member) =>
    Array.isArray(value) && value.length === 0 ? [] : scopeList(stringArray(value, member), member),
  resource_name: (value, member) => text(value, member),
  resource_documentation: (value, member) => urlList([value], member)[0],
  resource_policy_uri: (value, member) => urlList([value], member)[0],
  resource_tos_uri: (value, member) => urlList([value], member)[0],
}

function answers(json: string): (method: string) => HttpResponse {
  const cors = { 'Access-Control-Allow-Origin': '*' }
  const document: HttpResponse = Object.freeze({
    status: 200,
    headers: Object.freeze({
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': String(Buffer.byteLength(json)),
      'Cache-Control': 'public, max-age=300',
      ...cors,
    }),
    body: json,
  })
  // HEAD answers with the document too: the framework sends its headers (Content-Length
  // included) and drops the body, so the three agree.
  const head = document
  // A browser client's preflight: the document needs no credentials, so any header may come.
  const preflight: HttpResponse = Object.freeze({
    status: 204,
    headers: Object.freeze({
      ...cors,
      'Access-Control-Allow-Methods': ALLOWED_METHODS,
      'Access-Control-Allow-Headers': '*',
      'Access-Control-Max-Age': '86400',
    }),
    body: '',
  })
  const refused: HttpResponse = Object.freeze({
    status: 405,
    headers: Object.freeze({
      'Content-Type': 'application/json; charset=utf-8',
      Allow: ALLOWED_METHODS,
      ...cors,
    }),
    body: JSON.stringify({ error: 'method_not_allowed' }),
  })
  return (method) => {
    switch (method.toUpperCase()) {
      case 'GET':
        return document
      case 'HEAD':
        return head
      case 'OPTIONS':
        return preflight
      default:
        return refused
    }
  }
}

function urlList(value: unknown, option: string): string[] {
  const list = stringArray(value, option)
  for (const entry of list)
    if (!URL.canParse(entry) || !/^https?:$/.test(new URL(entry).protocol))
      invalidOption(option, `holds ${JSON.stringify(entry)}, which is not an http(s) URL`)
  return list
}

function stringArray(value: unknown, option: string): string[] {
  if (!Array.isArray(value) || value.some((entry) => typeof entry !== 'string' || entry === ''))
    return invalidOption(option, 'must be an array of non-empty strings')
  return [...value]
}

function text(value: unknown, option: string): string {
  if (typeof value !== 'string' || value === '')
    return invalidOption(option, 'must be a non-empty string')
  return value
}

/** Another member, kept as JSON would carry it: a value JSON cannot spell is refused. */
function passThrough(value: unknown, option: string): unknown {
  let json: string | undefined
  try {
    json = JSON.stringify(value)
  } catch {
    json = undefined
  }
  if (json === undefined) invalidOption(option, 'must be a JSON value')
  return JSON.parse(json as string)
}
