/**
 * A fact about an object's prototype, settled once per prototype. For the objects frameworks
 * make per request: Express swaps the prototype of every `req` and `res` for its app's chain.
 */

/**
 * Wraps `settle` so that it runs once per prototype; the wrapper returns `undefined` for an
 * object without one.
 *
 * The last prototype seen is kept beside the WeakMap and compared first: an app hands every
 * request the same prototype, and a WeakMap lookup cost about 0.17 µs on Express's hot path
 * against a few ns for the comparison (bench/README.md). It keeps that one prototype alive
 * until another is seen.
 *
 * @example
 * const usesNodeMethods = perPrototype((prototype) => prototype.setHeader === nodeSetHeader)
 */
export function perPrototype<T>(
  settle: (prototype: object) => T,
): (object: object) => T | undefined {
  const settled = new WeakMap<object, T>()
  let lastPrototype: object | undefined
  let lastValue: T | undefined
  return (object) => {
    const prototype = Object.getPrototypeOf(object) as object | null
    if (prototype === null) return undefined
    if (prototype !== lastPrototype) {
      let value = settled.get(prototype)
      if (value === undefined && !settled.has(prototype)) {
        value = settle(prototype)
        settled.set(prototype, value)
      }
      lastPrototype = prototype
      lastValue = value
    }
    return lastValue
  }
}
