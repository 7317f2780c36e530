/**
 * redisStore(): use counts and revocations shared by every process of an API. Counting is one
 * Lua round trip; revocation lookups are answered from a local mirror that Redis pub/sub keeps
 * current, so they cost no round trip. Any failure, or an answer slower than `timeout`, rejects:
 * the guard then refuses with 503 `store_unavailable`.
 */
import { createClient } from '@redis/client'
import type { RedisClientType, RedisClusterType } from '@redis/client'
import { BearerGuardError, parseDuration } from '@bearer-guard/core'
import type { RevocationQuery, Store, StoredRevocation } from '@bearer-guard/core'
import { RevocationMirror } from './mirror.js'
import { COUNT_USE, REVOKE, SNAPSHOT } from './scripts.js'

/** A node-redis client or cluster (Sentinel's client works too), connected or not. */
export type RedisConnection = RedisClientType | RedisClusterType

/** Options of `redisStore()`. */
export interface RedisStoreOptions {
  /** A node-redis client to copy: the store opens its own two connections with its settings. */
  client?: RedisConnection
  /** Or a Redis URL (`redis://127.0.0.1:6379`, `rediss://...`). */
  url?: string
  /** Prefix of every key and of the channel (default `'bearer-guard:'`); no braces. */
  prefix?: string
  /** Longest wait for one Redis answer: seconds or `'200ms'` (default 0.2). */
  timeout?: number | string
  /** Time between full revocation snapshots, a net under pub/sub (default 30 seconds). */
  resync?: number | string
  /** Connection problems (default: a process warning when Redis becomes unreachable). */
  onError?: (error: Error) => void
}

/** A Store on Redis, with its connection lifecycle. */
export interface RedisStore extends Store {
  /** Resolves once connected and the revocation mirror is loaded; rejects after `timeout`. */
  ready(): Promise<void>
  /** Closes the store's connections (never a client passed in). */
  close(): Promise<void>
}

const KNOWN = ['client', 'url', 'prefix', 'timeout', 'resync', 'onError']

/**
 * Builds a Redis store. It connects in the background; await `ready()` at startup to fail fast.
 *
 * @example
 * const store = redisStore({ url: process.env.REDIS_URL })
 * await store.ready()
 * app.use(requireJwt({ issuer, audience, store }))
 */
export function redisStore(options: RedisStoreOptions): RedisStore {
  const config = storeConfig(options)
  const keys = revocationKeys(config.prefix)
  const channel = `${config.prefix}revocations`
  const mirror = new RevocationMirror()
  // Commands fail at once while disconnected: a queued command replayed after a reconnect
  // would count a use for a request that was already refused.
  const connection = { disableOfflineQueue: true, pingInterval: 1000 }
  const commands = (
    options.client
      ? options.client.duplicate(connection)
      : createClient({
          url: options.url,
          ...connection,
          socket: { connectTimeout: 1000, reconnectStrategy: backoff },
        })
  ) as RedisConnection
  const subscriber = commands.duplicate() as RedisConnection
  let synced = false
  let closed = false
  const reportDown = downReporter(config.onError)

  for (const client of [commands, subscriber]) {
    client.on('error', (error: Error) => reportDown(error))
  }
  // While the subscription is down, messages may be missed: the mirror is not trusted until a
  // fresh snapshot after the reconnection.
  subscriber.on('end', () => (synced = false))
  subscriber.on('reconnecting', () => (synced = false))
  // The two connections come back in either order; the snapshot needs both.
  for (const client of [commands, subscriber]) client.on('ready', () => void resync())

  const resync = async (): Promise<void> => {
    if (closed || !commands.isReady || !subscriber.isReady) return
    try {
      const [jtis, subs, everything] = (await commands.eval(SNAPSHOT, {
        keys,
        arguments: [String(Date.now())],
      })) as [string[], string[], string]
      for (let i = 0; i < jtis.length; i += 2)
        mirror.apply({ kind: 'jti', jti: jtis[i]!, expiresAt: Number(jtis[i + 1]) / 1000 })
      for (let i = 0; i < subs.length; i += 3) {
        mirror.apply({
          kind: 'sub',
          sub: subs[i]!,
          before: Number(subs[i + 1]) / 1000,
          expiresAt: Number(subs[i + 2]) / 1000,
        })
      }
      if (everything) {
        const [before, expiresAt] = everything.split(':').map(Number) as [number, number]
        mirror.apply({ kind: 'all', before: before / 1000, expiresAt: expiresAt / 1000 })
      }
      mirror.prune(Date.now() / 1000)
      synced = subscriber.isReady
    } catch (error) {
      reportDown(error as Error)
      // Connected but the snapshot failed (a blip): try again soon rather than at the next tick.
      setTimeout(() => void resync(), 200).unref()
    }
  }

  const started = (async () => {
    await Promise.all([commands.connect(), subscriber.connect()])
    await subscriber.subscribe(channel, (message) => {
      try {
        mirror.apply(JSON.parse(message) as StoredRevocation)
      } catch {
        // A message that is not ours; the next snapshot corrects anything missed.
      }
    })
    await resync()
  })()
  started.catch((error: Error) => reportDown(error))
  const timer = setInterval(() => void (subscriber.isReady && resync()), config.resync * 1000)
  timer.unref()

  const withTimeout = <T>(run: () => Promise<T>): Promise<T> => raceTimeout(run(), config.timeout)
  /** Waits for the first connection (bounded by `timeout`), never for a reconnection. */
  const connected = () =>
    commands.isReady ? Promise.resolve() : raceTimeout(started, config.timeout)

  return {
    async countUse(key, expiresAt) {
      await connected()
      const count = await withTimeout(() =>
        commands.eval(COUNT_USE, {
          keys: [`${config.prefix}use:${key}`],
          arguments: [String(Math.ceil(expiresAt * 1000))],
        }),
      )
      return Number(count)
    },
    async revoke(revocation) {
      await connected()
      const before = 'before' in revocation ? revocation.before : 0
      const id =
        revocation.kind === 'jti' ? revocation.jti : revocation.kind === 'sub' ? revocation.sub : ''
      await withTimeout(() =>
        commands.eval(REVOKE, {
          keys,
          arguments: [
            revocation.kind,
            id,
            ms(before),
            ms(revocation.expiresAt),
            String(Date.now()),
            channel,
            JSON.stringify(revocation),
          ],
        }),
      )
      mirror.apply(revocation)
    },
    // Answered at once from the mirror while it is in sync: no round trip, and no promise.
    isRevoked(token: RevocationQuery) {
      if (synced) return mirror.isRevoked(token, Date.now() / 1000)
      return (async () => {
        if (!closed && !subscriber.isReady) {
          await raceTimeout(started, config.timeout).catch(() => undefined)
        }
        if (!synced) throw new Error('revocations are not in sync with Redis')
        return mirror.isRevoked(token, Date.now() / 1000)
      })()
    },
    ready: () => raceTimeout(started, config.timeout),
    async close() {
      closed = true
      clearInterval(timer)
      await Promise.allSettled([commands.close(), subscriber.close()])
    },
  }
}

function storeConfig(options: RedisStoreOptions) {
  if (typeof options !== 'object' || options === null)
    throw new BearerGuardError('redisStore', 'takes { client } or { url }')
  for (const key of Object.keys(options)) {
    if (!KNOWN.includes(key))
      throw new BearerGuardError(
        `redisStore.${key}`,
        `is not an option (known: ${KNOWN.join(', ')})`,
      )
  }
  if ((options.client === undefined) === (options.url === undefined)) {
    throw new BearerGuardError('redisStore', 'needs exactly one of client and url')
  }
  if (
    options.client !== undefined &&
    typeof (options.client as { duplicate?: unknown }).duplicate !== 'function'
  ) {
    throw new BearerGuardError(
      'redisStore.client',
      'must be a node-redis client, cluster or sentinel',
    )
  }
  if (options.url !== undefined && !/^rediss?:\/\//.test(String(options.url))) {
    throw new BearerGuardError('redisStore.url', 'must be a redis:// or rediss:// URL')
  }
  const prefix = options.prefix ?? 'bearer-guard:'
  // A brace in the prefix would become the hash tag of every key and put them all in one slot.
  if (typeof prefix !== 'string' || /[{}]/.test(prefix)) {
    throw new BearerGuardError('redisStore.prefix', 'must be a string without braces')
  }
  const timeout =
    options.timeout === undefined ? 0.2 : parseDuration(options.timeout, 'redisStore.timeout')
  if (timeout <= 0) throw new BearerGuardError('redisStore.timeout', 'must be greater than zero')
  const resync =
    options.resync === undefined ? 30 : parseDuration(options.resync, 'redisStore.resync')
  if (resync <= 0) throw new BearerGuardError('redisStore.resync', 'must be greater than zero')
  if (options.onError !== undefined && typeof options.onError !== 'function') {
    throw new BearerGuardError('redisStore.onError', 'must be a function')
  }
  return { prefix, timeout, resync, onError: options.onError }
}

/** The revocation keys, all under the `{rev}` hash tag so a script touches one Cluster slot. */
function revocationKeys(prefix: string): string[] {
  return ['jti', 'sub', 'sub-before', 'all'].map((name) => `${prefix}{rev}:${name}`)
}

/** Reports errors to `onError`, or as one process warning each time Redis becomes unreachable. */
function downReporter(onError: ((error: Error) => void) | undefined): (error: Error) => void {
  if (onError) return onError
  let warnedAt = 0
  return (error) => {
    if (Date.now() - warnedAt < 60_000) return
    warnedAt = Date.now()
    process.emitWarning(
      `redisStore: Redis is unreachable (${error.name}); requests needing the store get 503`,
      'BearerGuardWarning',
    )
  }
}

/** Reconnects quickly at first, then once a second: recovery is noticed within a second. */
function backoff(retries: number): number {
  return Math.min(50 * 2 ** retries, 1000)
}

function raceTimeout<T>(promise: Promise<T>, seconds: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`Redis did not answer within ${seconds * 1000} ms`)),
      seconds * 1000,
    )
  })
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer))
}

function ms(seconds: number): string {
  return String(Math.ceil(seconds * 1000))
}
