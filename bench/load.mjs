// The load generator, as its own process on its own core: autocannon against one URL, each
// request carrying the next line of a file (a token, or DPoP credentials; rotating). It runs for `seconds`, or,
// given `amount`, until that many requests are done but never longer than `seconds`.
import autocannon from 'autocannon'
import { rotatingCredentials } from './common.mjs'

const {
  url,
  path = '/orders',
  tokensFile,
  offset,
  seconds,
  amount,
  connections,
} = JSON.parse(process.argv[2])
const credentials = rotatingCredentials(tokensFile, offset)
const result = await new Promise((resolve, reject) => {
  const instance = autocannon(
    {
      url,
      connections,
      ...(amount ? { amount: Math.max(amount, connections) } : { duration: seconds }),
      requests: [
        {
          method: 'GET',
          path,
          setupRequest: (request) => {
            request.headers = credentials()
            return request
          },
        },
      ],
    },
    (err, done) => (err ? reject(err) : resolve(done)),
  )
  if (amount) setTimeout(() => instance.stop(), seconds * 1000).unref()
})
const statuses = {
  '2xx': result['2xx'],
  '4xx': result['4xx'],
  '5xx': result['5xx'],
  errors: result.errors,
  timeouts: result.timeouts,
}
process.stdout.write(
  JSON.stringify({
    rps: result.requests.average,
    p99: result.latency.p99,
    total: result.requests.total,
    statuses,
  }),
)
