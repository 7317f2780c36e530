/**
 * Keeping this process's view of the revocations in sync with Redis. The view is trusted only
 * while the store is in sync: both connections up, the subscription made, the global
 * watermarks loaded, and every published revocation received. A heartbeat proves it every
 * `heartbeat` seconds: a nonce published on the commands connection must come back on the
 * subscription within `timeout`, together with the revocation count as of that moment. A
 * silent connection is replaced, and a missed revocation (the count ran ahead of what arrived)
 * clears the view; either way revocation checks fail until the store is in sync again.
 */
import { randomUUID } from 'node:crypto'
import { deadline } from '@bearer-guard/core/adapter'
import type { StoredRevocation } from '@bearer-guard/core'
import { Connections } from './connections.js'
import type { RedisConnection, Role } from './connections.js'
import type { KeyNames } from './keys.js'
import type { StoreConfig } from './options.js'
import type { RevocationView } from './revocation-view.js'
import { HEARTBEAT, SYNC } from './scripts.js'

/** What a published revocation message holds. */
interface Published {
  seq: number
  record: StoredRevocation
}

export class RevocationSync {
  readonly connections: Connections
  /** Whether the view may be trusted. */
  synced = false
  private lastSeq = 0
  private syncing: Promise<void> | undefined
  private beat: { nonce: string; arrived: () => void } | undefined
  private closed = false
  private readonly timer: NodeJS.Timeout
  private resolveFirst!: () => void
  /** Resolves at the first sync. */
  readonly first = new Promise<void>((resolve) => (this.resolveFirst = resolve))

  constructor(
    private readonly config: StoreConfig,
    private readonly names: KeyNames,
    private readonly view: RevocationView,
    make: () => RedisConnection,
  ) {
    this.connections = new Connections(make, [names.revocations, names.heartbeat], {
      ready: () => void this.resync(),
      // Either connection down: the heartbeat cannot prove the subscription alive any more, so
      // the view is not trusted until both are back and it is reloaded.
      down: () => this.unsync(),
      message: (channel, text) => this.receive(channel, text),
      error: config.report,
    })
    this.timer = setInterval(() => void this.heartbeat(), config.heartbeat * 1000)
    this.timer.unref()
  }

  /** Connects, subscribes and loads the view. */
  async start(): Promise<void> {
    await this.connections.start()
    await this.resync()
  }

  /** Runs a command with the store's deadline. */
  command<T>(run: (client: RedisConnection) => Promise<T>): Promise<T> {
    return deadline(run(this.connections.commands), this.config.timeout, silence)
  }

  async close(): Promise<void> {
    this.closed = true
    this.synced = false
    clearInterval(this.timer)
    await this.connections.close()
  }

  /** Reloads the view from Redis; one run at a time. */
  resync(): Promise<void> {
    this.syncing ??= this.load().finally(() => (this.syncing = undefined))
    return this.syncing
  }

  private async load(): Promise<void> {
    if (this.closed || !this.ready()) return
    this.unsync()
    try {
      const [seq, watermarks] = (await this.command((client) =>
        client.eval(SYNC, {
          keys: [this.names.seq, this.names.all],
          arguments: [String(Date.now())],
        }),
      )) as [string, string[]]
      for (const text of watermarks) this.view.apply(JSON.parse(text) as StoredRevocation)
      this.lastSeq = Math.max(this.lastSeq, Number(seq))
      this.synced = this.ready()
      if (this.synced) this.resolveFirst()
    } catch (error) {
      this.config.report(error as Error)
      // Connected but the load failed (a blip): try again soon rather than at the next beat.
      if (!this.closed) setTimeout(() => void this.resync(), 200).unref()
    }
  }

  private unsync(): void {
    this.synced = false
    this.lastSeq = 0
    this.view.clear()
  }

  private ready(): boolean {
    return this.connections.isReady('commands') && this.connections.isReady('subscriber')
  }

  private receive(channel: string, text: string): void {
    if (channel === this.names.heartbeat) {
      if (this.beat?.nonce === text) this.beat.arrived()
      return
    }
    let message: Published
    try {
      message = JSON.parse(text) as Published
    } catch {
      return // not ours: the next heartbeat finds out whether a revocation was missed
    }
    if (typeof message?.seq !== 'number' || typeof message.record !== 'object') return
    this.view.apply(message.record)
    // Each revocation takes the next number and is published in the same script, so they arrive
    // in order: a number skipped means a message was lost, and what the view cached may be stale.
    const missed = this.synced && message.seq > this.lastSeq + 1
    this.lastSeq = Math.max(this.lastSeq, message.seq)
    if (missed) void this.resync()
  }

  /** Proves both connections answer, and that no revocation was missed. */
  private async heartbeat(): Promise<void> {
    // One beat at a time: a later nonce must not replace the one still awaited.
    if (this.closed || this.syncing || this.beat) return
    if (!this.ready()) return this.unsync()
    const nonce = randomUUID()
    const arrived = new Promise<void>((resolve) => (this.beat = { nonce, arrived: resolve }))
    const sent = this.command((client) =>
      client.eval(HEARTBEAT, {
        keys: [this.names.seq],
        arguments: [this.names.heartbeat, nonce],
      }),
    )
    const heard = deadline(arrived, this.config.timeout, silence)
    const [seq, echo] = await Promise.allSettled([sent, heard])
    this.beat = undefined
    if (seq.status === 'rejected') return this.replace('commands', seq.reason)
    if (echo.status === 'rejected') return this.replace('subscriber', echo.reason)
    if (!this.synced || Number(seq.value) > this.lastSeq) await this.resync()
  }

  private replace(role: Role, error: unknown): void {
    this.config.report(error as Error)
    this.unsync()
    this.connections.replace(role)
  }
}

function silence(): Error {
  return new Error('Redis did not answer in time')
}
