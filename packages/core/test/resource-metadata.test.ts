import { describe, expect, it } from 'vitest'
import { createGuard } from '../src/guard.js'
import type { GuardOptions } from '../src/options.js'

const ISSUER = 'https://id.example.test/'
const keys = [
  {
    kty: 'EC',
    crv: 'P-256',
    x: 'l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs',
    y: '9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA',
  },
]
const make = (options: Partial<GuardOptions>) => createGuard({ issuer: ISSUER, keys, ...options })
const documentOf = (options: Partial<GuardOptions>) =>
  JSON.parse(make(options).metadata!.answer('GET').body) as Record<string, unknown>

describe('protected resource metadata (RFC 9728)', () => {
  it('inserts the well-known path between the origin and the path of resource (§3.1)', () => {
    const at = (resource: string) => make({ resource, resourceMetadata: true }).metadata!
    expect(at('https://api.example.test/mcp')).toMatchObject({
      path: '/.well-known/oauth-protected-resource/mcp',
      url: 'https://api.example.test/.well-known/oauth-protected-resource/mcp',
    })
    expect(at('https://api.example.test').path).toBe('/.well-known/oauth-protected-resource')
    expect(at('https://api.example.test/').path).toBe('/.well-known/oauth-protected-resource')
    expect(at('https://api.example.test:8443/a/b/').url).toBe(
      'https://api.example.test:8443/.well-known/oauth-protected-resource/a/b/',
    )
  })

  it('holds resource exactly as configured, the issuers, header only, and DPoP as configured', () => {
    expect(
      documentOf({ resource: 'https://api.example.test/mcp', resourceMetadata: true }),
    ).toEqual({
      resource: 'https://api.example.test/mcp',
      authorization_servers: [ISSUER],
      bearer_methods_supported: ['header'],
      dpop_signing_alg_values_supported: [
        'RS256',
        'RS384',
        'RS512',
        'PS256',
        'PS384',
        'PS512',
        'ES256',
        'ES384',
        'ES512',
        'EdDSA',
        'Ed25519',
      ],
      dpop_bound_access_tokens_required: false,
    })
    const required = documentOf({
      resource: 'https://api.example.test',
      dpop: { mode: 'required', algorithms: ['ES256'] },
      resourceMetadata: {
        authorization_servers: ['https://as.example.test'],
        scopes_supported: ['orders:read'],
        resource_name: 'Orders',
        resource_documentation: 'https://docs.example.test/orders',
        custom_member: { a: [1] },
      },
    })
    expect(required).toEqual({
      resource: 'https://api.example.test',
      authorization_servers: ['https://as.example.test'],
      bearer_methods_supported: ['header'],
      scopes_supported: ['orders:read'],
      resource_name: 'Orders',
      resource_documentation: 'https://docs.example.test/orders',
      custom_member: { a: [1] },
      dpop_signing_alg_values_supported: ['ES256'],
      dpop_bound_access_tokens_required: true,
    })
    const off = documentOf({
      resource: 'https://api.example.test',
      dpop: false,
      resourceMetadata: { scopes_supported: [] },
    })
    expect(off).toEqual({
      resource: 'https://api.example.test',
      authorization_servers: [ISSUER],
      bearer_methods_supported: ['header'],
    })
  })

  it('answers GET and HEAD with the document for anyone, OPTIONS as a preflight, and 405 otherwise', () => {
    const { answer } = make({
      resource: 'https://api.example.test',
      resourceMetadata: true,
    }).metadata!
    const get = answer('GET')
    expect(get).toMatchObject({
      status: 200,
      headers: {
        'Content-Type': 'application/json; charset=utf-8',
        'Access-Control-Allow-Origin': '*',
      },
    })
    // The framework drops a HEAD body after it has counted its length.
    expect(answer('head')).toEqual(get)
    expect(answer('OPTIONS')).toMatchObject({
      status: 204,
      headers: {
        'Access-Control-Allow-Origin': '*',
        'Access-Control-Allow-Methods': 'GET, HEAD, OPTIONS',
      },
    })
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH'])
      expect(answer(method)).toMatchObject({
        status: 405,
        headers: { Allow: 'GET, HEAD, OPTIONS' },
      })
  })

  it.each([
    [{ audience: 'https://api.example.test', resourceMetadata: true }, 'resourceMetadata'],
    [{ resource: 'https://api.example.test', resourceMetadata: 'yes' }, 'resourceMetadata'],
    [
      {
        resource: 'https://api.example.test',
        resourceMetadata: { resource: 'https://other.example' },
      },
      'resourceMetadata.resource',
    ],
    [
      {
        resource: 'https://api.example.test',
        resourceMetadata: { bearer_methods_supported: ['query'] },
      },
      'resourceMetadata.bearer_methods_supported',
    ],
    [
      {
        resource: 'https://api.example.test',
        resourceMetadata: { authorization_servers: ['not a url'] },
      },
      'resourceMetadata.authorization_servers',
    ],
    [
      {
        resource: 'https://api.example.test',
        resourceMetadata: { scopes_supported: 'orders:read' },
      },
      'resourceMetadata.scopes_supported',
    ],
    [
      { resource: 'https://api.example.test', resourceMetadata: { resource_name: 42 } },
      'resourceMetadata.resource_name',
    ],
    // An attack review: a document path with a query is never served, and one that needs
    // percent-encoding is routed by Fastify at its decoded form.
    [
      { resource: 'https://api.example.test/mcp?tenant=a', resourceMetadata: true },
      'resourceMetadata',
    ],
    [
      { resource: 'https://api.example.test/caf%C3%A9', resourceMetadata: true },
      'resourceMetadata',
    ],
    [{ resource: 'https://api.example.test/:id', resourceMetadata: true }, 'resourceMetadata'],
    // ...and a backslash in resource escaped the quote of resource_metadata="…".
    [{ resource: 'https://api.example.test/mcp?a\\' }, 'resource'],
    [{ resource: 'https://api.example.test/my api' }, 'resource'],
    [{ resource: 'https://api.example.test/mcp\r\nX: 1' }, 'resource'],
    [
      { resource: 'https://api.example.test', resourceMetadata: { scopes_supported: ['a"b'] } },
      'resourceMetadata.scopes_supported',
    ],
    [
      {
        resource: 'https://api.example.test',
        resourceMetadata: { resource_documentation: 'ftp://x' },
      },
      'resourceMetadata.resource_documentation',
    ],
    [
      { resource: 'https://api.example.test', resourceMetadata: { odd: () => 1 } },
      'resourceMetadata.odd',
    ],
  ] as [Partial<GuardOptions>, string][])('refuses %j naming %s', (options, option) => {
    expect(() => make(options)).toThrow(expect.objectContaining({ option }))
  })

  it('is absent without resourceMetadata', () => {
    expect(make({ resource: 'https://api.example.test' }).metadata).toBeUndefined()
  })
})
