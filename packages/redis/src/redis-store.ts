/**
 * redisStore(): use counts and revocations shared by every process of an API. Counting is one
 * Lua round trip. A revocation check is answered from this process's view of the revocations
 * (RevocationView, kept in sync by RevocationSync): at once for a token or subject seen before,
 * with one round trip for a new one, however many revocations Redis holds. Any failure, an
 * answer slower than `timeout`, or a view out of sync rejects: the guard then refuses with 503
 * `store_unavailable`.
 */
import type { RevocationQuery, Store, StoredRevocation } from '@bearer-guard/core'
import { Connections } from './connections.js'
import { keyNames } from './keys.js'
import type { KeyNames } from './keys.js'
import { storeConfig } from './options.js'
import type { RedisStoreOptions } from './options.js'
import { NONE, RevocationView } from './revocation-view.js'
import type { LookupAnswer, Watermark } from './revocation-view.js'
import { COUNT_USE, REVOKE } from './scripts.js'
import { RevocationSync } from './sync.js'

/** A Store on Redis, with its connection lifecycle. */
export interface RedisStore extends Store {
  /** Resolves once connected and in sync; rejects after `timeout`. */
  ready(): Promise<void>
  /** Closes the store's connections (never a client passed in). */
  close(): Promise<void>
}

// A use count or revocation lives at most this long (100 years): a token claiming `exp: 1e300`
// is counted for as long as anything runs, and Redis takes the lifetime (it refuses 1e300 ms).
const MAX_LIFETIME_MS = 100 * 365 * 86400 * 1000

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
  const names = keyNames(config.prefix)
  const view = new RevocationView(config.cacheSize)
  const sync = new RevocationSync(
    config,
    names,
    view,
    Connections.factory(options.client, options.url),
  )
  const started = sync.start()
  started.catch((error: Error) => config.report(error))
  /** Waits for the first sync (bounded by `timeout`), never for a later one. */
  const firstSync = () => sync.command(() => sync.first)

  const lookup = async (query: RevocationQuery): Promise<boolean> => {
    const mark = view.mark()
    const values = await sync.command((client) => client.mGet(lookupKeys(names, query)))
    return view.remember(query, lookupAnswer(query, values), mark, Date.now() / 1000)
  }
  const check = (query: RevocationQuery): boolean | Promise<boolean> => {
    if (!sync.synced) throw new Error('revocations are not in sync with Redis')
    return view.known(query) ?? lookup(query)
  }

  return {
    async countUse(key, expiresAt) {
      if (!sync.connections.isReady('commands')) await firstSync()
      const count = await sync.command((client) =>
        client.eval(COUNT_USE, { keys: [names.use(key)], arguments: [lifetime(expiresAt)] }),
      )
      return Number(count)
    },
    async revoke(record) {
      if (!sync.connections.isReady('commands')) await firstSync()
      await sync.command((client) =>
        client.eval(REVOKE, {
          keys: [names.seq, recordKey(names, record)],
          arguments: revokeArguments(names, record),
        }),
      )
      view.apply(record)
    },
    // Answered at once for a token and subject seen before: no round trip, and no promise.
    isRevoked(query) {
      return sync.synced ? check(query) : firstSync().then(() => check(query))
    },
    ready: () => sync.command(() => started),
    close: () => sync.close(),
  }
}

/** The keys one lookup reads: the token's `jti` and subject, of its issuer and of every issuer. */
function lookupKeys(names: KeyNames, { iss, jti, sub }: RevocationQuery): string[] {
  return [
    ...(jti === undefined ? [] : [names.jti(iss, jti), names.jti(undefined, jti)]),
    ...(sub === undefined ? [] : [names.sub(iss, sub), names.sub(undefined, sub)]),
  ]
}

function lookupAnswer({ jti, sub }: RevocationQuery, values: (string | null)[]): LookupAnswer {
  const records = values.map(parseRecord)
  const jtis = jti === undefined ? [] : records.slice(0, 2)
  const subs = sub === undefined ? [] : records.slice(jti === undefined ? 0 : 2)
  const latest = subs.reduce<Watermark>((a, b) => (b.before > a.before ? b : a), NONE)
  return { jtiRevokedUntil: Math.max(0, ...jtis.map((record) => record.expiresAt)), sub: latest }
}

/** A stored "value:expiresAt" (a jti's value is its expiry; a subject's, its watermark). */
function parseRecord(text: string | null): Watermark {
  if (text === null) return NONE
  const [before, expiresAt] = text.split(':').map(Number)
  // A value that is not ours: refuse to read a revocation state from it.
  if (!Number.isFinite(before) || !Number.isFinite(expiresAt))
    throw new Error('a revocation record in Redis is not one of the store')
  return { before: before!, expiresAt: expiresAt! }
}

function recordKey(names: KeyNames, record: StoredRevocation): string {
  if (record.kind === 'jti') return names.jti(record.iss, record.jti)
  if (record.kind === 'sub') return names.sub(record.iss, record.sub)
  return names.all
}

/** kind, value (seconds), lifetime (ms), hash field, channel, record: numbers checked first. */
function revokeArguments(names: KeyNames, record: StoredRevocation): string[] {
  const value = record.kind === 'jti' ? record.expiresAt : record.before
  if (!Number.isFinite(value) || !Number.isFinite(record.expiresAt))
    throw new Error('a revocation time is not a finite number')
  return [
    record.kind,
    String(value),
    lifetime(record.expiresAt),
    names.field(record.iss),
    names.revocations,
    JSON.stringify(record),
    `${value}:${record.expiresAt}`,
  ]
}

/** Milliseconds from now to `expiresAt` (seconds), as Redis takes them: an integer from 1 on. */
function lifetime(expiresAt: number): string {
  const ms = Math.ceil(expiresAt * 1000 - Date.now())
  if (Number.isNaN(ms)) throw new Error('an expiry is not a number')
  return String(Math.min(MAX_LIFETIME_MS, Math.max(1, ms)))
}
