/** `pnpm demo express`: the orders API against a local issuer, with curl lines to try. */
import { createServer } from 'node:http'
import { listen, runDemo } from '@bearer-guard/testing'
import type { DemoServer } from '@bearer-guard/testing'
import { ordersApp } from './app.js'

/** Starts the Express orders API on `port` (0 for any free port). */
export function startExpress(
  guardOptions: { issuer: string; audience: string },
  port: number,
): Promise<DemoServer> {
  return listen(createServer(ordersApp(guardOptions)), port)
}

/** Runs the demo. */
export function demo(once = false): Promise<void> {
  return runDemo({ framework: 'Express 5', start: startExpress, once })
}
