/** The whole table, by group. Adding a case to any group runs it on every adapter. */
import { dpopCases } from './dpop.js'
import { extractionCases } from './extraction.js'
import { metadataCases } from './metadata.js'
import { issuerCases } from './issuers.js'
import { policyCases } from './policies.js'
import { responseCases } from './responses.js'
import { statefulCases } from './stateful.js'
import { tokenCases } from './tokens.js'

export const allCases = {
  extraction: extractionCases,
  tokens: tokenCases,
  issuers: issuerCases,
  policies: policyCases,
  responses: responseCases,
  stateful: statefulCases,
  dpop: dpopCases,
  metadata: metadataCases,
}
