/**
 * A small orders API on Koa 3 with @koa/router. Every /orders route needs a valid token;
 * reading needs the `orders:read` scope and creating needs `orders:write`. /health stays public.
 */
import Router from '@koa/router'
import Koa from 'koa'
import type { Context } from 'koa'
import { requireJwt } from '@bearer-guard/koa'
import type { GuardOptions } from '@bearer-guard/koa'

interface Order {
  id: number
  owner: string
  item: string
}

/** Builds the app; `options` are the guard options (issuer, audience, ...). */
export function ordersApp(options: GuardOptions): Koa {
  const orders: Order[] = [{ id: 1, owner: 'user-1', item: 'coffee beans' }]
  const auth = requireJwt(options)
  const router = new Router()

  router.get('/health', (ctx) => {
    ctx.body = { ok: true }
  })

  router.get('/orders', auth.require({ scope: 'orders:read' }), (ctx) => {
    ctx.body = { orders: orders.filter((order) => order.owner === ctx.state.auth?.payload.sub) }
  })

  router.post('/orders', auth.require({ scope: 'orders:write' }), async (ctx) => {
    const body = await readJson(ctx)
    const order = {
      id: orders.length + 1,
      owner: ctx.state.auth?.payload.sub ?? 'unknown',
      item: String(body.item ?? 'something'),
    }
    orders.push(order)
    ctx.status = 201
    ctx.body = order
  })

  const app = new Koa()
  app.use(router.routes())
  app.use(router.allowedMethods())
  return app
}

// A body parser such as @koa/bodyparser does this in a real app; read only once authorized.
async function readJson(ctx: Context): Promise<Record<string, unknown>> {
  if (!ctx.is('application/json')) return {}
  const chunks: Buffer[] = []
  for await (const chunk of ctx.req) chunks.push(chunk as Buffer)
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>
  } catch {
    return {}
  }
}
