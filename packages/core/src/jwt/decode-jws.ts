/**
 * Strict, unverified parsing of a JWS compact serialization (RFC 7515 §7.1). It only decides
 * whether the token is well-formed; nothing read here is trusted until the signature verifies.
 */
import { isUtf8 } from 'node:buffer'

/** A well-formed token, split and decoded but not yet verified. */
export interface DecodedJws {
  header: Record<string, unknown>
  payload: Record<string, unknown>
}

const BASE64URL = /^[A-Za-z0-9_-]*$/
const OPEN_BRACE = 0x7b
const JSON_SPACE = new Set([0x20, 0x09, 0x0a, 0x0d])

/**
 * Decodes a compact JWS, or returns `undefined` when it is malformed: not three segments (a
 * five-segment JWE included), a segment that is not canonical unpadded base64url, a header or
 * payload that is not UTF-8 JSON with an object at the top, or duplicate member names
 * (RFC 7515 §5.2 lets a parser refuse them, and refusing leaves no room for parser confusion).
 */
export function decodeJws(token: string): DecodedJws | undefined {
  const first = token.indexOf('.')
  const second = token.indexOf('.', first + 1)
  if (first <= 0 || second === -1 || token.indexOf('.', second + 1) !== -1) return undefined
  if (!decodeBase64url(token.slice(second + 1))) return undefined
  const header = decodeJsonObject(token.slice(0, first))
  const payload = header && decodeJsonObject(token.slice(first + 1, second))
  return header && payload ? { header, payload } : undefined
}

/** Whether a segment is canonical unpadded base64url. */
export function isBase64url(segment: string): boolean {
  return decodeBase64url(segment) !== undefined
}

/**
 * The bytes of a canonical unpadded base64url segment: right alphabet, no impossible length,
 * no stray low bits (Node's decoder would silently accept all three).
 */
function decodeBase64url(segment: string): Buffer | undefined {
  if (!BASE64URL.test(segment) || segment.length % 4 === 1) return undefined
  const bytes = Buffer.from(segment, 'base64url')
  return bytes.toString('base64url') === segment ? bytes : undefined
}

// Garbage is refused without a thrown exception wherever it can be: exceptions (and their stack
// traces) would make malformed tokens cost more than valid ones.
function decodeJsonObject(segment: string): Record<string, unknown> | undefined {
  const bytes = segment === '' ? undefined : decodeBase64url(segment)
  if (!bytes || !startsAnObject(bytes) || !isUtf8(bytes)) return undefined
  const text = bytes.toString('utf8')
  try {
    const value: unknown = JSON.parse(text)
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined
    return hasDuplicateMembers(text) ? undefined : (value as Record<string, unknown>)
  } catch {
    return undefined
  }
}

function startsAnObject(bytes: Buffer): boolean {
  let i = 0
  while (i < bytes.length && JSON_SPACE.has(bytes[i]!)) i++
  return bytes[i] === OPEN_BRACE
}

/**
 * Whether any object in a JSON text (already known to parse) repeats a member name.
 * A small scanner: strings are read whole, and each object level tracks the names it has seen.
 */
function hasDuplicateMembers(text: string): boolean {
  const stack: (Set<string> | null)[] = []
  let expectName = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (c === '"') {
      const end = stringEnd(text, i)
      const top = stack[stack.length - 1]
      if (expectName && top) {
        const name = JSON.parse(text.slice(i, end + 1)) as string
        if (top.has(name)) return true
        top.add(name)
      }
      expectName = false
      i = end
    } else if (c === '{') {
      stack.push(new Set())
      expectName = true
    } else if (c === '[') {
      stack.push(null)
    } else if (c === '}' || c === ']') {
      stack.pop()
    } else if (c === ',') {
      expectName = stack[stack.length - 1] instanceof Set
    }
  }
  return false
}

function stringEnd(text: string, start: number): number {
  let i = start + 1
  while (text[i] !== '"') i += text[i] === '\\' ? 2 : 1
  return i
}
