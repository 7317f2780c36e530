/** Types `ctx.state.auth`: set by `requireJwt` once the token is accepted. */
import type { AuthInfo } from '@bearer-guard/core'

declare module 'koa' {
  interface DefaultState {
    /** The verified token (`payload`, `header`); `undefined` where no guard ran. */
    auth?: AuthInfo
  }
}

export {}
