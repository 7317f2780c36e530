/** Refuses unknown option names, suggesting the intended one: nothing is ever silently ignored. */
import { invalidOption } from './errors.js'

// Names people reach for out of habit (jsonwebtoken, express-jwt, jose, OIDC metadata).
const ALIASES: Record<string, string> = {
  aud: 'audience',
  audiences: 'audience',
  iss: 'issuer',
  issuerBaseURL: 'issuer',
  jwks: 'jwksUri',
  jwksUrl: 'jwksUri',
  jwks_uri: 'jwksUri',
  jwksURI: 'jwksUri',
  secret: 'secrets',
  key: 'keys',
  algorithm: 'algorithms',
  algs: 'algorithms',
  scopes: 'scope',
  tolerance: 'clockTolerance',
  clockSkew: 'clockTolerance',
  maxTokenAgeSeconds: 'maxTokenAge',
}

/**
 * Throws for the first key of `value` not in `known`, naming it and the likely intended key.
 *
 * @param option - the path of `value` itself (`''` at the top level, `'issuers[0]'`, `'policy'`)
 */
export function checkKnownKeys(value: object, known: readonly string[], option: string): void {
  for (const key of Object.keys(value)) {
    if (known.includes(key)) continue
    const suggestion = suggest(key, known)
    invalidOption(
      option ? `${option}.${key}` : key,
      `is not an option${suggestion ? `; did you mean "${suggestion}"?` : ''} (known: ${known.join(', ')})`,
    )
  }
}

function suggest(key: string, known: readonly string[]): string | undefined {
  const alias = Object.hasOwn(ALIASES, key) ? ALIASES[key] : undefined
  if (alias && known.includes(alias)) return alias
  const lower = key.toLowerCase()
  return (
    known.find((name) => name.toLowerCase() === lower) ??
    known.find((name) => distance(name.toLowerCase(), lower) <= 2)
  )
}

/** Levenshtein distance, for short option names only. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        previous[j]! + 1,
        current[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      )
    }
    previous = current
  }
  return previous[b.length]!
}
