/**
 * The Node servers a Layer app opens, seen through Node's
 * `net.server.listen` tracing channel, so that `Threading.launch` can drain
 * and stop them when the shutdown starts, without knowing which HTTP
 * library built them.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type * as DiagnosticsChannel from "node:diagnostics_channel"
import type * as Http from "node:http"
import type * as Net from "node:net"
import type * as Threading from "../Threading.js"
import { tag, type ThreadingImpl } from "./instance.js"
import { shutdownReport } from "./report.js"
import * as text from "./reportText.js"

interface HttpLikeServer extends Net.Server {
  closeIdleConnections?: () => void
  closeAllConnections?: () => void
}

/** @internal */
export interface Tracked {
  /**
   * Stop listening and drop the idle keep-alive connections; requests in
   * flight go on, but their connections close once they are answered.
   * Completes once the idle connections have been closed.
   */
  readonly stopAccepting: Effect.Effect<void>
  /**
   * Drop every connection left, half-sent requests included, and report
   * them if there are any (their clients see a reset).
   */
  readonly closeAllConnections: Effect.Effect<void, never, Threading.Threading>
}

/**
 * The most turns of the event loop the stop waits for the connections
 * waiting to be accepted (Node accepts one a turn): Node's default listen
 * backlog (511) and one, so that a full queue is emptied, and a bound for
 * clients that keep connecting.
 */
const maxAcceptTurns = 512

/**
 * Where the tracked servers are: `Serving` while the app runs, `Stopping`
 * once they have been told to stop accepting (every answer closes its
 * connection).
 */
type State = "Serving" | "Stopping"

/**
 * Makes `response` the last one of its connection: a keep-alive client that
 * keeps sending on an open connection would otherwise go on starting work
 * (and the shutdown waiting for it) after the server stopped listening, or
 * send its next request on a connection about to be closed. `busy` tells
 * whether a connection has a request in flight.
 */
const lastOnItsConnection = (response: Http.ServerResponse, busy: (socket: Net.Socket) => boolean): void => {
  if (!response.headersSent) {
    response.shouldKeepAlive = false
  } else if (!response.writableFinished) {
    // Already answering (its keep-alive said): once it is done, its connection is dropped, unless a next request
    // came on it meanwhile (that one is answered with `Connection: close`). Only this connection: the others may
    // have been accepted a moment ago, their first request not read yet.
    const socket = response.socket
    response.once("finish", () =>
      setImmediate(() => {
        if (socket !== null && !busy(socket)) socket.destroy()
      }))
  }
}

/**
 * Tracks the servers that start listening from now on. `closing()` tells
 * whether the answers should close their connection already (the drain: the
 * app still accepts, but its keep-alive clients should move elsewhere).
 *
 * @internal
 */
export const track = (closing: () => boolean): Tracked => {
  const servers = new Set<HttpLikeServer>()
  /** The open connections of the HTTP servers, for the report of what `closeAllConnections` cut. */
  const connections = new Set<Net.Socket>()
  /** The responses not finished yet. */
  const inFlight = new Set<Http.ServerResponse>()
  let state: State = "Serving"
  const busy = (socket: Net.Socket): boolean => {
    for (const response of inFlight) {
      if (response.socket === socket) return true
    }
    return false
  }
  /** Connections accepted so far, by every tracked server (the stop watches it grow). */
  let accepted = 0
  const onRequest = (_request: Http.IncomingMessage, response: Http.ServerResponse) => {
    inFlight.add(response)
    response.once("close", () => inFlight.delete(response))
    if (state === "Stopping" || closing()) lastOnItsConnection(response, busy)
  }
  const onConnection = () => {
    accepted++
  }
  const onHttpConnection = (socket: Net.Socket) => {
    connections.add(socket)
    socket.once("close", () => connections.delete(socket))
  }
  // Loaded when `launch` runs, so that importing the library stays free of Node modules.
  const diagnostics = process.getBuiltinModule("node:diagnostics_channel") as typeof DiagnosticsChannel
  const net = process.getBuiltinModule("node:net") as typeof Net
  const channel = diagnostics.tracingChannel<unknown, { server?: HttpLikeServer }>("net.server.listen")
  const onListening = (message: { server?: HttpLikeServer }) => {
    const server = message.server
    if (server === undefined || servers.has(server)) return
    servers.add(server)
    server.on("connection", onConnection)
    // HTTP servers only; before the app's own listener, so that a response is marked before it is written.
    if (server.closeIdleConnections !== undefined) {
      server.prependListener("request", onRequest)
      server.on("connection", onHttpConnection)
    }
  }
  channel.subscribe({
    start() {},
    end() {},
    asyncStart() {},
    asyncEnd: onListening,
    error() {}
  })
  /**
   * The stop, so that no request the kernel had received before it began is
   * reset — closing a listening socket resets the connections still waiting
   * to be accepted, and closing an "idle" connection resets the request
   * Node has not read on it yet:
   *
   * 1. the servers keep listening for as long as the turns of the event
   *    loop accept connections (Node accepts one waiting connection per
   *    turn), until two turns in a row accept none, at most
   *    `maxAcceptTurns` turns, then stop listening — without
   *    Node's `http.Server.close`, which would also drop the idle
   *    connections at once;
   * 2. after one more turn (the first requests on the connections just
   *    accepted are read), the idle connections are closed.
   */
  const stopAccepting = Effect.callback<void>((resume) => {
    state = "Stopping"
    for (const response of inFlight) lastOnItsConnection(response, busy)
    let turns = 0
    let quiet = 0
    let seen = accepted
    const acceptWaiting = () => {
      quiet = accepted === seen ? quiet + 1 : 0
      seen = accepted
      // Two quiet turns: the first may come before the event loop has polled again.
      if (quiet < 2 && turns++ < maxAcceptTurns) return void setImmediate(acceptWaiting)
      for (const server of servers) {
        if (server.listening) net.Server.prototype.close.call(server)
      }
      setImmediate(() => {
        for (const server of servers) server.closeIdleConnections?.()
        resume(Effect.void)
      })
    }
    setImmediate(acceptWaiting)
  })
  return {
    stopAccepting,
    closeAllConnections: Effect.suspend(() => {
      let open = 0
      for (const socket of connections) {
        // A socket already ending (its last answer sent) is not cut.
        if (!socket.destroyed && !socket.writableEnded) open++
      }
      let unanswered = 0
      for (const response of inFlight) {
        if (!response.writableFinished) unanswered++
      }
      for (const server of servers) server.closeAllConnections?.()
      return open === 0 ? Effect.void : reportCut(open, Math.min(unanswered, open))
    })
  }
}

/** The connections cut before the layer's release, reported (`Closing 2 connections left at exit: ...`). */
const reportCut = (connections: number, unanswered: number): Effect.Effect<void, never, Threading.Threading> =>
  Effect.flatMap(
    tag,
    (instance) =>
      shutdownReport(
        instance as ThreadingImpl,
        "Warn",
        text.connectionsCut(connections, unanswered),
        undefined,
        { connections, unanswered }
      )
  )
