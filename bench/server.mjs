// One contender as its own process (the orchestrator pins it to one core): it listens on an
// ephemeral port and tells the parent which, then serves until killed. Asked { mark: true },
// it answers with its CPU time and how many requests it has served, so the orchestrator can
// measure the server time per request whatever the load generator manages.
import { contenders } from './contenders.mjs'

const [name] = process.argv.slice(2)
const config = JSON.parse(process.env.BENCH_CONFIG)
const server = await contenders[name](config)
let served = 0
server.on('request', () => served++)
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }))
process.on('message', (message) => {
  if (message.mark) process.send({ cpu: process.cpuUsage(), served })
})

// A clean exit on SIGINT lets node --cpu-prof write its profile (the bench itself kills with SIGKILL).
process.on('SIGINT', () => process.exit(0))
