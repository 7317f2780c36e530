/**
 * Which URLs key material may be fetched from: https always; plain http only to a loopback
 * host (nothing off the machine can read or alter that traffic) unless `allowInsecureHttp`.
 */

/** Why a key URL is refused, or `undefined` when it may be fetched. */
export function keyUrlProblem(value: string, allowInsecureHttp: boolean): string | undefined {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return 'is not an absolute URL'
  }
  if (url.username || url.password) return 'must not carry credentials'
  if (url.protocol === 'https:') return undefined
  if (url.protocol !== 'http:') return 'must be an https URL'
  if (allowInsecureHttp || isLoopback(url.hostname)) return undefined
  return 'must be an https URL (plain http is accepted only for a loopback host, or with allowInsecureHttp: true)'
}

function isLoopback(hostname: string): boolean {
  return (
    hostname === 'localhost' ||
    hostname.endsWith('.localhost') ||
    hostname === '[::1]' ||
    /^127(\.\d{1,3}){3}$/.test(hostname)
  )
}
