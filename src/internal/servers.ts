/**
 * The Node servers a Layer app opens, seen through Node's
 * `net.server.listen` tracing channel, so that `Threading.launch` can stop
 * them from accepting when the shutdown starts, without knowing which HTTP
 * library built them.
 *
 * @internal
 */
import type * as DiagnosticsChannel from "node:diagnostics_channel"
import type * as Http from "node:http"
import type * as Net from "node:net"

interface HttpLikeServer extends Net.Server {
  closeIdleConnections?: () => void
  closeAllConnections?: () => void
}

/** @internal */
export interface Tracked {
  /**
   * Stop listening and drop the idle keep-alive connections; requests in
   * flight go on, but their connections close once they are answered.
   */
  readonly stopAccepting: () => void
  /** Drop every connection left, half-sent requests included. */
  readonly closeAllConnections: () => void
}

/**
 * Where the tracked servers are: `Serving` while the app runs (the responses
 * in flight are kept, to be told to close their connection at the stop),
 * `Stopping` once the shutdown has started (every response closes its
 * connection).
 */
type State =
  | { readonly _tag: "Serving"; readonly inFlight: Map<Http.ServerResponse, HttpLikeServer> }
  | { readonly _tag: "Stopping" }

/**
 * Makes `response` the last one of its connection: a keep-alive client that
 * keeps sending on an open connection would otherwise go on starting work
 * (and the shutdown waiting for it) after the server stopped listening.
 */
const lastOnItsConnection = (server: HttpLikeServer, response: Http.ServerResponse): void => {
  if (!response.headersSent) {
    response.shouldKeepAlive = false
  } else if (!response.writableFinished) {
    // Already answering: once it is done the connection is idle, and dropped.
    response.once("finish", () => setImmediate(() => server.closeIdleConnections?.()))
  }
}

/** @internal */
export const track = (): Tracked => {
  const servers = new Set<HttpLikeServer>()
  let state: State = { _tag: "Serving", inFlight: new Map() }
  const onRequest = function(this: HttpLikeServer, _request: Http.IncomingMessage, response: Http.ServerResponse) {
    if (state._tag === "Stopping") return lastOnItsConnection(this, response)
    const inFlight = state.inFlight
    inFlight.set(response, this)
    response.once("close", () => inFlight.delete(response))
  }
  // Loaded when `launch` runs, so that importing the library stays free of Node modules.
  const diagnostics = process.getBuiltinModule("node:diagnostics_channel") as typeof DiagnosticsChannel
  const channel = diagnostics.tracingChannel<unknown, { server?: HttpLikeServer }>("net.server.listen")
  const onListening = (message: { server?: HttpLikeServer }) => {
    const server = message.server
    if (server === undefined || servers.has(server)) return
    servers.add(server)
    // HTTP servers only; before the app's own listener, so that a response is marked before it is written.
    if (server.closeIdleConnections !== undefined) server.prependListener("request", onRequest)
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
      const serving = state
      state = { _tag: "Stopping" }
      for (const server of servers) {
        if (server.listening) server.close()
        server.closeIdleConnections?.()
      }
      if (serving._tag === "Serving") {
        for (const [response, server] of serving.inFlight) lastOnItsConnection(server, response)
      }
    },
    closeAllConnections: () => {
      for (const server of servers) server.closeAllConnections?.()
    }
  }
}
