/** Protected resource metadata (RFC 9728): the document, served alike by the three adapters. */
import type { Case } from '../case.js'

const RESOURCE = 'https://api.example.test/api'
const PATH = '/.well-known/oauth-protected-resource/api'
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
    name: 'still guards the paths beside it',
    app,
    mount: 'app',
    token: null,
    send: { path: `${PATH}/more` },
    expect: { status: 401, reason: 'missing_token', challenge: /^Bearer realm="api"/ },
  },
]
