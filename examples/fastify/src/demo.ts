/** `pnpm demo fastify`: the orders API against a local issuer, with curl lines to try. */
import type { AddressInfo } from 'node:net'
import { runDemo } from '@bearer-guard/testing'
import type { DemoServer } from '@bearer-guard/testing'
import { ordersApp } from './app.js'

/** Starts the Fastify orders API on `port` (0 for any free port). */
export async function startFastify(
  guardOptions: { issuer: string; audience: string },
  port: number,
): Promise<DemoServer> {
  const app = await ordersApp(guardOptions)
  try {
    await app.listen({ port, host: '127.0.0.1' })
  } catch (error) {
    await app.close()
    throw error
  }
  const { port: actual } = app.server.address() as AddressInfo
  return { url: `http://127.0.0.1:${actual}`, close: () => app.close() }
}

/** Runs the demo. */
export function demo(once = false): Promise<void> {
  return runDemo({ framework: 'Fastify 5', start: startFastify, once })
}
