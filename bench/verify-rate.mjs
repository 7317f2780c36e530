// `node bench/verify-rate.mjs <alg>`: how many signatures of `alg` one core checks per second
// with node:crypto's synchronous verify, the cheapest any middleware can check one. Prints JSON
// { alg, perSecond }. run.mjs pins it to the servers' core and reads the cost of a signature
// check from it.
import { signatureCheck } from './common.mjs'

const alg = process.argv[2]
const check = signatureCheck(alg)
const run = (seconds) => {
  let checks = 0
  const until = performance.now() + seconds * 1000
  while (performance.now() < until) for (let i = 0; i < 50; i++, checks++) check()
  return checks / seconds
}
run(0.5)
process.stdout.write(JSON.stringify({ alg, perSecond: run(2) }))
