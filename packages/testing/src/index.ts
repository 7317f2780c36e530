/**
 * @bearer-guard/testing: a real local issuer for tests and demos. It serves its JWKS and
 * discovery documents over HTTP on 127.0.0.1 and mints tokens, valid or broken on request.
 */
export { createIssuer } from './issuer.js'
export type { LocalIssuer, LocalIssuerOptions } from './issuer.js'
export { mintToken, encode, resolveClaims } from './mint.js'
export type { MintAlg, MintClaims, MintContext, MintOptions } from './mint.js'
export { generateSecret, generateSigningKey, secretThumbprint } from './keys.js'
export type { SigningAlg, SigningKey } from './keys.js'
export { JwksServer, JWKS_PATH, OAUTH_PATH, OPENID_PATH } from './jwks-server.js'
export type { Documents, Endpoint, Fault, Hits } from './jwks-server.js'
export { signatureVariants } from './signature-variants.js'
export { rawRequest } from './raw-request.js'
export type { RawResponse } from './raw-request.js'
export { listen, runDemo } from './demo.js'
export type { DemoOptions, DemoServer } from './demo.js'
export { accessTokenHash, dpopProof, generateDpopKey, jwkThumbprint } from './dpop.js'
export type { DpopKey, ProofSpec } from './dpop.js'
