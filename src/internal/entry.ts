/**
 * The entry points that run a main program in a fresh instance: `main` (an
 * Effect), `layer` (the instance as a service; the layer's user is the main
 * program), and `mainWith`, which the Node entry points (`./node.ts`) build
 * on. Each makes the instance, starts its main thread, and runs the shutdown
 * (`./shutdown.ts`) when the main program has ended.
 *
 * @internal
 */
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import { identity } from "effect/Function"
import * as Layer from "effect/Layer"
import * as References from "effect/References"
import * as Scope from "effect/Scope"
import type * as Threading from "../Threading.js"
import * as errors from "./errors.js"
import * as instance_ from "./instance.js"
import type * as options_ from "./options.js"
import { loggingOf } from "./report.js"
import { runShutdown, stopMain } from "./shutdown.js"
import { startsInterrupted } from "./signals.js"
import { forkMain } from "./threadFiber.js"
import * as validate from "./validate.js"

/** `f` of checked input, or the defect that refuses it, before anything runs. */
const validated = <I, A, E, R>(
  check: () => I | errors.ThreadError,
  f: (input: I) => Effect.Effect<A, E, R>
): Effect.Effect<A, E, R> =>
  Effect.suspend(() => {
    const input = check()
    return input instanceof errors.ThreadError ? Effect.die(input) : f(input)
  })

/**
 * `main` of checked input (`validate.main`), with the app's layer (built in
 * the instance's `resources` scope, so it is released after step (c)). With
 * `entry`, the instance is the one an entry point runs: signals stop its main
 * program, which starts interrupted if one came while the runtime was
 * starting.
 *
 * @internal
 */
export const mainWith = <A, E, R, ROut = never, LE = never>(
  program: Effect.Effect<A, E, R>,
  input: validate.Entry,
  entry: boolean
): Effect.Effect<A, E | LE, Exclude<R, Threading.Threading | ROut>> => {
  const appLayer = input.layer as Layer.Layer<ROut, LE, any> | undefined
  return Effect.acquireUseRelease(
    instance_.make(input.options, entry),
    (instance) =>
      Effect.withFiber<A, E | LE, Exclude<R, Threading.Threading | ROut>>((parent) => {
        const context = Context.add(parent.context, instance_.tag, instance)
        const body: Effect.Effect<A, E | LE, any> = appLayer === undefined ? program : Effect.flatMap(
          Layer.buildWithScope(appLayer, instance.resources),
          (services) => {
            instance.logging = loggingOf(services)
            return Effect.provideContext(program, services)
          }
        )
        const fiber = forkMain(instance.mainThread, context, body) as Fiber.Fiber<A, E | LE>
        if (entry && startsInterrupted(instance_.received())) fiber.interruptUnsafe()
        return Effect.flatMap(Fiber.await(fiber), identity).pipe(
          Effect.onInterrupt(() => stopMain(instance, fiber))
        )
      }),
    (instance, exit) => Effect.andThen(runShutdown(instance), Scope.close(instance.resources, exit))
  )
}

/** @internal */
export const main = <A, E, R, ROut = never, LE = never>(
  program: Effect.Effect<A, E, R>,
  options?: options_.MainOptions<ROut, LE>
): Effect.Effect<A, E | LE, Exclude<R, Threading.Threading | ROut>> =>
  validated(() => validate.main(program, options), (input) => mainWith(program, input, false))

/** @internal */
export const layer = (options?: options_.Options): Layer.Layer<Threading.Threading> =>
  Layer.effectContext(
    validated(() => validate.layer(options), (resolved) =>
      Effect.gen(function*() {
        const mainEnded = yield* Deferred.make<void>()
        const instance = yield* Effect.acquireRelease(
          instance_.make(resolved, false),
          (instance) =>
            Deferred.succeed(mainEnded, undefined).pipe(
              Effect.andThen(Fiber.await(instance.mainThread.fiber!)),
              Effect.andThen(runShutdown(instance))
            )
        )
        yield* Effect.withFiber<void>((parent) => {
          forkMain(instance.mainThread, parent.context, Deferred.await(mainEnded))
          return Effect.void
        })
        const annotations = yield* References.CurrentLogAnnotations
        return Context.make(instance_.tag, instance).pipe(
          Context.add(References.CurrentLogAnnotations, { ...annotations, thread: "MainThread" })
        )
      }))
  )
