/** `pnpm demo express`: the orders API against a local issuer, with curl lines to try. */
import type { AddressInfo } from 'node:net'
import { runDemo } from '@bearer-guard/testing'
import type { DemoServer } from '@bearer-guard/testing'
import { ordersApp } from './app.js'

/** Starts the Express orders API on `port` (0 for any free port). */
export function startExpress(
  guardOptions: { issuer: string; audience: string },
  port: number,
): Promise<DemoServer> {
  return new Promise((resolve, reject) => {
    const server = ordersApp(guardOptions).listen(port, '127.0.0.1')
    server.once('error', reject)
    server.once('listening', () => {
      const { port: actual } = server.address() as AddressInfo
      resolve({
        url: `http://127.0.0.1:${actual}`,
        close: () => new Promise((done) => server.close(() => done())),
      })
    })
  })
}

/** Runs the demo. */
export function demo(once = false): Promise<void> {
  return runDemo({ framework: 'Express 5', start: startExpress, once })
}
