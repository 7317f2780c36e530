/**
 * A TCP proxy the tests control, standing between a store and redis-server. `silence()` makes
 * every connection open at that moment stop forwarding, both ways, without closing it, as a
 * NAT timeout or a partition does; connections made afterwards forward again, as after a
 * reconnection through a healed network.
 */
import { connect, createServer } from 'node:net'
import type { AddressInfo, Socket } from 'node:net'

export interface TcpProxy {
  readonly url: string
  /** Connections currently open through the proxy. */
  readonly open: number
  /**
   * Drops every byte of the connections open now, keeping them open; with `match`, only of
   * those whose client sent something it accepts (say a SUBSCRIBE command).
   */
  silence(match?: (sent: string) => boolean): void
  /** Resets the connections open now that `match` accepts (all without it). */
  reset(match?: (sent: string) => boolean): void
  /** While on, closes every new connection at once, as a Redis that cannot be reached. */
  refuse(on: boolean): void
  close(): Promise<void>
}

export async function startProxy(targetPort: number): Promise<TcpProxy> {
  const pairs = new Set<{ client: Socket; upstream: Socket; silent: boolean; sent: string }>()
  let refusing = false
  const server = createServer((client) => {
    if (refusing) return void client.destroy()
    const upstream = connect(targetPort, '127.0.0.1')
    const pair = { client, upstream, silent: false, sent: '' }
    pairs.add(pair)
    client.on('data', (chunk: Buffer) => {
      if (pair.sent.length < 4096) pair.sent += chunk.toString('latin1')
      if (!pair.silent) upstream.write(chunk)
    })
    upstream.on('data', (chunk) => pair.silent || client.write(chunk))
    const end = () => {
      pairs.delete(pair)
      client.destroy()
      upstream.destroy()
    }
    client.on('close', end).on('error', end)
    upstream.on('close', end).on('error', end)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `redis://127.0.0.1:${port}`,
    get open() {
      return pairs.size
    },
    silence(match) {
      for (const pair of pairs) if (!match || match(pair.sent)) pair.silent = true
    },
    reset(match) {
      for (const pair of pairs) if (!match || match(pair.sent)) pair.client.resetAndDestroy()
    },
    refuse(on) {
      refusing = on
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const pair of pairs) {
          pair.client.destroy()
          pair.upstream.destroy()
        }
        server.close(() => resolve())
      }),
  }
}
