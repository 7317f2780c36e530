/** The `dpop` option (app level and route policy): validated once into a `DpopConfig`. */
import type { DpopAnswer } from '../decision.js'
import { parseDuration } from '../duration.js'
import { invalidOption } from '../errors.js'
import { checkKnownKeys } from '../known-keys.js'
import { ASYMMETRIC_ALGORITHMS, isHmac, withEdDsaNames } from '../keys/algorithms.js'
import type { PolicyCheck } from '../policy/policy.js'
import { Nonces } from './nonce.js'
import { proofCheck } from './proof.js'
import { noteProofWindow } from './window.js'

/** What `dpop` accepts. Durations: seconds or strings like `'5m'`. */
export type DpopOption =
  | false
  | 'allowed'
  | 'required'
  | {
      /** `'allowed'` (default) takes Bearer and DPoP tokens; `'required'` only DPoP ones. */
      mode?: 'allowed' | 'required'
      /** Proof algorithms (default: every asymmetric one bearer-guard verifies); never HS* or none. */
      algorithms?: string[]
      /** How old a proof's `iat` may be (default 5 minutes). */
      proofMaxAge?: number | string
      /** Require server-provided nonces (RFC 9449 §8; default false). */
      nonce?: boolean
      /** At least 32 bytes; processes sharing it accept each other's nonces (default: per process). */
      nonceSecret?: string | Uint8Array
    }

/** A validated `dpop` that is not `false`. */
export interface DpopConfig {
  readonly mode: 'allowed' | 'required'
  readonly algorithms: ReadonlySet<string>
  /** Seconds. */
  readonly proofMaxAge: number
  readonly nonces: Nonces | undefined
  /** The DPoP side of this route's refusals, for requests that used DPoP and for the others. */
  readonly answers: { readonly used: DpopAnswer; readonly unused: DpopAnswer }
  /** The proof check, one object per config so gates sharing it run it once per request. */
  readonly check: PolicyCheck
}

const DPOP_KEYS = ['mode', 'algorithms', 'proofMaxAge', 'nonce', 'nonceSecret'] as const
const MIN_NONCE_SECRET_BYTES = 32

/**
 * Validates `dpop`.
 *
 * @throws BearerGuardError naming `option` or the field of it that is wrong
 */
export function dpopOption(value: unknown, option: string): DpopConfig | false {
  if (value === false) return false
  if (value === 'allowed' || value === 'required') return dpopConfig({ mode: value }, option)
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return invalidOption(option, "must be false, 'allowed', 'required' or an object")
  return dpopConfig(value as Exclude<DpopOption, string | false>, option)
}

/** The default: DPoP accepted next to Bearer. */
export const DEFAULT_DPOP: DpopConfig = dpopConfig({}, 'dpop')

function dpopConfig(value: Exclude<DpopOption, string | false>, option: string): DpopConfig {
  checkKnownKeys(value, DPOP_KEYS, option)
  const mode = value.mode ?? 'allowed'
  if (mode !== 'allowed' && mode !== 'required')
    invalidOption(`${option}.mode`, "must be 'allowed' or 'required'")
  const algorithms = proofAlgorithms(value.algorithms, `${option}.algorithms`)
  const proofMaxAge =
    value.proofMaxAge === undefined
      ? 300
      : parseDuration(value.proofMaxAge, `${option}.proofMaxAge`)
  if (proofMaxAge <= 0) invalidOption(`${option}.proofMaxAge`, 'must be greater than zero')
  noteProofWindow(proofMaxAge)
  if (value.nonce !== undefined && typeof value.nonce !== 'boolean')
    invalidOption(`${option}.nonce`, 'must be a boolean')
  const secret = nonceSecret(value.nonceSecret, `${option}.nonceSecret`)
  const algs = [...algorithms].join(' ')
  const config: Omit<DpopConfig, 'check'> = {
    mode,
    algorithms,
    proofMaxAge,
    nonces: value.nonce ? new Nonces(secret) : undefined,
    answers: {
      used: Object.freeze({ mode, algs, used: true }),
      unused: Object.freeze({ mode, algs, used: false }),
    },
  }
  return { ...config, check: proofCheck(config) }
}

function proofAlgorithms(value: unknown, option: string): ReadonlySet<string> {
  if (value === undefined) return new Set(ASYMMETRIC_ALGORITHMS)
  if (!Array.isArray(value) || value.length === 0)
    return invalidOption(option, 'must be a non-empty array of algorithm names')
  for (const alg of value) {
    if (typeof alg === 'string' && isHmac(alg))
      invalidOption(
        option,
        `holds ${alg}: a DPoP proof is signed with the client's private key, never an HMAC`,
      )
    if (!(ASYMMETRIC_ALGORITHMS as readonly unknown[]).includes(alg))
      invalidOption(
        option,
        `holds ${JSON.stringify(alg)}, which is not an asymmetric algorithm bearer-guard verifies`,
      )
  }
  return withEdDsaNames(value as string[])
}

function nonceSecret(value: unknown, option: string): Uint8Array | undefined {
  if (value === undefined) return undefined
  const bytes =
    typeof value === 'string'
      ? Buffer.from(value, 'utf8')
      : value instanceof Uint8Array
        ? value
        : invalidOption(option, 'must be a string or a Uint8Array')
  if (bytes.length < MIN_NONCE_SECRET_BYTES)
    invalidOption(option, `must be at least ${MIN_NONCE_SECRET_BYTES} bytes`)
  return bytes
}
