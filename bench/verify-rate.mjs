// `node bench/verify-rate.mjs <alg>`: how many signatures of `alg` one core checks per second
// with node:crypto's synchronous verify, the cheapest any middleware can check one. Prints JSON
// { alg, perSecond }. run.mjs pins it to the servers' core and reads the cost of a signature
// check from it.
import { generateKeyPairSync, sign, verify } from 'node:crypto'

const ALGORITHMS = {
  ES256: {
    type: 'ec',
    options: { namedCurve: 'P-256' },
    hash: 'sha256',
    dsaEncoding: 'ieee-p1363',
  },
  RS256: { type: 'rsa', options: { modulusLength: 2048 }, hash: 'sha256' },
}
const alg = process.argv[2]
const { type, options, hash, dsaEncoding } = ALGORITHMS[alg]
const { privateKey, publicKey } = generateKeyPairSync(type, options)
// A signing input the size of a bench token's header and payload.
const input = Buffer.from('x'.repeat(220))
const signature = sign(hash, input, { key: privateKey, dsaEncoding })
const key = { key: publicKey, dsaEncoding }
const run = (seconds) => {
  let checks = 0
  const until = performance.now() + seconds * 1000
  while (performance.now() < until)
    for (let i = 0; i < 50; i++, checks++)
      if (!verify(hash, input, key, signature)) throw new Error('a valid signature failed')
  return checks / seconds
}
run(0.5)
process.stdout.write(JSON.stringify({ alg, perSecond: run(2) }))
