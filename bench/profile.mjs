// `pnpm bench:profile [contender] [scenario]`: where a request's server time goes.
//
// Starts one contender of contenders.mjs under `node --cpu-prof` (pinned to core 0), drives it
// with autocannon from core 1 for SECONDS (default 8) with the scenario's tokens of ALG (default
// ES256), stops it cleanly so the profile is written, and prints the self time of the profile
// grouped by where the code lives (bearer-guard, the framework, Node's HTTP stack, GC), then the
// bearer-guard functions that take the most. Defaults: koa/bearer-guard, repeated (the cached
// fast path).
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { benchIssuer, load, startServer } from './common.mjs'

const [name = 'koa/bearer-guard', scenario = 'repeated'] = process.argv.slice(2)
const SECONDS = Number(process.env.SECONDS ?? 8)
const ALG = process.env.ALG ?? 'ES256'
const { issuer, files, config } = await benchIssuer([ALG], [scenario])
const tokensFile = files[ALG][scenario].path
const dir = mkdtempSync(join(tmpdir(), 'bearer-guard-profile-'))
const server = await startServer(name, config(ALG), ['--cpu-prof', `--cpu-prof-dir=${dir}`])
await load({ url: server.url, tokensFile, seconds: 4, amount: 10_000 })
// Fresh DPoP proofs are sent once each: the profiled load goes on past those of the warm-up.
await load({
  url: server.url,
  tokensFile,
  seconds: SECONDS,
  offset: scenario === 'dpop' ? 10_000 : 0,
})
// A signal the server turns into a clean exit, so the profile gets written.
await server.stop('SIGINT')
await issuer.close()

const profile = JSON.parse(
  readFileSync(
    join(
      dir,
      readdirSync(dir).find((file) => file.endsWith('.cpuprofile')),
    ),
    'utf8',
  ),
)
const nodes = new Map(profile.nodes.map((node) => [node.id, node]))
const self = new Map()
profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)))

const place = ({ callFrame: { url, functionName } }) => {
  if (functionName === '(idle)') return 'idle'
  if (functionName === '(garbage collector)') return 'garbage collection'
  if (url.includes('/packages/') && url.includes('/dist/')) return 'bearer-guard'
  if (/node_modules\/(\.pnpm\/)?(jose|lru-cache)/.test(url)) return 'jose, lru-cache'
  if (/express|router|koa|fastify|find-my-way|light-my-request|avvio/.test(url)) return 'framework'
  if (url.includes('node_modules')) return 'other dependencies'
  if (url.startsWith('node:') || url === '') return 'Node (HTTP, streams, natives)'
  return 'other'
}
const groups = new Map()
const functions = new Map()
let busy = 0
for (const [id, micros] of self) {
  const node = nodes.get(id)
  const group = place(node)
  groups.set(group, (groups.get(group) ?? 0) + micros)
  if (group !== 'idle') busy += micros
  if (group === 'bearer-guard') {
    const { functionName, url, lineNumber } = node.callFrame
    const where = `${functionName || '(anonymous)'} (${url.split('/packages/')[1]}:${lineNumber + 1})`
    functions.set(where, (functions.get(where) ?? 0) + micros)
  }
}
const share = (micros) => `${((micros / busy) * 100).toFixed(1)}%`
console.log(
  `${name}, ${scenario}, ${ALG}: share of busy CPU time (self time), ${SECONDS} s of load`,
)
console.log('| where | share |\n| --- | --- |')
for (const [group, micros] of [...groups].sort((a, b) => b[1] - a[1]))
  if (group !== 'idle') console.log(`| ${group} | ${share(micros)} |`)
console.log('\nbearer-guard functions by self time')
console.log('| function | share |\n| --- | --- |')
for (const [where, micros] of [...functions].sort((a, b) => b[1] - a[1]).slice(0, 12))
  console.log(`| ${where} | ${share(micros)} |`)
console.log(`\nprofile: ${dir}`)
