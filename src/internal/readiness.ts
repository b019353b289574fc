/**
 * Readiness: whether an instance is shutting down (`Threading.shuttingDown`),
 * and the answers of the readiness and liveness probes, without any HTTP
 * library (the `effect/http` routes are in `Readiness.ts`, a separate entry
 * point, so that importing the library does not load `effect/http`).
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type * as Http from "node:http"
import type * as Threading from "../Threading.js"
import { ThreadError } from "./errors.js"
import * as internal from "./instance.js"
import * as validate from "./validateModules.js"

/**
 * Whether the shutdown of `instance` has begun: an entry point (`runMain`,
 * `launch`) received a signal — during the drain too — or the main program
 * has ended.
 *
 * @internal
 */
export const isShuttingDown = (instance: internal.ThreadingImpl): boolean =>
  internal.processState.signals > 0 || instance.state._tag !== "Running"

/** @internal */
export const shuttingDown: Effect.Effect<boolean, never, Threading.Threading> = Effect.map(
  internal.tag,
  (self) => isShuttingDown(self as internal.ThreadingImpl)
)

/** @internal */
export interface PathOptions {
  readonly readyPath?: `/${string}` | undefined
  readonly livePath?: `/${string}` | undefined
}

/**
 * The status and body of a probe's answer.
 *
 * @internal
 */
export interface Answer {
  readonly status: number
  readonly body: string
}

/** @internal */
export const ready: Answer = { status: 200, body: "ready" }

/** @internal */
export const stopping: Answer = { status: 503, body: "shutting down" }

/** @internal */
export const alive: Answer = { status: 200, body: "alive" }

/** The readiness answer of `instance` now: 503 once its shutdown has begun. */
const readinessOf = (instance: internal.ThreadingImpl): Answer => isShuttingDown(instance) ? stopping : ready

/**
 * The readiness probe of the current instance, read once: a function that
 * gives its answer at the time of each call (one read of the instance's
 * state).
 *
 * @internal
 */
export const readinessProbe: Effect.Effect<() => Answer, never, Threading.Threading> = Effect.map(
  internal.tag,
  (self) => () => readinessOf(self as internal.ThreadingImpl)
)

/**
 * A `node:http` request listener for the two probes: answers `GET` (and
 * `HEAD`) on `readyPath` and `livePath` and returns `true`; returns `false`,
 * touching nothing, for any other request.
 *
 * @internal
 */
export const nodeHandler = (
  options?: PathOptions
): Effect.Effect<
  (request: Http.IncomingMessage, response: Http.ServerResponse) => boolean,
  never,
  Threading.Threading
> =>
  Effect.suspend(() => {
    const paths = validate.paths("Readiness.nodeHandler", options)
    if (paths instanceof ThreadError) return Effect.die(paths)
    return Effect.map(readinessProbe, (readiness) => {
      return (request: Http.IncomingMessage, response: Http.ServerResponse): boolean => {
        if (request.method !== "GET" && request.method !== "HEAD") return false
        const url = request.url ?? ""
        const query = url.indexOf("?")
        const path = query < 0 ? url : url.slice(0, query)
        const answer = path === paths.readyPath
          ? readiness()
          : path === paths.livePath
          ? alive
          : undefined
        if (answer === undefined) return false
        response.writeHead(answer.status, {
          "content-type": "text/plain; charset=utf-8",
          "content-length": Buffer.byteLength(answer.body),
          "cache-control": "no-store"
        })
        response.end(request.method === "HEAD" ? undefined : answer.body)
        return true
      }
    })
  })
