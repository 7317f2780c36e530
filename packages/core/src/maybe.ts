/**
 * Values that are sometimes already known and sometimes awaited. The hot path stays
 * synchronous when nothing has to be waited for (a cached verification, an in-memory store),
 * because every promise a framework awaits costs it microseconds per request.
 */

/** A value, or a promise of one. */
export type MaybePromise<T> = T | PromiseLike<T>

/** Whether a value is a promise (or any thenable). */
export function isPromiseLike<T>(value: MaybePromise<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function'
}

/**
 * Applies `next` now when the value is known, or once it resolves. (Not named `then`: a module
 * exporting `then` turns its namespace into a thenable and breaks every dynamic import of it.)
 */
export function andThen<T, U>(
  value: MaybePromise<T>,
  next: (value: T) => MaybePromise<U>,
): MaybePromise<U> {
  return isPromiseLike(value) ? Promise.resolve(value).then(next) : next(value)
}
