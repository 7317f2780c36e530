/**
 * Sends an HTTP/1.1 request byte for byte over a socket, for what ordinary clients refuse or
 * normalise away: two `Authorization` headers, odd spacing, raw bytes.
 */
import { connect } from 'node:net'

/** The parsed answer to a raw request. */
export interface RawResponse {
  status: number
  /** Header names in lower case; repeated headers joined with `, `. */
  headers: Record<string, string>
  body: string
}

/**
 * Sends a request to `origin` (`http://127.0.0.1:port`) exactly as given and reads the answer.
 *
 * @param headers - sent in order, repeated names included; a `Host` among them replaces the
 *   default one (the origin's host and port)
 * @param body - sent with its `Content-Length`
 * @example await rawRequest(url, 'GET', '/orders', [['Authorization', 'Bearer a'], ['Authorization', 'Bearer b']])
 */
export function rawRequest(
  origin: string,
  method: string,
  path: string,
  headers: [string, string][],
  body?: string,
): Promise<RawResponse> {
  const { hostname, port } = new URL(origin)
  const ownHost = headers.some(([name]) => name.toLowerCase() === 'host')
  const head = [
    `${method} ${path} HTTP/1.1`,
    ...(ownHost ? [] : [`Host: ${hostname}:${port}`]),
    'Connection: close',
    ...headers.map(([name, value]) => `${name}: ${value}`),
  ]
  if (body !== undefined) head.push(`Content-Length: ${Buffer.byteLength(body)}`)
  return new Promise((resolve, reject) => {
    // Write without half-closing: Node's server drops a request whose client half-closes before
    // an asynchronous answer. `Connection: close` makes the server end the exchange.
    const socket = connect(Number(port), hostname, () => {
      socket.write(`${head.join('\r\n')}\r\n\r\n${body ?? ''}`)
    })
    const chunks: Buffer[] = []
    socket.on('data', (chunk) => chunks.push(chunk))
    socket.on('error', reject)
    socket.on('end', () => resolve(parse(Buffer.concat(chunks).toString('utf8'))))
  })
}

function parse(text: string): RawResponse {
  const split = text.indexOf('\r\n\r\n')
  const [statusLine = '', ...lines] = text.slice(0, split).split('\r\n')
  const headers: Record<string, string> = {}
  for (const line of lines) {
    const colon = line.indexOf(':')
    const name = line.slice(0, colon).trim().toLowerCase()
    const value = line.slice(colon + 1).trim()
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`
  }
  let body = text.slice(split + 4)
  if (headers['transfer-encoding'] === 'chunked') body = unchunk(body)
  return { status: Number(statusLine.split(' ')[1]), headers, body }
}

function unchunk(body: string): string {
  let out = ''
  let rest = body
  for (;;) {
    const eol = rest.indexOf('\r\n')
    const size = parseInt(rest.slice(0, eol), 16)
    if (!size) return out
    out += rest.slice(eol + 2, eol + 2 + size)
    rest = rest.slice(eol + 2 + size + 2)
  }
}
