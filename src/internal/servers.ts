/**
 * The Node servers a Layer app opens, seen through Node's
 * `net.server.listen` tracing channel, so that `Threading.launch` can stop
 * them from accepting when the shutdown starts, without knowing which HTTP
 * library built them.
 *
 * @internal
 */
import type * as DiagnosticsChannel from "node:diagnostics_channel"
import type * as Net from "node:net"

interface HttpLikeServer extends Net.Server {
  closeIdleConnections?: () => void
  closeAllConnections?: () => void
}

/** @internal */
export interface Tracked {
  /** Stop listening and drop the idle keep-alive connections; requests in flight go on. */
  readonly stopAccepting: () => void
  /** Drop every connection left, half-sent requests included. */
  readonly closeAllConnections: () => void
}

/** @internal */
export const track = (): Tracked => {
  const servers = new Set<HttpLikeServer>()
  // Loaded when `launch` runs, so that importing the library stays free of Node modules.
  const diagnostics = process.getBuiltinModule("node:diagnostics_channel") as typeof DiagnosticsChannel
  const channel = diagnostics.tracingChannel<unknown, { server?: HttpLikeServer }>("net.server.listen")
  const onListening = (message: { server?: HttpLikeServer }) => {
    if (message.server !== undefined) servers.add(message.server)
  }
  channel.subscribe({
    start() {},
    end() {},
    asyncStart() {},
    asyncEnd: onListening,
    error() {}
  })
  return {
    stopAccepting: () => {
      for (const server of servers) {
        if (server.listening) server.close()
        server.closeIdleConnections?.()
      }
    },
    closeAllConnections: () => {
      for (const server of servers) server.closeAllConnections?.()
    }
  }
}
