// One round of adapters.mjs, in its own process: the bare framework and bearer-guard on it, each
// in its own worker thread (its own V8 isolate, so neither app's code shapes the other's JIT),
// requests injected straight into the app's handler (no sockets). The two take turns in
// batches, one thread working while the other waits, so whatever the machine does meanwhile
// falls on both alike; each pair of batches gives one difference. Prints JSON: the median CPU
// microseconds per request of the bare app, and the median of the per-pair differences.
// CONTENDER (default bearer-guard) names another app of contenders.mjs to set against the bare
// one, such as `no-op middleware` for Express.
import { once } from 'node:events'
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads'
import inject from 'light-my-request'
import { alternate, median, medianDifference, rotatingBearer } from './common.mjs'
import { contenders } from './contenders.mjs'

if (isMainThread) {
  const [framework, repeatedFile, tokensFile, config] = process.argv.slice(2)
  const BATCH = Number(process.env.BATCH ?? 2_000)
  const PAIRS = Number(process.env.PAIRS ?? 15)
  const WARMUP = Number(process.env.WARMUP_REQUESTS ?? 10_000)

  const start = async (name, file) => {
    const worker = new Worker(new URL(import.meta.url), {
      workerData: { name: `${framework}/${name}`, file, config: JSON.parse(config) },
    })
    await once(worker, 'message')
    return worker
  }
  // Process CPU time per request over one batch; the other thread is idle meanwhile.
  const run = async (worker, requests) => {
    const before = process.cpuUsage()
    worker.postMessage(requests)
    await once(worker, 'message')
    const used = process.cpuUsage(before)
    return (used.user + used.system) / requests
  }

  const bare = await start('bare', repeatedFile)
  const guarded = await start(process.env.CONTENDER ?? 'bearer-guard', tokensFile)
  await run(bare, WARMUP)
  await run(guarded, WARMUP)
  const pairs = await alternate(
    PAIRS,
    () => run(bare, BATCH),
    () => run(guarded, BATCH),
  )
  process.stdout.write(
    JSON.stringify({ bare: median(pairs.references), added: medianDifference(pairs) }),
  )
  process.exit(0)
} else {
  const { name, file, config } = workerData
  const handler = (await contenders[name](config)).listeners('request')[0]
  const bearer = rotatingBearer(file)
  parentPort.on('message', async (requests) => {
    for (let i = 0; i < requests; i++)
      await inject(handler, {
        url: '/orders',
        headers: { authorization: bearer() },
      })
    parentPort.postMessage('done')
  })
  parentPort.postMessage('ready')
}
