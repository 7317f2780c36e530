/**
 * The demo runner shared by the examples: it starts a local issuer, starts an example API
 * against it, mints a few tokens, sends the requests and prints each as a ready-to-run `curl`
 * line with the answer it got. The tokens and DPoP proofs printed are demo ones, from this
 * throwaway issuer and a client key made for the run.
 */
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { dpopProof, generateDpopKey } from './dpop.js'
import { createIssuer } from './issuer.js'
import type { LocalIssuer } from './issuer.js'

/** A running example API. */
export interface DemoServer {
  url: string
  close(): Promise<void>
}

/** What an example hands to the runner. */
export interface DemoOptions {
  /** The framework's name, for the banner. */
  framework: string
  /** Starts the example API on `port` (0 for any) with guard options for the local issuer. */
  start(guardOptions: { issuer: string; audience: string }, port: number): Promise<DemoServer>
  /** Exit after printing instead of serving until Ctrl-C. */
  once?: boolean
  /** Port to try first (default `PORT` or 3000; any free port when taken). */
  port?: number
  /** Where the output goes (default stdout). */
  write?: (line: string) => void
}

interface Step {
  title: string
  method: 'GET' | 'POST'
  path: string
  token?: (issuer: LocalIssuer) => Promise<string>
  query?: boolean
  /** Send the token under DPoP with a new proof of the demo client's key, or the last one again. */
  dpop?: 'new' | 'again'
}

// The demo's DPoP client: its key, and the token bound to it (RFC 9449).
const client = generateDpopKey()

const STEPS: Step[] = [
  {
    title: 'A valid token with orders:read',
    method: 'GET',
    path: '/orders',
    token: (i) => i.mint({ scope: 'orders:read', exp: '+1h' }),
  },
  { title: 'No token at all', method: 'GET', path: '/orders' },
  {
    title: 'An expired token',
    method: 'GET',
    path: '/orders',
    token: (i) => i.mint({ scope: 'orders:read', exp: '-5m', iat: '-1h' }),
  },
  {
    title: 'A token without the scope this route needs (orders:write)',
    method: 'POST',
    path: '/orders',
    token: (i) => i.mint({ scope: 'orders:read', exp: '+1h' }),
  },
  {
    title: 'A valid token sent in the query string instead of the header',
    method: 'GET',
    path: '/orders',
    query: true,
    token: (i) => i.mint({ scope: 'orders:read', exp: '+1h' }),
  },
  {
    title: 'A DPoP-bound token with a proof of the client key (RFC 9449)',
    method: 'GET',
    path: '/orders',
    dpop: 'new',
    token: (i) => i.mint({ scope: 'orders:read', exp: '+1h', cnf: { jkt: client.jkt } }),
  },
  {
    title: 'The same DPoP proof sent again',
    method: 'GET',
    path: '/orders',
    dpop: 'again',
  },
]
const SHOWN_HEADERS = ['www-authenticate', 'auth-reason', 'retry-after', 'cache-control']

/** Runs the demo; resolves once printed (with `once`) or when the process is asked to stop. */
export async function runDemo(options: DemoOptions): Promise<void> {
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`))
  const issuer = await createIssuer({
    algorithms: ['ES256'],
    audience: 'https://orders.example.test',
  })
  const server = await startOnFreePort(options, issuer)
  write(`bearer-guard demo: ${options.framework} orders API at ${server.url}`)
  write(`tokens from a local issuer at ${issuer.url} (keys published at ${issuer.jwksUri})`)
  let last: { token: string; proof: string } | undefined
  for (const [index, step] of STEPS.entries()) {
    const token = step.token
      ? await step.token(issuer)
      : step.dpop === 'again'
        ? last?.token
        : undefined
    const url = `${server.url}${step.path}${step.query && token ? `?access_token=${token}` : ''}`
    const headers: Record<string, string> = {}
    if (token && !step.query) headers.authorization = `${step.dpop ? 'DPoP' : 'Bearer'} ${token}`
    if (token && step.dpop) {
      const proof =
        step.dpop === 'again' && last
          ? last.proof
          : dpopProof(client, { method: step.method, url: `${server.url}${step.path}`, token })
      last = { token, proof }
      headers.dpop = proof
    }
    const response = await fetch(url, { method: step.method, headers })
    write('')
    write(`# ${index + 1}. ${step.title}`)
    const flags = Object.entries(headers).map(
      ([name, value]) => ` -H '${name === 'dpop' ? 'DPoP' : 'Authorization'}: ${value}'`,
    )
    write(`curl -i${step.method === 'GET' ? '' : ` -X ${step.method}`} '${url}'${flags.join('')}`)
    write(`=> ${response.status} ${response.statusText}`)
    for (const name of SHOWN_HEADERS) {
      const value = response.headers.get(name)
      if (value) write(`   ${name}: ${value}`)
    }
    write(`   ${await response.text()}`)
  }
  if (options.once) {
    await Promise.all([server.close(), issuer.close()])
    return
  }
  write('')
  write('The API and the issuer keep running so you can try the lines above; Ctrl-C stops them.')
  await new Promise<void>((resolve) => process.once('SIGINT', resolve))
  await Promise.all([server.close(), issuer.close()])
}

/**
 * Starts a Node HTTP server on 127.0.0.1 and `port` (0 for any free port); rejects when the
 * port is taken. `close()` also ends idle keep-alive connections.
 */
export function listen(server: Server, port = 0): Promise<DemoServer> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => {
      const { port: actual } = server.address() as AddressInfo
      resolve({
        url: `http://127.0.0.1:${actual}`,
        close: () =>
          new Promise((done) => {
            server.closeAllConnections()
            server.close(() => done())
          }),
      })
    })
  })
}

async function startOnFreePort(options: DemoOptions, issuer: LocalIssuer): Promise<DemoServer> {
  const port = options.port ?? Number(process.env.PORT ?? 3000)
  try {
    return await options.start(issuer.guardOptions, port)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error
    return options.start(issuer.guardOptions, 0)
  }
}
