/** One bounded HTTP GET of a JSON document (a JWKS or authorization server metadata). */

/** Why a fetch failed, as a short classification that is safe to log (never the server's text). */
export type FetchFailureKind =
  'timeout' | 'network' | 'status' | 'too_large' | 'not_json' | 'invalid'

/** A failed fetch. `message` names the URL and the kind, never the response body. */
export class FetchFailure extends Error {
  readonly kind: FetchFailureKind
  constructor(kind: FetchFailureKind, url: string, detail: string = kind) {
    super(`GET ${url} failed: ${detail}`)
    this.name = 'FetchFailure'
    this.kind = kind
  }
}

/** A fetched JSON document and the freshness its response declared. */
export interface FetchedJson {
  json: unknown
  /** `Cache-Control: max-age` in seconds, when the response gave one. */
  maxAge: number | undefined
}

/** Largest document accepted; a JWKS is a few kilobytes. */
const MAX_BYTES = 512 * 1024

/**
 * Fetches `url` and parses it as JSON. Fails on a timeout (which also bounds reading the body),
 * a network error, a redirect (it could lead off https), a non-200 status, a body over 512 KiB
 * or a body that is not JSON.
 *
 * @param timeout - seconds before the whole request is abandoned
 */
export async function fetchJson(url: string, timeout: number): Promise<FetchedJson> {
  let response: Response
  let text: string
  try {
    response = await fetch(url, {
      headers: { accept: 'application/json' },
      redirect: 'error',
      signal: AbortSignal.timeout(Math.ceil(timeout * 1000)),
    })
    if (response.status !== 200) {
      await response.body?.cancel()
      throw new FetchFailure('status', url, `status ${response.status}`)
    }
    text = await readText(response, url)
  } catch (error) {
    if (error instanceof FetchFailure) throw error
    const name = (error as Error | undefined)?.name
    throw new FetchFailure(
      name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : 'network',
      url,
    )
  }
  try {
    return {
      json: JSON.parse(text) as unknown,
      maxAge: maxAgeOf(response.headers.get('cache-control')),
    }
  } catch {
    throw new FetchFailure('not_json', url)
  }
}

async function readText(response: Response, url: string): Promise<string> {
  const declared = Number(response.headers.get('content-length'))
  if (declared > MAX_BYTES) {
    await response.body?.cancel()
    throw new FetchFailure('too_large', url)
  }
  const chunks: Uint8Array[] = []
  let size = 0
  for await (const chunk of response.body ?? []) {
    size += chunk.byteLength
    if (size > MAX_BYTES) throw new FetchFailure('too_large', url)
    chunks.push(chunk)
  }
  return Buffer.concat(chunks).toString('utf8')
}

function maxAgeOf(cacheControl: string | null): number | undefined {
  if (!cacheControl || /(^|,)\s*(no-store|no-cache)\s*(,|$)/i.test(cacheControl)) {
    return cacheControl ? 0 : undefined
  }
  const match = /(?:^|,)\s*max-age\s*=\s*"?(\d+)"?/i.exec(cacheControl)
  return match ? Number(match[1]) : undefined
}
