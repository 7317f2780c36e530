/** The request target as the guard reads it: raw, never decoded here. */

/** A request target without its query and fragment. */
export function targetPath(target: string): string {
  const end = target.search(/[?#]/)
  return end === -1 ? target : target.slice(0, end)
}
