// Feeds 1,000,000 distinct tokens through a maxUses route of one guard and samples the heap,
// to show that use counting keeps memory bounded. Run with `pnpm bench:memory` (builds first).
//
// Two runs: short-lived tokens (their counters expire as fast as new ones arrive, so every
// request is accepted) and 5-minute tokens (more live counters than the store holds, so it
// fills up and then refuses with store_unavailable rather than forget a count).
import { createGuard, memoryStore } from '@bearer-guard/core'
import { feedTokens, hmacIssuer } from './common.mjs'

const TOTAL = Number(process.env.TOKENS ?? 1_000_000)
const MAX = 100_000
const SAMPLE_EVERY = 100_000
const { options, mint } = hmacIssuer()

for (const [label, lifetime] of [
  ['tokens living 2 s', 2],
  ['tokens living 5 min', 300],
]) {
  await run(label, lifetime)
}

async function run(label, lifetime) {
  const guard = createGuard({ ...options, clockTolerance: 0, store: memoryStore({ max: MAX }) })
  const check = guard.route({ maxUses: 1 })
  const { outcomes, samples, seconds } = await feedTokens({
    total: TOTAL,
    sampleEvery: SAMPLE_EVERY,
    url: '/pay',
    check,
    mint: (i) => {
      const now = Math.floor(Date.now() / 1000)
      return mint({ jti: `t${i}`, iat: now, exp: now + lifetime })
    },
  })
  const mb = (bytes) => (bytes / 1024 / 1024).toFixed(1)
  const warm = samples[0]
  const peak = Math.max(...samples)
  console.log(
    `\n${label}: ${TOTAL.toLocaleString('en')} distinct tokens, maxUses: 1, memoryStore({ max: ${MAX.toLocaleString('en')} })`,
  )
  console.log(
    `  outcomes: ${Object.entries(outcomes)
      .map(([k, v]) => `${k} ${v.toLocaleString('en')}`)
      .join(', ')}`,
  )
  console.log(
    `  heap after warm-up (${SAMPLE_EVERY.toLocaleString('en')} tokens): ${mb(warm)} MB; peak ${mb(peak)} MB; end ${mb(samples.at(-1))} MB (${(((samples.at(-1) - warm) / warm) * 100).toFixed(1)}% vs warm-up)`,
  )
  console.log(
    `  heap every ${SAMPLE_EVERY.toLocaleString('en')} tokens (MB): ${samples.map(mb).join(' ')}`,
  )
  console.log(
    `  ${(TOTAL / seconds).toFixed(0)} tokens/s (minting included), ${seconds.toFixed(1)} s`,
  )
}
