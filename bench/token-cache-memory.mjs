// Memory under the verified-token cache: 1,000,000 requests, each with a token never seen
// before, through one guard with its defaults (tokenCache of 10,000 entries, revocation checked
// against the default memoryStore), keys from the local issuer's JWKS over HTTP. The heap is
// sampled after a forced GC every 100,000 requests; the first sample (cache long since full)
// is the warm-up figure the end is compared with. Run by `pnpm bench` (last step) or alone:
// `node --expose-gc bench/token-cache-memory.mjs` after `pnpm build`. Prints JSON with --json.
import { createGuard } from '@bearer-guard/core'
import { createIssuer } from '@bearer-guard/testing'
import { feedTokens } from './common.mjs'

const TOTAL = Number(process.env.TOKENS ?? 1_000_000)
const SAMPLE_EVERY = 100_000
const ALG = process.env.ALG ?? 'ES256'

const issuer = await createIssuer({ algorithms: [ALG], audience: 'https://api.bench' })
const guard = createGuard({
  issuer: issuer.url,
  audience: issuer.audience,
  jwksUri: issuer.jwksUri,
})
const check = guard.route({})
const { outcomes, samples, seconds } = await feedTokens({
  total: TOTAL,
  sampleEvery: SAMPLE_EVERY,
  url: '/orders',
  check,
  mint: (i) => issuer.mint({ jti: `t${i}`, exp: '+1h' }, { alg: ALG }),
})
await issuer.close()

const result = {
  tokens: TOTAL,
  alg: ALG,
  outcomes,
  seconds,
  warmHeap: samples[0],
  peakHeap: Math.max(...samples),
  endHeap: samples.at(-1),
  samples,
}
result.growth = (result.endHeap - result.warmHeap) / result.warmHeap

if (process.argv.includes('--json')) {
  process.stdout.write(JSON.stringify(result))
} else {
  const mb = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MB`
  console.log(
    `${TOTAL.toLocaleString('en')} distinct ${ALG} tokens through the default guard (tokenCache 10,000)`,
  )
  console.log(
    `  outcomes: ${Object.entries(outcomes)
      .map(([k, v]) => `${k} ${v.toLocaleString('en')}`)
      .join(', ')}`,
  )
  console.log(
    `  heap after warm-up ${mb(result.warmHeap)}, peak ${mb(result.peakHeap)}, end ${mb(result.endHeap)} (${(result.growth * 100).toFixed(1)}% vs warm-up)`,
  )
  console.log(`  every ${SAMPLE_EVERY.toLocaleString('en')}: ${samples.map(mb).join(', ')}`)
  console.log(
    `  ${result.seconds.toFixed(0)} s, ${(TOTAL / result.seconds).toFixed(0)} requests/s (minting included)`,
  )
}
