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
import * as options_ from "./options.js"
import { loggingOf } from "./report.js"
import { runShutdown, stopMain } from "./shutdown.js"
import { startsInterrupted } from "./signals.js"
import { forkMain } from "./threadFiber.js"

const validated = <A, E, R>(
  options: options_.Options | undefined,
  f: (options: options_.Resolved) => Effect.Effect<A, E, R>
): Effect.Effect<A, E, R> =>
  Effect.suspend(() => {
    const resolved = options_.resolve(options)
    return resolved instanceof errors.ThreadError ? Effect.die(resolved) : f(resolved)
  })

/**
 * `main`, with the app's layer (built in the instance's `resources` scope, so
 * it is released after step (c)). With `entry`, the instance is the one an
 * entry point runs: signals stop its main program, which starts interrupted
 * if one came while the runtime was starting.
 *
 * @internal
 */
export const mainWith = <A, E, R, ROut = never, LE = never>(
  program: Effect.Effect<A, E, R>,
  options: options_.Options | undefined,
  appLayer: Layer.Layer<ROut, LE, any> | undefined,
  entry: boolean
): Effect.Effect<A, E | LE, Exclude<R, Threading.Threading | ROut>> =>
  validated(options, (resolved) =>
    Effect.acquireUseRelease(
      instance_.make(resolved, entry),
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
    ))

/** @internal */
export const main = <A, E, R, ROut = never, LE = never>(
  program: Effect.Effect<A, E, R>,
  options?: options_.MainOptions<ROut, LE>
): Effect.Effect<A, E | LE, Exclude<R, Threading.Threading | ROut>> =>
  Effect.suspend(() => {
    const read = options_.read(options, ["layer"])
    return read instanceof errors.ThreadError
      ? Effect.die(read)
      : mainWith(program, options, read.layer as Layer.Layer<ROut, LE, any> | undefined, false)
  })

/** @internal */
export const layer = (options?: options_.Options): Layer.Layer<Threading.Threading> =>
  Layer.effectContext(
    validated(options, (resolved) =>
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
