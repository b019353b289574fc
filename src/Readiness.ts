/**
 * Readiness and liveness probes for apps behind a load balancer or in
 * Kubernetes: the readiness probe answers 503 from the moment the shutdown
 * begins (the first signal, during `drainDelay` too, or the main program's
 * end), so that the load balancer takes the app out while it still serves;
 * the liveness probe answers 200 until the process ends, so that the
 * orchestrator never kills a process that is stopping on purpose.
 *
 * - `routes`: the two probes as routes of Effect's `effect/http` router.
 * - `readiness` / `liveness`: their answers, to mount on routes of your own.
 * - `nodeHandler`: the two probes for a plain `node:http` server.
 *
 * This module is a separate entry point (`effect-threading/Readiness`), not
 * re-exported by `effect-threading`: it loads `effect/http`, which the rest of
 * the library does not. `Threading.shuttingDown` is the same information as an
 * Effect, for any other kind of probe.
 *
 * @since 1.1.0
 * @module
 */
import * as Effect from "effect/Effect"
import * as HttpRouter from "effect/http/HttpRouter"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import * as Layer from "effect/Layer"
import type * as Http from "node:http"
import { ThreadError } from "./internal/errors.js"
import * as internal from "./internal/readiness.js"
import * as validate from "./internal/validateModules.js"
import type { Threading } from "./Threading.js"

/**
 * Where the probes answer. Paths start with `/` and have no query.
 *
 * @example
 * ```ts
 * import * as Readiness from "effect-threading/Readiness"
 *
 * const options: Readiness.Options = { readyPath: "/healthz/ready", livePath: "/healthz/live" }
 * ```
 *
 * @since 1.1.0
 * @category models
 */
export interface Options {
  /** The readiness probe's path. Default: `/ready`. */
  readonly readyPath?: `/${string}` | undefined
  /** The liveness probe's path. Default: `/live`. */
  readonly livePath?: `/${string}` | undefined
}

const answer = (a: internal.Answer): HttpServerResponse.HttpServerResponse =>
  HttpServerResponse.text(a.body, { status: a.status, headers: { "cache-control": "no-store" } })

/**
 * The readiness probe's answer now: `200 ready` while the app runs, `503
 * shutting down` from the moment its shutdown begins (`Threading.shuttingDown`).
 *
 * @example
 * ```ts
 * import { HttpRouter } from "effect/http"
 * import * as Readiness from "effect-threading/Readiness"
 *
 * // on a path of your own
 * const Probe = HttpRouter.add("GET", "/healthz/ready", Readiness.readiness)
 * ```
 *
 * @since 1.1.0
 * @category probes
 */
export const readiness: Effect.Effect<HttpServerResponse.HttpServerResponse, never, Threading> = Effect.map(
  internal.shuttingDown,
  (down) => answer(down ? internal.stopping : internal.ready)
)

/**
 * The liveness probe's answer: `200 alive`, until the process ends — a
 * stopping app is alive, and restarting it would cut its shutdown short.
 *
 * @example
 * ```ts
 * import { HttpRouter } from "effect/http"
 * import * as Readiness from "effect-threading/Readiness"
 *
 * const Probe = HttpRouter.add("GET", "/healthz/live", Readiness.liveness)
 * ```
 *
 * @since 1.1.0
 * @category probes
 */
export const liveness: Effect.Effect<HttpServerResponse.HttpServerResponse> = Effect.sync(() => answer(internal.alive))

/**
 * The two probes as a layer of routes for Effect's `HttpRouter`: `GET /ready`
 * (`readiness`) and `GET /live` (`liveness`), or the paths in `options`.
 * Invalid options make the layer die with a `ThreadError` naming the option
 * when it is built, before the server starts.
 *
 * @example
 * ```ts
 * import { createServer } from "node:http"
 * import { NodeHttpServer } from "@effect/platform-node"
 * import { Effect, Layer } from "effect"
 * import { HttpRouter, HttpServerResponse } from "effect/http"
 * import { Threading } from "effect-threading"
 * import * as Readiness from "effect-threading/Readiness"
 *
 * const Routes = HttpRouter.add("GET", "/", Effect.succeed(HttpServerResponse.text("hello")))
 *
 * const App = HttpRouter.serve(Layer.mergeAll(Routes, Readiness.routes())).pipe(
 *   Layer.provide(NodeHttpServer.layer(() => createServer(), { port: 3000, host: "127.0.0.1" }))
 * )
 *
 * // /ready answers 503 from the first SIGTERM; the app keeps serving for 5 s, then stops
 * Threading.launch(App, { drainDelay: "5 seconds" })
 * ```
 *
 * @since 1.1.0
 * @category routes
 */
export const routes = (options?: Options): Layer.Layer<never, never, HttpRouter.HttpRouter | Threading> => {
  const paths = validate.paths("Readiness.routes", options)
  if (paths instanceof ThreadError) return Layer.effectDiscard(Effect.die(paths))
  return HttpRouter.use((router) =>
    Effect.gen(function*() {
      // The instance is found once, when the routes are added: a probe costs one read of its state.
      const readinessNow = yield* internal.readinessProbe
      yield* router.add("GET", paths.readyPath, Effect.sync(() => answer(readinessNow())))
      yield* router.add("GET", paths.livePath, Effect.sync(() => answer(internal.alive)))
    })
  )
}

/**
 * The two probes for a plain `node:http` server: a request listener that
 * answers `GET` (and `HEAD`) on `/ready` and `/live` (or the paths in
 * `options`) as `routes` does and returns `true`, and returns `false` without
 * touching any other request, which is then the app's to answer. Invalid
 * options make it die with a `ThreadError` naming the option.
 *
 * @example
 * ```ts
 * import { createServer } from "node:http"
 * import { Effect, Layer } from "effect"
 * import { Threading } from "effect-threading"
 * import * as Readiness from "effect-threading/Readiness"
 *
 * const Server = Layer.effectDiscard(Effect.gen(function*() {
 *   const probes = yield* Readiness.nodeHandler()
 *   const server = createServer((request, response) => {
 *     if (probes(request, response)) return
 *     response.end("hello")
 *   })
 *   yield* Effect.acquireRelease(
 *     Effect.sync(() => server.listen(3000, "127.0.0.1")),
 *     () => Effect.callback<void>((resume) => void server.close(() => resume(Effect.void)))
 *   )
 * }))
 *
 * Threading.launch(Server, { drainDelay: "5 seconds" })
 * ```
 *
 * @since 1.1.0
 * @category probes
 */
export const nodeHandler: (
  options?: Options
) => Effect.Effect<(request: Http.IncomingMessage, response: Http.ServerResponse) => boolean, never, Threading> =
  internal.nodeHandler
