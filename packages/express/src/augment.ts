/** Types `req.auth` on every Express request: set by `requireJwt` once the token is accepted. */
import type { AuthInfo } from '@bearer-guard/core'

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- Express's own augmentation point
  namespace Express {
    interface Request {
      /** The verified token (`payload`, `header`); `undefined` on routes no guard ran on. */
      auth?: AuthInfo
    }
  }
}

export {}
