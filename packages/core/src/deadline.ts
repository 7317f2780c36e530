/** One way to bound a wait, for the core's store calls and for the Redis store's commands. */

/**
 * Settles like `promise`, or rejects with `failure()` once `seconds` have passed and the I/O
 * that arrived meanwhile has been read, whichever comes first. The timer is cleared as soon as
 * it is no longer needed, and never keeps the process alive.
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
    // When the timer fires late because the event loop was busy (a long synchronous task, a GC
    // pause), the answer may be waiting unread on its socket: setImmediate runs after the loop
    // has read pending I/O, so an answer that did arrive in time is not taken for silence.
    timer = setTimeout(() => setImmediate(() => reject(failure())), seconds * 1000)
    timer.unref()
  })
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer))
}
