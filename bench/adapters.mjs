// `pnpm bench:adapters`: what each adapter adds per request over its bare framework.
//
// Each measurement is its own process pinned to one core: one app, 10,000 warm-up requests,
// then 50,000 requests injected straight into the framework's handler with light-my-request (no
// sockets, so network noise stays out), timed as the process's CPU time. Bare and guarded runs
// alternate over ROUNDS; the figure is the median of the per-round differences. On a shared
// machine a single run wanders by ±15 µs; the median over rounds is what the targets read.
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createIssuer } from '@bearer-guard/testing'

const ROUNDS = Number(process.env.ROUNDS ?? 5)
const FRAMEWORKS = ['express', 'koa', 'fastify']
const SCENARIOS = (
  process.env.SCENARIOS ?? 'repeated,distinct,bad-signature,malformed,unknown-kid'
).split(',')
const worker = fileURLToPath(new URL('./adapters-worker.mjs', import.meta.url))

const issuer = await createIssuer({ algorithms: ['ES256'], audience: 'https://api.bench' })
const config = JSON.stringify({
  issuer: issuer.url,
  audience: issuer.audience,
  jwksUri: issuer.jwksUri,
  alg: 'ES256',
})
const dir = mkdtempSync(join(tmpdir(), 'bearer-guard-adapters-'))
const garbage = (n) => randomBytes(n).toString('base64url')
const sets = {
  repeated: [await issuer.mint({ exp: '+2h' })],
  distinct: await Promise.all(Array.from({ length: 10_000 }, () => issuer.mint({ exp: '+2h' }))),
  'bad-signature': await Promise.all(
    Array.from({ length: 10_000 }, () => issuer.mint({ exp: '+2h' }, { signature: 'corrupt' })),
  ),
  malformed: Array.from({ length: 10_000 }, () => `${garbage(24)}.${garbage(90)}.${garbage(48)}`),
  'unknown-kid': await Promise.all(
    Array.from({ length: 10_000 }, () => issuer.mint({ exp: '+2h' }, { kid: garbage(8) })),
  ),
}
const files = Object.fromEntries(
  Object.entries(sets).map(([scenario, tokens]) => {
    const file = join(dir, `${scenario}.txt`)
    writeFileSync(file, tokens.join('\n'))
    return [scenario, file]
  }),
)

const rows = []
for (const framework of FRAMEWORKS) {
  for (const scenario of SCENARIOS) {
    const bare = []
    const added = []
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 ? ['bearer-guard', 'bare'] : ['bare', 'bearer-guard']
      const times = {}
      for (const name of order)
        times[name] = await measure(
          `${framework}/${name}`,
          files[name === 'bare' ? 'repeated' : scenario],
        )
      bare.push(times.bare)
      added.push(times['bearer-guard'] - times.bare)
    }
    rows.push({ framework, scenario, bare: median(bare), added: median(added) })
    process.stderr.write(`${framework} ${scenario}: +${median(added).toFixed(1)} µs\n`)
  }
}
await issuer.close()

console.log(
  `One process per measurement: 50,000 injected requests after 10,000 warm-up, ${ROUNDS} rounds, medians (ES256)`,
)
console.log('| framework | scenario | bare framework | added by bearer-guard |')
console.log('| --- | --- | --- | --- |')
for (const row of rows)
  console.log(
    `| ${row.framework} | ${row.scenario} | ${row.bare.toFixed(1)} µs | ${row.added.toFixed(1)} µs |`,
  )

function measure(name, tokensFile) {
  const args = [worker, name, tokensFile, config]
  const [command, argv] =
    process.platform === 'linux'
      ? ['taskset', ['-c', '0', process.execPath, ...args]]
      : [process.execPath, args]
  const child = spawn(command, argv, { stdio: ['ignore', 'pipe', 'inherit'] })
  let output = ''
  child.stdout.on('data', (chunk) => (output += chunk))
  return new Promise((resolve, reject) =>
    child.once('exit', (code) =>
      code === 0 ? resolve(Number(output)) : reject(new Error(`${name} exited (${code})`)),
    ),
  )
}

function median(list) {
  const sorted = [...list].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}
