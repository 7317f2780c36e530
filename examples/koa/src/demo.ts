/** `pnpm demo koa`: the orders API against a local issuer, with curl lines to try. */
import { createServer } from 'node:http'
import { listen, runDemo } from '@bearer-guard/testing'
import type { DemoServer } from '@bearer-guard/testing'
import { ordersApp } from './app.js'

/** Starts the Koa orders API on `port` (0 for any free port). */
export function startKoa(
  guardOptions: { issuer: string; audience: string },
  port: number,
): Promise<DemoServer> {
  // Koa's callback handles its own errors: the promise it returns never rejects.
  // eslint-disable-next-line @typescript-eslint/no-misused-promises
  return listen(createServer(ordersApp(guardOptions).callback()), port)
}

/** Runs the demo. */
export function demo(once = false): Promise<void> {
  return runDemo({ framework: 'Koa 3', start: startKoa, once })
}
