// One contender as its own process (the orchestrator pins it to one core): it listens on an
// ephemeral port and tells the parent which, then serves until killed. Asked { mark: id }, it
// answers, with that id, its CPU time and how many requests it has served, so the orchestrator
// can measure the server time per request whatever the load generator manages.
//
// Given several names (`server.mjs express/bare express/bearer-guard`), it serves each from a
// worker thread of its own, one port each, and counts requests per server; the CPU time is the
// whole process's. The paired windows of run.mjs load one of them while the other idles: both
// share the process (its layout in memory, its native code, its moment on the machine), which
// two processes do not, and each keeps its own V8 isolate, so the one's code and object shapes
// do not make the other's polymorphic.
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads'
import { readFileSync } from 'node:fs'
import { contenders } from './contenders.mjs'

/**
 * The calling thread's own CPU time in µs, from Linux's /proc/thread-self: `total` exact (the
 * scheduler's run time), `user` its user-space share (sampled by clock ticks).
 */
function threadCpu() {
  const total = Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1000
  const stat = readFileSync('/proc/thread-self/stat', 'utf8')
  const [utime, stime] = stat
    .slice(stat.lastIndexOf(')') + 2)
    .split(' ')
    .slice(11, 13)
    .map(Number)
  return { total, user: (total * utime) / (utime + stime || 1) }
}

/** Starts contender `name`; resolves with its port and a count of the requests it has served. */
async function serve(name, config) {
  const server = await contenders[name](config)
  const counter = { served: 0 }
  server.on('request', () => counter.served++)
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { port: server.address().port, counter }
}

if (isMainThread) {
  const names = process.argv.slice(2)
  const config = JSON.parse(process.env.BENCH_CONFIG)
  let served
  if (names.length === 1) {
    const { port, counter } = await serve(names[0], config)
    served = async () => [{ served: counter.served }]
    process.send({ ports: [port] })
  } else {
    const workers = names.map(
      (name) => new Worker(new URL(import.meta.url), { workerData: { name, config } }),
    )
    const ask = (worker) =>
      new Promise((resolve) => {
        worker.once('message', resolve)
        worker.postMessage('served')
      })
    const ports = await Promise.all(
      workers.map((worker) => new Promise((resolve) => worker.once('message', resolve))),
    )
    // Marks asked at once (one per server) share one round of questions to the workers.
    let pending
    served = () => (pending ??= Promise.all(workers.map(ask)).finally(() => (pending = undefined)))
    process.send({ ports })
  }
  process.on('message', async (message) => {
    if (message.mark)
      process.send({ mark: message.mark, cpu: process.cpuUsage(), served: await served() })
  })
  // A clean exit on SIGINT lets node --cpu-prof write its profile (the bench itself kills with SIGKILL).
  process.on('SIGINT', () => process.exit(0))
} else {
  const { port, counter } = await serve(workerData.name, workerData.config)
  parentPort.postMessage(port)
  parentPort.on('message', () =>
    parentPort.postMessage({ served: counter.served, cpu: threadCpu() }),
  )
}
