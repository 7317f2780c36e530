/**
 * A small orders API on Fastify 5. Every /orders route needs a valid token; reading needs the
 * `orders:read` scope and creating needs `orders:write`. /health stays public.
 */
import Fastify from 'fastify'
import type { FastifyInstance } from 'fastify'
import bearerGuard from '@bearer-guard/fastify'
import type { GuardOptions } from '@bearer-guard/fastify'

interface Order {
  id: number
  owner: string
  item: string
}

/** Builds the app; `options` are the guard options (issuer, audience, ...). */
export async function ordersApp(options: GuardOptions): Promise<FastifyInstance> {
  const orders: Order[] = [{ id: 1, owner: 'user-1', item: 'coffee beans' }]
  const app = Fastify()
  await app.register(bearerGuard, options)

  app.get('/health', async () => ({ ok: true }))

  app.get('/orders', { onRequest: app.requireJwt({ scope: 'orders:read' }) }, async (request) => ({
    orders: orders.filter((order) => order.owner === request.auth?.payload.sub),
  }))

  app.post<{ Body: { item?: string } }>(
    '/orders',
    { onRequest: app.requireJwt({ scope: 'orders:write' }) },
    async (request, reply) => {
      const order = {
        id: orders.length + 1,
        owner: request.auth?.payload.sub ?? 'unknown',
        item: String(request.body?.item ?? 'something'),
      }
      orders.push(order)
      return reply.code(201).send(order)
    },
  )

  return app
}
