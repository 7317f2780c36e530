import { describe, expect, it } from 'vitest'
import { perPrototype } from '../src/per-prototype.js'

describe('perPrototype(settle)', () => {
  it('settles once per prototype, whichever order objects of several prototypes come in', () => {
    const settled: object[] = []
    const a = { name: 'a' }
    const b = { name: 'b' }
    const nameOf = perPrototype((prototype) => {
      settled.push(prototype)
      return (prototype as { name: string }).name
    })
    const seen = [a, a, b, a, b, b].map((prototype) => nameOf(Object.create(prototype) as object))
    expect(seen).toEqual(['a', 'a', 'b', 'a', 'b', 'b'])
    expect(settled).toEqual([a, b])
  })
  it('remembers a settled undefined or false too', () => {
    let calls = 0
    const nothing = perPrototype(() => {
      calls++
      return undefined
    })
    const prototype = {}
    for (const object of [prototype, {}, prototype]) nothing(Object.create(object) as object)
    nothing(Object.create(prototype) as object)
    expect(calls).toBe(2)
  })
  it('returns undefined for an object without a prototype, settling nothing', () => {
    let calls = 0
    const truth = perPrototype(() => ++calls > 0)
    expect(truth(Object.create(null) as object)).toBeUndefined()
    expect(calls).toBe(0)
  })
})
