/**
 * The store's two connections to Redis: one for commands, one for the subscription that
 * carries revocations. Each comes back by itself after a dropped connection (node-redis
 * reconnects); one that went silent, which TCP may never notice (a NAT timeout, a partition),
 * is destroyed and replaced on request. Commands are never queued while disconnected: a queued
 * command replayed after a reconnection would count a use for a request already refused.
 */
import { createClient } from '@redis/client'
import type { RedisClientType, RedisClusterType } from '@redis/client'

/** A node-redis client or cluster (Sentinel's client works too), connected or not. */
export type RedisConnection = RedisClientType | RedisClusterType

/** Which of the two connections. */
export type Role = 'commands' | 'subscriber'

/** What the connections tell their owner. */
export interface ConnectionEvents {
  /** The connection is up (again); for the subscriber, subscribed too. */
  ready(role: Role): void
  /** The connection is down: what it carried may have been lost. */
  down(role: Role): void
  /** A message on one of `channels`. */
  message(channel: string, text: string): void
  error(error: Error): void
}

// The client's own keep-alive PING waits for ever; the store's heartbeat has a deadline.
const SETTINGS = { disableOfflineQueue: true } as const

export class Connections {
  private clients: Record<Role, RedisConnection>
  /** The subscriber client whose subscriptions are made (node-redis renews them on reconnect). */
  private subscribed: RedisConnection | undefined
  private closed = false

  constructor(
    private readonly make: () => RedisConnection,
    private readonly channels: readonly string[],
    private readonly events: ConnectionEvents,
  ) {
    this.clients = { commands: this.open('commands'), subscriber: this.open('subscriber') }
  }

  /** Builds the factory of connections from a client to copy or a URL. */
  static factory(client: RedisConnection | undefined, url: string | undefined) {
    return (): RedisConnection =>
      (client
        ? client.duplicate(SETTINGS)
        : createClient({
            url,
            ...SETTINGS,
            socket: { connectTimeout: 1000, reconnectStrategy: backoff },
          })) as RedisConnection
  }

  get commands(): RedisConnection {
    return this.clients.commands
  }

  isReady(role: Role): boolean {
    const client = this.clients[role]
    return (
      (client as { isReady?: boolean }).isReady === true &&
      (role === 'commands' || this.subscribed === client)
    )
  }

  /** Connects both; resolves once both are up and the subscription is made. */
  async start(): Promise<void> {
    await Promise.all([this.connect('commands'), this.connect('subscriber')])
  }

  /** Destroys a connection that went silent and opens a new one in its place. */
  replace(role: Role): void {
    if (this.closed) return
    const silent = this.clients[role]
    this.clients[role] = this.open(role)
    this.events.down(role)
    try {
      silent.destroy()
    } catch {
      // Already closed: nothing to release.
    }
    this.connect(role).catch((error: Error) => this.events.error(error))
  }

  async close(): Promise<void> {
    this.closed = true
    await Promise.allSettled(Object.values(this.clients).map((client) => client.close()))
  }

  private open(role: Role): RedisConnection {
    const client = this.make()
    // A replaced client's late events are not about the connection in use.
    const current = () => this.clients?.[role] === client
    client.on('error', (error: Error) => this.events.error(error))
    client.on('ready', () => current() && this.isReady(role) && this.events.ready(role))
    client.on('end', () => current() && this.events.down(role))
    client.on('reconnecting', () => current() && this.events.down(role))
    return client
  }

  private async connect(role: Role): Promise<void> {
    const client = this.clients[role]
    await client.connect()
    if (role !== 'subscriber') return
    for (const channel of this.channels) {
      await client.subscribe(channel, (text: string) => this.events.message(channel, text))
    }
    // The first 'ready' came before the subscription: it counts from now.
    this.subscribed = client
    if (this.clients[role] === client && this.isReady(role)) this.events.ready(role)
  }
}

/** Reconnects quickly at first, then once a second: recovery is noticed within a second. */
function backoff(retries: number): number {
  return Math.min(50 * 2 ** retries, 1000)
}
