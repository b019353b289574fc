/**
 * One `Threading` instance is one "interpreter": a registry of threads, a main
 * thread, and the shutdown sequence that gives Effect programs Python's exit
 * rule — the program ends when the main program and every non-daemon thread
 * have finished; daemon threads are then interrupted, their finalizers run.
 *
 * Shutdown, when the main program ends (success, failure or interruption):
 *
 * - (a) join the non-daemon threads, including ones started while waiting
 *   (at most `shutdownTimeout`);
 * - (b) run the `atExit` hooks, last registered first; daemon threads may
 *   still start, a non-daemon thread is refused;
 * - (c) interrupt the daemon threads, waiting at most `daemonGrace` for their
 *   finalizers; from here on, starting a thread fails;
 * - (d) done: `main` returns, `runMain` exits the process; the app's
 *   `layer` (an option of `main` and `runMain`) is released last, after every
 *   thread that used it has ended.
 *
 * @since 0.1.0
 * @module
 */
import type * as Cause from "effect/Cause"
import type * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import * as entry from "./internal/entry.js"
import * as internal from "./internal/instance.js"
import * as runtime from "./internal/node.js"
import * as options from "./internal/options.js"
import type { Thread, ThreadError } from "./Thread.js"

/**
 * @since 0.1.0
 * @category symbols
 */
export const TypeId: unique symbol = internal.ThreadingTypeId as TypeId

/**
 * @since 0.1.0
 * @category symbols
 */
export type TypeId = typeof TypeId

/**
 * A threading instance: its threads, its main thread and its shutdown.
 *
 * @since 0.1.0
 * @category models
 */
export interface Threading {
  readonly [TypeId]: TypeId
}

/**
 * The service tag of the threading instance that `Thread` functions use.
 * `main`, `runMain` and `layer` provide it; reading it gives the instance, to
 * query it later with `Effect.provideService`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Threading } from "effect-threading"
 *
 * const program = Effect.gen(function*() {
 *   const instance = yield* Threading.main(Threading.Threading)
 *   // after main has returned: only the main thread is listed
 *   const threads = yield* Effect.provideService(Threading.enumerate, Threading.Threading, instance)
 * })
 * ```
 *
 * @since 0.1.0
 * @category tags
 */
export const Threading: Context.Tag<Threading, Threading> = internal.tag

/**
 * Options of an instance (`main`, `runMain`, `layer`).
 *
 * Bad values are refused before anything runs, with a `ThreadError` naming
 * the option (`main` and `layer` die with it, `runMain` exits with code 1):
 * a duration that is negative, `NaN`, unparsable or too long, an
 * `excepthook` that is not a function, a key that is no option
 * (`shutdownTimeOut`: the message names the option it is a near miss of).
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /**
   * The longest wait for the non-daemon threads in step (a). Default: wait
   * forever, as Python does. Non-daemon threads still running after it are
   * interrupted in step (c) with the daemons, and a warning on stderr names
   * them.
   *
   * A non-negative duration of at most 2^31 - 1 ms (about 24.8 days: Effect
   * 3's `Clock` never wakes from a longer sleep, so a longer one is refused
   * rather than silently made "forever"), or `Infinity`: wait forever.
   */
  readonly shutdownTimeout?: Duration.DurationInput | undefined
  /**
   * The longest wait for interrupted threads' finalizers in step (c).
   * Default: 5 seconds. Threads still running after it are named in a
   * warning on stderr and left behind.
   *
   * A non-negative, finite duration of at most 2^31 - 1 ms (about 24.8 days).
   */
  readonly daemonGrace?: Duration.DurationInput | undefined
  /**
   * After the main program is interrupted (by a signal, or by whoever runs
   * `main`), the longest wait for its own finalizers — where a Layer app
   * provided inside the program closes its server — before the shutdown
   * sequence goes on without them, so that a container's single SIGTERM
   * still runs the `atExit` hooks and the daemons' finalizers before the
   * orchestrator's SIGKILL. Default: wait for them, as Python does. When it
   * elapses, a warning on stderr says so and the finalizers go on in the
   * background. A non-negative duration of at most 2^31 - 1 ms (about 24.8
   * days), or `Infinity`, the default.
   */
  readonly mainGrace?: Duration.DurationInput | undefined
  /**
   * Called with a thread that failed or died, in that thread, before it ends,
   * uninterruptibly. That includes a thread that fails or dies while being
   * interrupted (a daemon whose finalizer dies at exit); a thread that was
   * only interrupted is not reported. Default: prints
   * `Exception in thread NAME:` and the pretty cause to stderr, as Python's
   * `threading.excepthook` does. A hook that fails (or throws) is reported
   * with the thread's failure: both are printed. Must be a function. A hook
   * is bounded: see `excepthookTimeout`.
   */
  readonly excepthook?: ((thread: Thread, cause: Cause.Cause<unknown>) => Effect.Effect<void>) | undefined
  /**
   * The longest a custom `excepthook` may run for one failure. Default: 5
   * seconds. A hook still running then is given up — interrupted, not
   * waited for — and the thread's failure is printed after
   * `threading.excepthook did not end within excepthookTimeout (5s); given
   * up:`, so that a hook can neither hold the exit open (a failed non-daemon
   * thread is alive until its hook ends) nor hide the failure it was given.
   * A hook still running when its thread is stopped (step (c),
   * `Thread.interrupt`) or left behind at exit (`daemonGrace`) is given up in
   * the same way, at once. Any finite, non-negative `DurationInput`.
   *
   * @since 0.3.0
   */
  readonly excepthookTimeout?: Duration.DurationInput | undefined
}

/**
 * Options of `main` and `runMain`: those of an instance, and the app's layer.
 *
 * @example
 * ```ts
 * import { Effect, Layer } from "effect"
 * import { Threading } from "effect-threading"
 *
 * const options: Threading.MainOptions = { layer: Layer.empty, shutdownTimeout: "10 seconds" }
 *
 * const program = Threading.main(Effect.void, options)
 * ```
 *
 * @since 0.2.0
 * @category models
 */
export interface MainOptions<ROut = never, E = never> extends Options {
  /**
   * The app's services (a database pool, an HTTP server...), built once the
   * instance exists — so the layer may start threads — and provided to the
   * program. They are released after step (c): every thread that captured
   * them has ended by then, as Python's module globals outlive its threads.
   * (A layer provided inside the program with `Effect.provide` is released
   * when the main program ends, before step (a) waits for the threads.)
   */
  readonly layer?: Layer.Layer<ROut, E, Threading> | undefined
}

/**
 * Options of `runMain`: those of `main` (the app's layer included), and of
 * `NodeRuntime.runMain`.
 *
 * @since 0.1.0
 * @category models
 */
export interface RunMainOptions<ROut = never, E = never> extends MainOptions<ROut, E> {
  /**
   * Default: `false` — as `NodeRuntime.runMain`, the default logger is
   * replaced by Effect's pretty logger. Set it to keep the default logger
   * (and so `Logger.replace(Logger.defaultLogger, ...)` in the program).
   * Must be a boolean.
   */
  readonly disablePrettyLogger?: boolean | undefined
  /**
   * What an uncaught exception (a timer's callback threw) or an unhandled
   * promise rejection — a fault from outside Effect — does. Default:
   * `"shutdown"`: it is printed to stderr (`Uncaught exception outside
   * Effect; shutting down as after a signal (exit code 1)`, then the error
   * and its stack) and the program stops as after a first signal: the main
   * program is interrupted, the non-daemon threads are waited for (bounded
   * by `shutdownTimeout`), the `atExit` hooks and the daemons' finalizers
   * run (bounded by `daemonGrace`), and the exit code is 1. A second fault
   * or a signal cuts the wait as a second signal does; a third exits at
   * once. `"crash"`: Node's own behaviour, the stack printed and exit 1 at
   * once, nothing else run. (An app that listens to `unhandledRejection`
   * itself, or runs with `--unhandled-rejections=warn`, keeps its
   * rejections.) See docs/shutdown.md, "Faults from outside Effect".
   *
   * @since 0.3.0
   */
  readonly uncaught?: "shutdown" | "crash" | undefined
}

/**
 * The default of `Options.daemonGrace`: 5 seconds.
 *
 * @example
 * ```ts
 * import { Duration } from "effect"
 * import { Threading } from "effect-threading"
 *
 * Duration.toSeconds(Threading.defaultDaemonGrace) // 5
 * ```
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultDaemonGrace: Duration.Duration = options.DEFAULT_DAEMON_GRACE

/**
 * Runs `program` as the main thread of a fresh instance, then the shutdown
 * sequence; succeeds or fails with the program's own result, once shutdown
 * has finished. Invalid options make it die with a `ThreadError` at once.
 *
 * The `layer` option gives the program its services (a database pool...):
 * built once the instance exists, as the main thread, and released after
 * step (c), so the threads that captured them can use them to the end. A
 * layer given with `Effect.provide` inside the program would be released
 * when the program ends, before the wait for the threads.
 *
 * @example
 * ```ts
 * import { Console, Effect, Schedule } from "effect"
 * import { Thread, Threading } from "effect-threading"
 *
 * const program = Effect.gen(function*() {
 *   yield* Thread.spawn(
 *     Console.log("tick").pipe(Effect.repeat(Schedule.spaced("1 second"))),
 *     { daemon: true }
 *   )
 *   yield* Thread.spawn(Effect.sleep("3 seconds")) // holds the program open
 * })
 *
 * // ends after 3 seconds; the daemon is interrupted then
 * Effect.runPromise(Threading.main(program))
 * ```
 *
 * @since 0.1.0
 * @category running
 */
export const main: <A, E, R, ROut = never, LE = never>(
  program: Effect.Effect<A, E, R>,
  options?: MainOptions<ROut, LE>
) => Effect.Effect<A, E | LE, Exclude<R, Threading | ROut>> = entry.main

/**
 * The Node entry point: runs `main`, then ends the process even if stray
 * handles (timers, sockets) are left. Exit code 0 on success, 1 on failure
 * (the cause is printed to stderr), 130 after SIGINT, 143 after SIGTERM.
 *
 * The first signal interrupts the main program and starts the shutdown
 * sequence; a second one — or a first one that arrives while the non-daemon
 * threads are being waited for — skips that wait, in every instance of the
 * process (a `Threading.layer` inside the program too), and from then on the
 * process exits within `daemonGrace` + 1 s whatever still runs (a finalizer
 * that hangs, a server that will not close). A third one exits at once.
 * `mainGrace` bounds the main program's own finalizers after the first.
 *
 * The app's services go in the `layer` option (see `main`): released after
 * step (c), they outlive every thread. A Layer app runs as
 * `Threading.runMain(Layer.launch(App))`, with `Threading.layer` wired into
 * `App` as `layer` shows.
 *
 * It needs the optional peer dependencies `@effect/platform` and
 * `@effect/platform-node` (loaded when `runMain` is called; the rest of the
 * library does not need them), which npm does not install by itself:
 * `npm install @effect/platform@^0.97 @effect/platform-node@^0.108`.
 *
 * The program may need `Threading` and what the `layer` option provides,
 * nothing else: a service that nobody provides is a compile error (not a
 * `Service not found` at run time) whose message names it — `Property
 * '"runMain: provide these services with the layer option"' is missing ...
 * { ...: Db }`.
 *
 * @example
 * ```ts
 * import { Console, Context, Effect, Layer } from "effect"
 * import { Thread, Threading } from "effect-threading"
 *
 * class Db extends Context.Tag("Db")<Db, { readonly save: (row: string) => Effect.Effect<void> }>() {}
 * const DbLive = Layer.succeed(Db, { save: (row) => Console.log(`saved ${row}`) })
 *
 * const program = Effect.gen(function*() {
 *   const db = yield* Db
 *   yield* Thread.nonDaemon(db.save("report")) // Db stays open until it has ended
 * })
 *
 * Threading.runMain(program, { layer: DbLive, shutdownTimeout: "20 seconds", mainGrace: "5 seconds" })
 * ```
 *
 * @since 0.1.0
 * @category running
 */
export const runMain: {
  <A, E, R>(
    program:
      & Effect.Effect<A, E, R>
      & ([Exclude<R, Threading>] extends [never] ? unknown
        : { readonly "runMain: provide these services with the layer option": Exclude<R, Threading> }),
    options?: RunMainOptions<never, unknown>
  ): void
  <A, E, ROut, LE>(
    program: Effect.Effect<A, E, Threading | ROut>,
    options: RunMainOptions<ROut, LE> & { readonly layer: Layer.Layer<ROut, LE, Threading> }
  ): void
} = runtime.runMain as typeof runMain

/**
 * A layer providing a fresh instance; the fiber that uses it is the main
 * thread, and closing the layer's scope runs the shutdown sequence. Use it to
 * start threads from a request handler, a CLI, or any Effect program.
 *
 * Layers are released in the reverse order of their construction, and this
 * one waits for the non-daemon threads when it is released: a resource the
 * threads use must be built before it, so that it is released after them —
 * `App.pipe(Layer.provideMerge(Threading.layer()), Layer.provideMerge(DbLive))`.
 * Built after it (`Layer.provide(DbLive)` first), or beside it in
 * `Layer.mergeAll(Threading.layer(), DbLive)` (siblings are released in
 * parallel), the resource closes while the threads still use it. Under
 * `runMain`, a second signal cuts this instance's wait too.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Thread, Threading } from "effect-threading"
 *
 * const program = Thread.spawn(Effect.sleep("1 second")).pipe(
 *   Effect.provide(Threading.layer({ daemonGrace: "2 seconds" }))
 * ) // returns after the thread has ended
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: (options?: Options) => Layer.Layer<Threading> = entry.layer

/**
 * The threads alive now, in start order, after the main thread (Python's
 * `threading.enumerate()`). The main thread is always listed first, for the
 * instance's whole life: also in `atExit` hooks, while the daemons are being
 * stopped, and after `main` has returned — as CPython lists it at shutdown.
 * `Thread.isAlive` tells whether the main program is still running.
 *
 * @example
 * ```ts
 * import { Console, Effect } from "effect"
 * import { Thread, Threading } from "effect-threading"
 *
 * const program = Effect.gen(function*() {
 *   yield* Thread.spawn(Effect.never, { name: "watcher", daemon: true })
 *   const threads = yield* Threading.enumerate
 *   yield* Console.log(threads.map((t) => t.name)) // [ 'MainThread', 'watcher' ]
 * })
 *
 * Threading.runMain(program)
 * ```
 *
 * @since 0.1.0
 * @category getters
 */
export const enumerate: Effect.Effect<ReadonlyArray<Thread>, never, Threading> = internal.enumerate

/**
 * How many threads `enumerate` lists (Python's `threading.active_count()`):
 * the threads alive now plus the main thread, which is always counted, so it
 * is at least 1.
 *
 * @example
 * ```ts
 * import { Console, Effect } from "effect"
 * import { Thread, Threading } from "effect-threading"
 *
 * const program = Effect.gen(function*() {
 *   yield* Thread.spawn(Effect.sleep("1 second"))
 *   yield* Console.log(yield* Threading.activeCount) // 2
 * })
 *
 * Threading.runMain(program)
 * ```
 *
 * @since 0.1.0
 * @category getters
 */
export const activeCount: Effect.Effect<number, never, Threading> = internal.activeCount

/**
 * The main thread (Python's `threading.main_thread()`): named `MainThread`,
 * not a daemon. `Thread.isAlive` tells whether the main program is still
 * running.
 *
 * @example
 * ```ts
 * import { Console, Effect } from "effect"
 * import { Thread, Threading } from "effect-threading"
 *
 * const program = Effect.gen(function*() {
 *   const main = yield* Threading.mainThread
 *   const current = yield* Thread.current
 *   yield* Console.log(main === current) // true: the program runs as the main thread
 * })
 *
 * Threading.runMain(program)
 * ```
 *
 * @since 0.1.0
 * @category getters
 */
export const mainThread: Effect.Effect<Thread, never, Threading> = internal.mainThread

/**
 * Registers a hook that runs at shutdown (Python's `atexit.register`): after
 * the non-daemon threads have finished and before the daemon threads are
 * interrupted, last registered first. A failing hook is reported on stderr
 * and the others still run. The hook keeps the context it was registered in.
 *
 * Registering works until the hooks begin to run — also from a non-daemon
 * thread while the shutdown waits for it. From then on (inside a hook, or in
 * a finalizer at step (c)) it fails with
 * `ThreadError("can't register atexit after shutdown")` and the hook is not
 * registered: it could never run (CPython 3.11–3.13 accept it and silently
 * never run it). Something that is not an Effect is refused with a
 * `ThreadError` too.
 *
 * @example
 * ```ts
 * import { Console, Effect } from "effect"
 * import { Threading } from "effect-threading"
 *
 * const program = Threading.atExit(Console.log("bye"))
 *
 * Threading.runMain(program) // prints "bye" at exit
 * ```
 *
 * @since 0.1.0
 * @category lifecycle
 */
export const atExit: <X, E, R>(effect: Effect.Effect<X, E, R>) => Effect.Effect<void, ThreadError, Threading | R> =
  internal.atExit
