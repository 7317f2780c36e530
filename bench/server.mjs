// One contender of contenders.mjs as its own process (common.mjs pins it to one core): it
// listens on an ephemeral port, tells the parent which, and serves until killed. Asked for a
// mark, it answers with its CPU time so far and the requests it has served, so that the bench
// can read the server's own cost per request, whatever the load generator manages.
import { contenders } from './contenders.mjs'

const [name] = process.argv.slice(2)
const server = await contenders[name](JSON.parse(process.env.BENCH_CONFIG))
let served = 0
server.on('request', () => served++)
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
process.send({ port: server.address().port })
process.on('message', () => process.send({ cpu: process.cpuUsage(), served }))
// A clean exit on SIGINT lets node --cpu-prof write its profile (the bench itself kills with SIGKILL).
process.on('SIGINT', () => process.exit(0))
