/** Reading Node's raw header list, where repeated headers are still separate entries. */

/** Every value of one header in a raw header list, compared case-insensitively by name. */
export function headerValues(rawHeaders: readonly string[], lowerName: string): string[] {
  const values: string[] = []
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string
    // Most clients send the name lower-case already (HTTP/2 must): then no new string is made.
    if (
      name.length === lowerName.length &&
      (name === lowerName || name.toLowerCase() === lowerName)
    ) {
      values.push(rawHeaders[i + 1] as string)
    }
  }
  return values
}
