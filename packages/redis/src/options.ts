/** The options of `redisStore()`, validated at construction into a `StoreConfig`. */
import { BearerGuardError } from '@bearer-guard/core'
import { checkKnownKeys, isolated, parseDuration } from '@bearer-guard/core/adapter'
import type { RedisConnection } from './connections.js'

/** Options of `redisStore()`. */
export interface RedisStoreOptions {
  /** A node-redis client to copy: the store opens its own two connections with its settings. */
  client?: RedisConnection
  /** Or a Redis URL (`redis://127.0.0.1:6379`, `rediss://...`). */
  url?: string
  /** Prefix of every key and channel (default `'bearer-guard:'`); no braces. */
  prefix?: string
  /** Longest wait for one Redis answer: seconds or `'200ms'` (default 0.2). */
  timeout?: number | string
  /** Time between two keep-alive checks of both connections: seconds or `'1s'` (default 1). */
  heartbeat?: number | string
  /** Most revocation answers remembered per issuer, for `jti`s and for subjects (default 100,000). */
  cacheSize?: number
  /** Connection problems (default: a process warning when Redis becomes unreachable). */
  onError?: (error: Error) => void
}

/** Validated options, durations in seconds. */
export interface StoreConfig {
  readonly prefix: string
  readonly timeout: number
  readonly heartbeat: number
  readonly cacheSize: number
  readonly report: (error: Error) => void
}

const KNOWN = ['client', 'url', 'prefix', 'timeout', 'heartbeat', 'cacheSize', 'onError']

/**
 * Validates `redisStore()` options.
 *
 * @throws BearerGuardError naming the first bad option
 */
export function storeConfig(options: RedisStoreOptions): StoreConfig {
  if (typeof options !== 'object' || options === null)
    throw new BearerGuardError('redisStore', 'takes { client } or { url }')
  // An option of an earlier version, named with what replaced it.
  if (Object.hasOwn(options, 'resync'))
    throw new BearerGuardError(
      'redisStore.resync',
      'is not an option; revocations now stay in sync by `heartbeat`',
    )
  checkKnownKeys(options, KNOWN, 'redisStore')
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
  const cacheSize = options.cacheSize ?? 100_000
  if (!Number.isSafeInteger(cacheSize) || cacheSize < 1)
    throw new BearerGuardError('redisStore.cacheSize', 'must be a positive integer')
  if (options.onError !== undefined && typeof options.onError !== 'function') {
    throw new BearerGuardError('redisStore.onError', 'must be a function')
  }
  return {
    prefix,
    timeout: positiveDuration(options.timeout, 0.2, 'redisStore.timeout'),
    heartbeat: positiveDuration(options.heartbeat, 1, 'redisStore.heartbeat'),
    cacheSize,
    report: options.onError ? isolated('redisStore.onError', options.onError) : downReporter(),
  }
}

function positiveDuration(value: unknown, fallback: number, option: string): number {
  const seconds = value === undefined ? fallback : parseDuration(value, option)
  if (seconds <= 0) throw new BearerGuardError(option, 'must be greater than zero')
  return seconds
}

/** One process warning each time Redis becomes unreachable, at most once a minute. */
function downReporter(): (error: Error) => void {
  let warnedAt = 0
  return (error) => {
    if (Date.now() - warnedAt < 60_000) return
    warnedAt = Date.now()
    process.emitWarning(
      `redisStore: Redis is unreachable or silent (${error.name}); requests needing the store get 503`,
      'BearerGuardWarning',
    )
  }
}
