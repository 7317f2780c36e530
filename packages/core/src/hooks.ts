/**
 * The application's callbacks (`onDecision`, `onKeyEvent`, a Redis store's `onError`) are
 * isolated: a throw or a rejected promise becomes a process warning, and the request, or the key
 * source, carries on as if the callback were absent. A callback is the application's code; a
 * bug in it must not crash the process or turn a JWKS outage into an error.
 */
import { isPromiseLike } from './maybe.js'

/**
 * Wraps `callback` so that it never throws and never leaves a rejection unhandled.
 *
 * @param name - the option's name, for the warning (`'onDecision'`)
 * @example const report = isolated('onKeyEvent', options.onKeyEvent)
 */
export function isolated<A>(name: string, callback: (arg: A) => unknown): (arg: A) => void {
  return (arg) => {
    try {
      const result = callback(arg)
      if (isPromiseLike(result))
        Promise.resolve(result).then(undefined, (error: unknown) => warn(name, 'rejected', error))
    } catch (error) {
      warn(name, 'threw', error)
    }
  }
}

// Only the error's name: its message is the application's text and could hold anything.
function warn(name: string, what: string, error: unknown): void {
  process.emitWarning(`${name} ${what}: ${errorName(error)}`, 'BearerGuardWarning')
}

function errorName(error: unknown): string {
  try {
    const value = (error as { name?: unknown } | null)?.name
    return typeof value === 'string' ? value.slice(0, 60) : typeof error
  } catch {
    return 'error'
  }
}
