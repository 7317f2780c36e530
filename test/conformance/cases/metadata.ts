/** Protected resource metadata (RFC 9728): the document, served alike by the three adapters. */
import type { Case } from '../case.js'

const RESOURCE = 'https://api.example.test/api'
const PATH = '/.well-known/oauth-protected-resource/api'
const URL = `https://api.example.test${PATH}`
const app = {
  resource: RESOURCE,
  resourceMetadata: {
    authorization_servers: ['https://as.example.test'],
    scopes_supported: ['orders:read'],
  },
  dpop: false as const,
}
const DOCUMENT = {
  resource: RESOURCE,
  authorization_servers: ['https://as.example.test'],
  bearer_methods_supported: ['header'],
  scopes_supported: ['orders:read'],
}
const served = (name: string, method: Case['send'] & object, expect: Case['expect']): Case => ({
  name,
  app,
  mount: 'app',
  token: null,
  send: method,
  expect,
})

export const metadataCases: Case[] = [
  served(
    'serves the metadata document to GET, unauthenticated, for any origin',
    { method: 'GET', path: PATH },
    {
      status: 200,
      body: DOCUMENT,
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'access-control-allow-origin': '*',
        'www-authenticate': undefined,
      },
    },
  ),
  served(
    'serves it whatever the query, and to HEAD without a body',
    { method: 'HEAD', path: `${PATH}?probe=1` },
    { status: 200, body: '', headers: { 'content-type': 'application/json; charset=utf-8' } },
  ),
  served(
    'answers a preflight for it',
    { method: 'OPTIONS', path: PATH, headers: [['Access-Control-Request-Method', 'GET']] },
    {
      status: 204,
      body: '',
      headers: {
        'access-control-allow-origin': '*',
        'access-control-allow-methods': 'GET, HEAD, OPTIONS',
      },
    },
  ),
  served(
    'refuses other methods with 405',
    { method: 'DELETE', path: PATH },
    {
      status: 405,
      body: { error: 'method_not_allowed' },
      headers: { allow: 'GET, HEAD, OPTIONS' },
    },
  ),
  served(
    'serves it with a forged token too, never guarding it',
    { method: 'GET', path: PATH, authorization: () => ['Bearer forged.token.here'] },
    { status: 200, body: DOCUMENT },
  ),
  {
    name: 'names the document and the route scope in the challenge without a token',
    app,
    route: { scope: 'orders:read' },
    token: null,
    expect: {
      status: 401,
      reason: 'missing_token',
      challenge: `Bearer realm="api", scope="orders:read", resource_metadata="${URL}"`,
    },
  },
  {
    name: 'names the document and the route scope in a token error',
    app,
    route: { anyScope: ['orders:read', 'orders:admin'] },
    token: { claims: { exp: '-1m' } },
    expect: {
      status: 401,
      reason: 'expired',
      challenge: new RegExp(
        `^Bearer realm="api", error="invalid_token", error_description="[^"]+", scope="orders:read orders:admin", resource_metadata="${URL.replaceAll('.', '\\.')}"$`,
      ),
    },
  },
  {
    name: 'names the document and the missing scope on a 403',
    app,
    route: { scope: 'orders:write' },
    token: { claims: { scope: 'orders:read' } },
    expect: {
      status: 403,
      reason: 'insufficient_scope',
      challenge: new RegExp(
        `^Bearer realm="api", error="insufficient_scope", error_description="[^"]+", scope="orders:write", resource_metadata="${URL.replaceAll('.', '\\.')}"$`,
      ),
    },
  },
  {
    name: 'names the document on the DPoP challenge too',
    app: { ...app, dpop: 'allowed' },
    route: { scope: 'orders:read' },
    token: null,
    expect: {
      status: 401,
      reason: 'missing_token',
      challenge: new RegExp(
        `^Bearer realm="api", scope="orders:read", resource_metadata="[^"]+", DPoP scope="orders:read", resource_metadata="[^"]+", algs="[^"]+"$`,
      ),
    },
  },
  {
    name: 'adds no resource_metadata to a 400 or a 503',
    app,
    send: { query: (token) => `access_token=${token}` },
    expect: {
      status: 400,
      reason: 'token_in_query',
      challenge: /^Bearer realm="api", error="invalid_request", error_description="[^"]+"$/,
    },
  },
  {
    name: 'still guards the paths beside it',
    app,
    mount: 'app',
    token: null,
    send: { path: `${PATH}/more` },
    expect: { status: 401, reason: 'missing_token', challenge: /^Bearer realm="api"/ },
  },
]
