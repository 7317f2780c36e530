/** One way to bound a wait, for the core's store calls and for the Redis store's commands. */

/**
 * Settles like `promise`, or rejects with `failure()` once `seconds` have passed, whichever
 * comes first. Only time in which the process could hear the answer counts: a window in which
 * the event loop was blocked for more than half of it starts again. The timer is cleared as soon
 * as it is no longer needed, and never keeps the process alive.
 *
 * @example await deadline(client.ping(), 0.2, () => new Error('Redis did not answer'))
 */
export function deadline<T>(
  promise: PromiseLike<T>,
  seconds: number,
  failure: () => Error,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const ms = seconds * 1000
  const expired = new Promise<never>((_, reject) => {
    const arm = (due: number) => {
      timer = setTimeout(() => {
        // A timer that fires late means this process was busy (a long synchronous task, a GC
        // pause), not that the peer was slow: the request may have been written only just now,
        // or its answer be waiting unread. Such a window does not count; a fresh one starts.
        if (performance.now() - due > ms / 2) return arm(performance.now() + ms)
        // On time: setImmediate runs once the loop has read pending I/O, so an answer already
        // on its socket still wins.
        setImmediate(() => reject(failure()))
      }, ms)
      timer.unref()
    }
    arm(performance.now() + ms)
  })
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer))
}
