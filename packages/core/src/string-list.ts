/** The one validator of options that take "a string or a list of strings". */
import { invalidOption } from './errors.js'

/**
 * Validates an option that is one non-empty string or a non-empty array of them, and returns
 * it as an array.
 *
 * @param problem - what the error says the option must be, when a generic wording would not do
 * @throws BearerGuardError naming `option`
 * @example stringList('https://api.example.com', 'audience') // ['https://api.example.com']
 */
export function stringList(
  value: unknown,
  option: string,
  problem = 'must be a non-empty string or a non-empty array of non-empty strings',
): string[] {
  const list = typeof value === 'string' ? [value] : value
  if (
    !Array.isArray(list) ||
    list.length === 0 ||
    !list.every((item) => typeof item === 'string' && item !== '')
  ) {
    return invalidOption(option, problem)
  }
  return list as string[]
}
