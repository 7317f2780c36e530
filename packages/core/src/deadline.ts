/** One way to bound a wait, for the core's store calls and for the Redis store's commands. */

/**
 * Settles like `promise`, or rejects with `failure()` once `seconds` have passed, whichever
 * comes first. The timer is cleared as soon as it is no longer needed, and never keeps the
 * process alive.
 *
 * @example await deadline(client.ping(), 0.2, () => new Error('Redis did not answer'))
 */
export function deadline<T>(
  promise: PromiseLike<T>,
  seconds: number,
  failure: () => Error,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(failure()), seconds * 1000)
    timer.unref()
  })
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer))
}
