/** Reading Node's raw header list, where repeated headers are still separate entries. */

/** Every value of one header in a raw header list, compared case-insensitively by name. */
export function headerValues(rawHeaders: readonly string[], lowerName: string): string[] {
  const values: string[] = []
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if (isHeader(rawHeaders[i] as string, lowerName)) values.push(rawHeaders[i + 1] as string)
  }
  return values
}

/** Whether a raw header name is `lowerName`, compared case-insensitively. */
export function isHeader(name: string, lowerName: string): boolean {
  // Most clients send the name lower-case already (HTTP/2 must): then no new string is made.
  return (
    name.length === lowerName.length && (name === lowerName || name.toLowerCase() === lowerName)
  )
}
