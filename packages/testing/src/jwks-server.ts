/**
 * A real HTTP server on 127.0.0.1 (ephemeral port) that publishes a JWKS and the discovery
 * documents, counts every hit, and can be told to fail in the ways real providers fail.
 */
import { createServer } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'

/**
 * A fault to inject: `down` resets the connection, `hang` never answers, `error` answers 500,
 * `garbage` answers 200 with a body that is not JSON, `not-jwks` answers JSON without `keys`,
 * `slow` answers correctly after `delayMs`.
 */
export type Fault = 'down' | 'hang' | 'error' | 'garbage' | 'not-jwks' | 'slow'

/** Which documents a fault applies to. */
export type Endpoint = 'jwks' | 'discovery' | 'all'

/** Hits per document since start or the last `resetHits()`. */
export interface Hits {
  jwks: number
  openid: number
  oauth: number
}

/** What the server publishes; read on every request, so changes show up at once. */
export interface Documents {
  jwks: () => unknown
  metadata: () => Record<string, unknown>
  /** `Cache-Control` of the JWKS response, if any. */
  cacheControl: () => string | undefined
  /** Which discovery documents exist. */
  discovery: () => 'both' | 'openid' | 'oauth' | 'none'
}

export const JWKS_PATH = '/jwks.json'
export const OPENID_PATH = '/.well-known/openid-configuration'
export const OAUTH_PATH = '/.well-known/oauth-authorization-server'

/** The running server. */
export class JwksServer {
  readonly hits: Hits = { jwks: 0, openid: 0, oauth: 0 }
  private faults = new Map<'jwks' | 'discovery', { fault: Fault; delayMs: number }>()
  private readonly sockets = new Set<Socket>()
  private readonly hanging = new Set<ServerResponse>()

  private readonly server: Server
  private port = 0

  private constructor(private readonly documents: Documents) {
    this.server = createServer((req, res) => this.handle(req, res))
    this.server.on('connection', (socket) => {
      this.sockets.add(socket)
      socket.on('close', () => this.sockets.delete(socket))
    })
  }

  /** Starts a server for `documents` on 127.0.0.1 and an ephemeral port. */
  static async start(documents: Documents): Promise<JwksServer> {
    const instance = new JwksServer(documents)
    await new Promise<void>((resolve) => instance.server.listen(0, '127.0.0.1', resolve))
    instance.port = (instance.server.address() as { port: number }).port
    return instance
  }

  /** `http://127.0.0.1:<port>` */
  get origin(): string {
    return `http://127.0.0.1:${this.port}`
  }

  /** Injects a fault (or clears it with `undefined`) for some documents. */
  fault(fault: Fault | undefined, endpoint: Endpoint = 'all', delayMs = 10_000): void {
    for (const name of endpoint === 'all' ? (['jwks', 'discovery'] as const) : [endpoint]) {
      if (fault) this.faults.set(name, { fault, delayMs })
      else this.faults.delete(name)
    }
    if (!fault) this.releaseHanging()
  }

  resetHits(): void {
    this.hits.jwks = this.hits.openid = this.hits.oauth = 0
  }

  async close(): Promise<void> {
    this.releaseHanging()
    for (const socket of this.sockets) socket.destroy()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const documents = this.documents
    const path = new URL(req.url ?? '/', this.origin).pathname
    const discovery = documents.discovery()
    if (path === JWKS_PATH) {
      this.hits.jwks++
      this.answer(req, res, 'jwks', () => documents.jwks(), documents.cacheControl())
    } else if (path.startsWith(OPENID_PATH) && (discovery === 'both' || discovery === 'openid')) {
      this.hits.openid++
      this.answer(req, res, 'discovery', documents.metadata)
    } else if (path.startsWith(OAUTH_PATH) && (discovery === 'both' || discovery === 'oauth')) {
      this.hits.oauth++
      this.answer(req, res, 'discovery', documents.metadata)
    } else {
      send(res, 404, '{"error":"not_found"}')
    }
  }

  private answer(
    req: IncomingMessage,
    res: ServerResponse,
    endpoint: 'jwks' | 'discovery',
    body: () => unknown,
    cacheControl?: string,
  ): void {
    const injected = this.faults.get(endpoint)
    const ok = () => send(res, 200, JSON.stringify(body()), cacheControl)
    switch (injected?.fault) {
      case undefined:
        return ok()
      case 'down':
        return void req.socket.destroy()
      case 'hang':
        return void this.hanging.add(res)
      case 'error':
        return send(res, 500, '{"error":"server_error"}')
      case 'garbage':
        return send(res, 200, '<html>502 Bad Gateway</html>')
      case 'not-jwks':
        return send(res, 200, JSON.stringify({ hello: 'world' }))
      case 'slow':
        return void setTimeout(ok, injected.delayMs).unref()
    }
  }

  private releaseHanging(): void {
    for (const res of this.hanging) res.destroy()
    this.hanging.clear()
  }
}

function send(res: ServerResponse, status: number, body: string, cacheControl?: string): void {
  res.statusCode = status
  res.setHeader('content-type', 'application/json')
  if (cacheControl) res.setHeader('cache-control', cacheControl)
  res.end(body)
}
