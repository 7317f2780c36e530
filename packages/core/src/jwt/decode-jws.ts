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
const BASE64URL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
const OPEN_BRACE = 0x7b
const COLON = 0x3a
const BACKSLASH = 0x5c
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
  // The signature's bytes are checked with the key (jws-signature.ts); here they only have to
  // be canonical base64url.
  if (!isBase64url(token.slice(second + 1))) return undefined
  const header = decodeJsonObject(token.slice(0, first))
  const payload = header && decodeJsonObject(token.slice(first + 1, second))
  return header && payload ? { header, payload } : undefined
}

/**
 * Whether a segment is canonical unpadded base64url: right alphabet, no impossible length, and
 * no stray bits in its last character (Node's decoder would silently accept all three).
 */
export function isBase64url(segment: string): boolean {
  if (!BASE64URL.test(segment)) return false
  const tail = segment.length % 4
  if (tail === 0) return true
  if (tail === 1) return false
  // The last character carries 4 (two left over) or 2 (three left over) bits that must be zero.
  const value = BASE64URL_ALPHABET.indexOf(segment[segment.length - 1]!)
  return (value & (tail === 2 ? 0x0f : 0x03)) === 0
}

/**
 * Decodes one segment of a compact JWS: canonical unpadded base64url of UTF-8 JSON with an
 * object at the top and no duplicate member names; `undefined` otherwise.
 */
// Garbage is refused without a thrown exception wherever it can be: exceptions (and their stack
// traces) would make malformed tokens cost more than valid ones.
export function decodeJsonObject(segment: string): Record<string, unknown> | undefined {
  if (segment === '' || !isBase64url(segment)) return undefined
  const bytes = Buffer.from(segment, 'base64url')
  if (!startsAnObject(bytes) || !isUtf8(bytes)) return undefined
  const text = bytes.toString('utf8')
  try {
    const value: unknown = JSON.parse(text)
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined
    return hasDuplicateMembers(text, value) ? undefined : (value as Record<string, unknown>)
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
 * Whether any object in a JSON text repeats a member name. `JSON.parse` keeps the last of
 * repeated names, so the text has a duplicate exactly when it spells more member names than the
 * parsed value holds. In valid JSON a member name is a string followed by a colon, so counting
 * them is a jump from quote to quote, with no name compared or kept.
 */
function hasDuplicateMembers(text: string, value: object): boolean {
  return countNames(text) !== countMembers(value)
}

function countNames(text: string): number {
  let names = 0
  let quote = text.indexOf('"')
  while (quote !== -1) {
    let next = stringEnd(text, quote) + 1
    while (JSON_SPACE.has(text.charCodeAt(next))) next++
    if (text.charCodeAt(next) === COLON) names++
    quote = text.indexOf('"', next)
  }
  return names
}

function countMembers(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 0
  let count = 0
  if (Array.isArray(value)) {
    for (const item of value) count += countMembers(item)
    return count
  }
  // JSON.parse makes every member, `__proto__` included, an own enumerable data property.
  for (const name in value) count += 1 + countMembers((value as Record<string, unknown>)[name])
  return count
}

/** The index of the quote closing the string that opens at `start` (the text is valid JSON). */
function stringEnd(text: string, start: number): number {
  let end = text.indexOf('"', start + 1)
  while (isEscaped(text, end)) end = text.indexOf('"', end + 1)
  return end
}

/** Whether the character at `at` follows an odd run of backslashes. */
function isEscaped(text: string, at: number): boolean {
  let backslashes = 0
  while (text.charCodeAt(at - 1 - backslashes) === BACKSLASH) backslashes++
  return backslashes % 2 === 1
}
