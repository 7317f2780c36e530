// One measurement of adapters.mjs, in its own process: one app, one scenario, requests injected
// straight into the framework's handler (no sockets). Prints CPU microseconds per request.
import { readFileSync } from 'node:fs'
import inject from 'light-my-request'
import { contenders } from './contenders.mjs'

const [name, tokensFile, configJson] = process.argv.slice(2)
const tokens = readFileSync(tokensFile, 'utf8').split('\n').filter(Boolean)
const handler = (await contenders[name](JSON.parse(configJson))).listeners('request')[0]
const WARMUP = Number(process.env.WARMUP_REQUESTS ?? 10_000)
const N = Number(process.env.REQUESTS ?? 50_000)
let next = 0
const call = () =>
  inject(handler, {
    url: '/orders',
    headers: { authorization: `Bearer ${tokens[next++ % tokens.length]}` },
  })
for (let i = 0; i < WARMUP; i++) await call()
const before = process.cpuUsage()
for (let i = 0; i < N; i++) await call()
const used = process.cpuUsage(before)
process.stdout.write(String((used.user + used.system) / N))
process.exit(0)
