/** The one parser for durations: a bare number means seconds, strings read like `'90s'` or `'5m'`. */
import { invalidOption } from './errors.js'

const UNIT_SECONDS: Record<string, number> = {
  ms: 0.001,
  s: 1,
  sec: 1,
  secs: 1,
  second: 1,
  seconds: 1,
  m: 60,
  min: 60,
  mins: 60,
  minute: 60,
  minutes: 60,
  h: 3600,
  hr: 3600,
  hrs: 3600,
  hour: 3600,
  hours: 3600,
  d: 86400,
  day: 86400,
  days: 86400,
  w: 604800,
  week: 604800,
  weeks: 604800,
}
const DURATION = /^(\d+(?:\.\d+)?) *([a-z]*)$/i

/**
 * Parses a duration into seconds.
 *
 * @param value - seconds as a number, or a string such as `'30'`, `'5s'`, `'5m'`, `'2h'`, `'1d'`
 * @param option - the option's name, used in the error when the value is not a duration
 * @throws BearerGuardError naming `option` for anything negative, non-finite or unreadable
 * @example parseDuration('5m', 'maxAge') // 300
 */
export function parseDuration(value: unknown, option: string): number {
  if (typeof value === 'number') {
    if (Number.isFinite(value) && value >= 0) return value
  } else if (typeof value === 'string') {
    const match = DURATION.exec(value.trim())
    const factor = match ? UNIT_SECONDS[(match[2] || 's').toLowerCase()] : undefined
    if (match && factor !== undefined) return Number(match[1]) * factor
  }
  return invalidOption(
    option,
    `must be a duration: seconds as a non-negative number, or a string like '30s', '5m', '2h'`,
  )
}
