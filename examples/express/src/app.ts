/**
 * A small orders API on Express 5. Every /orders route needs a valid token; reading needs the
 * `orders:read` scope and creating needs `orders:write`. /health stays public.
 */
import express from 'express'
import type { Express } from 'express'
import { requireJwt } from '@bearer-guard/express'
import type { GuardOptions } from '@bearer-guard/express'

interface Order {
  id: number
  owner: string
  item: string
}

/** Builds the app; `options` are the guard options (issuer, audience, ...). */
export function ordersApp(options: GuardOptions): Express {
  const orders: Order[] = [{ id: 1, owner: 'user-1', item: 'coffee beans' }]
  const auth = requireJwt(options)
  const app = express()

  app.get('/health', (_req, res) => {
    res.json({ ok: true })
  })

  app.get('/orders', auth.require({ scope: 'orders:read' }), (req, res) => {
    res.json({ orders: orders.filter((order) => order.owner === req.auth?.payload.sub) })
  })

  app.post('/orders', express.json(), auth.require({ scope: 'orders:write' }), (req, res) => {
    const order = {
      id: orders.length + 1,
      owner: req.auth!.payload.sub ?? 'unknown',
      item: String(req.body?.item ?? 'something'),
    }
    orders.push(order)
    res.status(201).json(order)
  })

  return app
}
