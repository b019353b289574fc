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
 * - (b) run the `atExit` hooks, last registered first;
 * - (c) interrupt the daemon threads, waiting at most `daemonGrace` for their
 *   finalizers; from here on, starting a thread fails;
 * - (d) done: `main` returns, `runMain` exits the process.
 *
 * What the shutdown has to say — a warning when a bound elapses, the waiting
 * line after a signal, the thread dump, a thread's failure — goes through
 * Effect's logging (`Effect.logWarning` / `Effect.logError`, with the
 * `thread` annotation and structured fields), so it follows the app's logger;
 * Effect's default logger and the pretty one write it to stderr. A program
 * that ends by itself prints nothing, as in Python.
 *
 * @since 0.1.0
 * @module
 */
import type * as Cause from "effect/Cause"
import type * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import * as dump_ from "./internal/dump.js"
import * as entry from "./internal/entry.js"
import * as internal from "./internal/instance.js"
import * as runtime from "./internal/node.js"
import * as options from "./internal/options.js"
import * as readiness from "./internal/readiness.js"
import type { Thread, ThreadError } from "./Thread.js"

/**
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Threading } from "effect-threading"
 *
 * const program = Effect.gen(function*() {
 *   const instance = yield* Threading.Threading
 *   Threading.TypeId in instance // true
 * })
 * ```
 *
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
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Thread, Threading } from "effect-threading"
 *
 * // What needs an instance says so in its type; `main`, `runMain` or `layer` provides one.
 * const startWorker: Effect.Effect<void, Thread.ThreadError, Threading.Threading> = Effect.gen(function*() {
 *   const instance = yield* Threading.Threading
 *   yield* Thread.spawn(Effect.void)
 * })
 *
 * Threading.runMain(startWorker)
 * ```
 *
 * @since 0.1.0
 * @category tags
 */
export const Threading: Context.Service<Threading, Threading> = internal.tag

/**
 * Options of an instance (`main`, `runMain`, `layer`).
 *
 * Bad values are refused before anything runs, with a `ThreadError` naming
 * the option (`main` and `layer` die with it, `runMain` and `launch` exit
 * with code 1): a duration that is negative, `NaN`, unparsable or an object
 * without a unit (`{}`, `{ secs: 5 }`), an `excepthook` that is not a
 * function, a key that is no option (`shutdownTimeOut`: the message names the
 * option it is a near miss of).
 *
 * @example
 * ```ts
 * import { Console, Effect } from "effect"
 * import { Threading } from "effect-threading"
 *
 * const options: Threading.Options = {
 *   shutdownTimeout: "30 seconds",
 *   daemonGrace: "2 seconds",
 *   excepthook: (thread, cause) => Console.error(`thread ${thread.name} failed`)
 * }
 *
 * const program = Threading.main(Effect.void, options)
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /**
   * The longest wait for the non-daemon threads in step (a). Default: wait
   * forever, as Python does. Non-daemon threads still running after it are
   * interrupted in step (c) with the daemons; a warning names them
   * (`shutdownTimeout (30s) elapsed; interrupting non-daemon threads still
   * running: NAMES`), followed by the thread dump (`formatDump`), both logged
   * at level Warn.
   *
   * A non-negative duration of any length (Effect 4's `Clock` waits past a
   * Node timer's 2^31 - 1 ms in steps), or `Infinity`: wait forever.
   */
  readonly shutdownTimeout?: Duration.Input | undefined
  /**
   * The longest wait for interrupted threads' finalizers in step (c).
   * Default: 5 seconds. Threads still running after it are left behind; a
   * warning names them (`daemonGrace (5s) elapsed; threads still running at
   * exit: NAMES`), followed by the thread dump, both logged at level Warn.
   *
   * A non-negative, finite duration of any length. (The exit deadline after
   * a second signal, `daemonGrace` + 1 s, is a Node timer: it is capped at
   * 2^31 - 1 ms, about 24.8 days.)
   */
  readonly daemonGrace?: Duration.Input | undefined
  /**
   * After the main program is interrupted (by a signal, or by whoever runs
   * `main`), the longest wait for its own finalizers — where a Layer app
   * provided inside the program closes its server — before the shutdown
   * sequence goes on without them, so that a container's single SIGTERM
   * still runs the `atExit` hooks and the daemons' finalizers before the
   * orchestrator's SIGKILL. Default: wait for them, as Python does. When it
   * elapses, a warning and the thread dump (the main thread in it) are
   * logged. A non-negative duration of any length, or `Infinity` (the
   * default).
   */
  readonly mainGrace?: Duration.Input | undefined
  /**
   * Called with a thread that failed or died (not one that was interrupted),
   * in that thread, before it ends. Default: logs `Exception in thread NAME:`
   * at level Error with the failure as the entry's cause and the `thread`
   * annotation — Python's `threading.excepthook` text, through the thread's
   * loggers (Effect's default and pretty loggers print it on stderr, the
   * cause `Cause.pretty`-printed after it). A hook that fails is reported
   * (`Exception in threading.excepthook:`), then the thread's failure. Must
   * be a function. A hook is bounded: see `excepthookTimeout`.
   */
  readonly excepthook?: ((thread: Thread, cause: Cause.Cause<unknown>) => Effect.Effect<void>) | undefined
  /**
   * The longest a custom `excepthook` may run for one failure. Default: 5
   * seconds. A hook still running then is given up — interrupted, not
   * waited for — and the thread's failure is reported by the default hook
   * after `threading.excepthook did not end within excepthookTimeout (5s);
   * given up:`, so that a hook can neither hold the exit open (a failed
   * non-daemon thread is alive until its hook ends) nor hide the failure it
   * was given. A hook still running when its thread is stopped (step (c),
   * `Thread.interrupt`) or left behind at exit (`daemonGrace`) is given up
   * in the same way, at once. Any finite, non-negative `Duration.Input`.
   *
   * @since 1.1.0
   */
  readonly excepthookTimeout?: Duration.Input | undefined
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
 * @since 1.0.0
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
 * Options of `launch`: those of an instance, and how the process logs.
 *
 * @example
 * ```ts
 * import { Layer } from "effect"
 * import { Threading } from "effect-threading"
 *
 * const options: Threading.LaunchOptions = { daemonGrace: "1 second", disablePrettyLogger: true, drainDelay: "5 seconds" }
 *
 * Threading.launch(Layer.empty, options)
 * ```
 *
 * @since 1.0.0
 * @category models
 */
export interface LaunchOptions extends Options {
  /**
   * Default: `false` — the program logs through Effect's pretty logger
   * (`Logger.consolePretty()`), as `runMain` did in the Effect 3 edition
   * (where `NodeRuntime.runMain` installed it). Set it to keep Effect 4's
   * default loggers, or the ones the program installs with `Logger.layer`.
   *
   * Either way, the library's reports (warnings, the waiting line, the thread
   * dump, `Exception in thread NAME:`) go to stderr, the rest of the logs to
   * stdout: the reports are logged with `References.LogToStderr` set, which
   * both built-in loggers follow. Loggers given in the app's layer (`layer`
   * option, `launch`) write the shutdown's reports too, where they write.
   * Must be a boolean.
   */
  readonly disablePrettyLogger?: boolean | undefined
  /**
   * How long the app goes on serving after the first signal, while the
   * readiness probe (`Threading.shuttingDown`, `effect-threading/Readiness`)
   * already answers 503, so that load balancers and Kubernetes take it out
   * of rotation before it stops accepting. Default: 0 — the first signal
   * stops it at once. Any finite, non-negative `Duration.Input`.
   *
   * After the first signal the main program keeps running for `drainDelay`
   * (`launch`: the servers keep accepting and serving; every answer then
   * says `Connection: close`, so that keep-alive clients reconnect
   * elsewhere), with one line on stderr: `Draining for 5s: still serving
   * while readiness reports the shutdown; send SIGTERM again to stop now`.
   * Then the main program is interrupted and the shutdown goes on as
   * without a drain (`launch`: the servers stop accepting, idle keep-alive
   * connections are closed). A second signal ends the drain at once, and
   * does what a second signal does (stops the wait for the non-daemon
   * threads). A signal that comes before the main program has started, or
   * after it has ended, does not drain.
   *
   * @since 1.1.0
   */
  readonly drainDelay?: Duration.Input | undefined
  /**
   * What an uncaught exception (a timer's callback threw) or an unhandled
   * promise rejection — a fault from outside Effect — does. Default:
   * `"shutdown"`: it is logged at level Error (`Uncaught exception outside
   * Effect; shutting down as after a signal (exit code 1)`, the error and
   * its stack as the cause) and the program stops as after a first signal:
   * the main program is interrupted, the non-daemon threads are waited for
   * (bounded by `shutdownTimeout`), the `atExit` hooks and the daemons'
   * finalizers run (bounded by `daemonGrace`), and the exit code is 1. A
   * second fault or a signal cuts the wait as a second signal does; a third
   * exits at once. `"crash"`: Node's own behaviour, the stack printed and
   * exit 1 at once, nothing else run. (An app that listens to
   * `unhandledRejection` itself, or runs with `--unhandled-rejections=warn`,
   * keeps its rejections.) See docs/shutdown.md, "Faults from outside
   * Effect".
   *
   * @since 1.1.0
   */
  readonly uncaught?: "shutdown" | "crash" | undefined
}

/**
 * Options of `runMain`: those of `main` (the app's layer included) and of
 * `launch`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Threading } from "effect-threading"
 *
 * const options: Threading.RunMainOptions = { daemonGrace: "1 second", disablePrettyLogger: true }
 *
 * Threading.runMain(Effect.log("hello"), options) // logged by Effect 4's default logger
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface RunMainOptions<ROut = never, E = never> extends MainOptions<ROut, E>, LaunchOptions {}

/**
 * The default of `Options.daemonGrace`: 5 seconds.
 *
 * @example
 * ```ts
 * import { Duration } from "effect"
 * import { Threading } from "effect-threading"
 *
 * Duration.toMillis(Threading.defaultDaemonGrace) // 5000
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
 * Its reports go to the loggers of the context it runs in: under a plain
 * `Effect.runPromise`, Effect's default logger, which writes them to stderr
 * (`[12:00:00.000] WARN (#7): daemonGrace (5s) elapsed; ...`). In a test,
 * provide a `Logger` to capture them (see docs/shutdown.md).
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
 * sequence (with a `drainDelay`, it first lets the program run on for that
 * long while `shuttingDown` is true); a second one — or a first one that
 * arrives while the non-daemon threads are being waited for — ends the drain
 * and skips that wait. A third one exits at once.
 *
 * What it says meanwhile, on stderr through the pretty logger: when the first
 * signal leaves non-daemon threads to wait for, one line,
 * `Waiting for 3 non-daemon threads (job-1, job-2, job-3); press Ctrl+C again
 * to stop them` (after SIGTERM: `send SIGTERM again to stop them`); when a
 * signal skips the wait, `Stopping 3 non-daemon threads...` and the thread
 * dump. Nothing when there is nothing to wait for, nor while a program that
 * ended by itself waits for its threads.
 *
 * It needs `@effect/platform-node`, loaded when `runMain` is called: the rest
 * of the library does not.
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
 * import { Threading } from "effect-threading"
 *
 * Threading.runMain(Console.log("hello"))
 *
 * class Db extends Context.Service<Db, { readonly query: Effect.Effect<number> }>()("Db") {}
 * const DbLive = Layer.succeed(Db, { query: Effect.succeed(42) })
 * const report = Effect.gen(function*() {
 *   const db = yield* Db
 *   yield* Console.log(yield* db.query)
 * })
 *
 * Threading.runMain(report, { layer: DbLive }) // Db comes from the layer
 * // Threading.runMain(report)                 // does not compile: nothing provides Db
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
 * The Node entry point of a Layer app (an HTTP server, a queue consumer...):
 * what `NodeRuntime.runMain(Layer.launch(layer))` does, with `Threading`
 * provided to the layer and everything of `runMain` — exit codes 0/1/130/143,
 * a second signal skips the wait for the non-daemon threads, a third exits at
 * once, the process always ends.
 *
 * The layer is the app's "module globals": it is built once the instance
 * exists and released after step (c), so a database pool the request
 * handlers' threads use stays open until the last of them has ended. When
 * the shutdown starts, the Node servers the layer opened stop accepting and
 * drop their idle connections (requests in flight go on; a request that
 * reached the machine before is still read and answered); the connections
 * left are closed — and reported — before the layer is released, so a
 * half-sent request cannot hold the exit.
 *
 * For rolling deploys behind a load balancer, give a `drainDelay` and serve
 * the readiness probe of `effect-threading/Readiness`: after the first
 * signal the servers go on accepting and serving for `drainDelay` (every
 * answer saying `Connection: close`) while the probe says 503, and only then
 * stop (docs/kubernetes.md).
 *
 * @example
 * ```ts
 * import { Console, Effect, Layer } from "effect"
 * import { Thread, Threading } from "effect-threading"
 *
 * const Heartbeat = Layer.effectDiscard(
 *   Thread.daemon(Effect.forever(Console.log("alive").pipe(Effect.delay("1 second"))))
 * )
 *
 * Threading.launch(Heartbeat) // runs until SIGINT / SIGTERM
 * ```
 *
 * @since 1.0.0
 * @category running
 */
export const launch: <ROut, E>(layer: Layer.Layer<ROut, E, Threading>, options?: LaunchOptions) => void = runtime.launch

/**
 * One live thread in a `ThreadDump`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Threading } from "effect-threading"
 *
 * const daemonNames = Effect.map(
 *   Threading.dump,
 *   (dump) => dump.threads.filter((info: Threading.ThreadInfo) => info.daemon).map((info) => info.name)
 * )
 * ```
 *
 * @since 1.0.0
 * @category models
 */
export interface ThreadInfo {
  /** The thread's name. */
  readonly name: string
  /** Whether it is a daemon thread. */
  readonly daemon: boolean
  /** Whether it is the main thread. */
  readonly main: boolean
  /** Its ident (its fiber's id). */
  readonly ident: number | undefined
  /** How long it has run, by the Effect `Clock`. */
  readonly ageMillis: number
  /** `running` for the thread taking the dump; every other one is suspended (JavaScript runs one at a time). */
  readonly status: "running" | "suspended"
  /**
   * The names of its current span and the span's parents, outermost first:
   * Effect's built-in tracer records them with no tracer installed; an
   * installed tracer adds the thread's own span, `thread NAME`, first.
   */
  readonly spans: ReadonlyArray<string>
  /** Its current log annotations (`Effect.annotateLogs`), the `thread` name aside. */
  readonly annotations: Readonly<Record<string, unknown>>
  /** A cluster singleton's thread: the fencing token of its ownership period (`Thread.Singleton`). */
  readonly fencingToken?: bigint | undefined
}

/**
 * What `dump` returns: every live thread, the main thread first while it
 * runs.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Threading } from "effect-threading"
 *
 * const liveThreads = Effect.map(Threading.dump, (dump: Threading.ThreadDump) => dump.threads.length)
 * ```
 *
 * @since 1.0.0
 * @category models
 */
export interface ThreadDump {
  /** When it was taken, in the Effect `Clock`'s milliseconds. */
  readonly takenAt: number
  /** The live threads. */
  readonly threads: ReadonlyArray<ThreadInfo>
}

/**
 * "Why is it still running?": the thread dump of the instance — Java's
 * `jstack`, Go's SIGQUIT — listing each live thread with its name, daemon
 * flag, ident, age, and what it is doing as far as Effect can tell (its
 * spans and log annotations). The shutdown logs it by itself (one entry at
 * level Warn, its `formatDump` text as the message, `threadCount` as a field)
 * when `shutdownTimeout`, `daemonGrace` or `mainGrace` elapses and when a
 * signal cuts the wait for the non-daemon threads — showing the first 100
 * threads, then `... and N more` — and `formatDump` gives its text.
 *
 * @example
 * ```ts
 * import { Console, Effect } from "effect"
 * import { Thread, Threading } from "effect-threading"
 *
 * const program = Effect.gen(function*() {
 *   yield* Thread.spawn(Effect.never.pipe(Effect.withSpan("sync orders")), { name: "sync" })
 *   const dump = yield* Threading.dump
 *   yield* Console.log(Threading.formatDump(dump))
 * })
 * ```
 *
 * @since 1.0.0
 * @category getters
 */
export const dump: Effect.Effect<ThreadDump, never, Threading> = internal.dump

/**
 * The text of a `ThreadDump`, one block per thread as `jstack` prints them:
 *
 * ```text
 * Thread dump (2 threads):
 * "MainThread" #1 main age=4s suspended
 * "sync" #7 age=3s 998ms suspended
 *     spans: sync orders
 *     annotations: shard=3
 * ```
 *
 * Throws a `ThreadError` naming the field for what is not a `ThreadDump`
 * (`threads[0].name: expected string (got 42)`).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Threading } from "effect-threading"
 *
 * const text = Effect.map(Threading.dump, Threading.formatDump)
 * ```
 *
 * @since 1.0.0
 * @category getters
 */
export const formatDump: (dump: ThreadDump) => string = dump_.formatDump

/**
 * A layer providing a fresh instance; the fiber that uses it is the main
 * thread, and closing the layer's scope runs the shutdown sequence. Use it to
 * start threads from a request handler, a CLI, or any Effect program.
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
 * The threads alive now, the main thread included, in start order (Python's
 * `threading.enumerate()`).
 *
 * @example
 * ```ts
 * import { Console, Effect } from "effect"
 * import { Thread, Threading } from "effect-threading"
 *
 * const program = Effect.gen(function*() {
 *   yield* Thread.spawn(Effect.never, { name: "worker", daemon: true })
 *   const threads = yield* Threading.enumerate
 *   yield* Console.log(threads.map((t) => t.name)) // [ 'MainThread', 'worker' ]
 * })
 * ```
 *
 * @since 0.1.0
 * @category getters
 */
export const enumerate: Effect.Effect<ReadonlyArray<Thread>, never, Threading> = internal.enumerate

/**
 * How many threads are alive, the main thread included (Python's
 * `threading.active_count()`).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Thread, Threading } from "effect-threading"
 *
 * const program = Effect.gen(function*() {
 *   yield* Thread.spawn(Effect.never, { daemon: true })
 *   const n = yield* Threading.activeCount // 2: the main thread and the daemon
 * })
 * ```
 *
 * @since 0.1.0
 * @category getters
 */
export const activeCount: Effect.Effect<number, never, Threading> = internal.activeCount

/**
 * Whether the shutdown of the instance has begun: `true` from the first
 * signal an entry point (`runMain`, `launch`) receives — during its
 * `drainDelay` too — or once the main program has ended; `false` while the
 * program runs. What a readiness probe answers (`effect-threading/Readiness`
 * has the routes); a liveness probe should not look at it.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Threading } from "effect-threading"
 *
 * // a queue consumer that stops taking new messages once the shutdown has begun
 * declare const takeAndHandle: Effect.Effect<void>
 *
 * const consume = Effect.gen(function*() {
 *   while (!(yield* Threading.shuttingDown)) yield* takeAndHandle
 * })
 * ```
 *
 * @since 1.1.0
 * @category getters
 */
export const shuttingDown: Effect.Effect<boolean, never, Threading> = readiness.shuttingDown

/**
 * The main thread (Python's `threading.main_thread()`): named `MainThread`,
 * not a daemon.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Thread, Threading } from "effect-threading"
 *
 * const program = Effect.gen(function*() {
 *   const main = yield* Threading.mainThread
 *   main.name // "MainThread"
 *   const inWorker = yield* Thread.spawn(Effect.map(Threading.mainThread, (t) => t === main))
 *   const exit = yield* Thread.await(inWorker) // Exit.succeed(true)
 * })
 * ```
 *
 * @since 0.1.0
 * @category getters
 */
export const mainThread: Effect.Effect<Thread, never, Threading> = internal.mainThread

/**
 * Registers a hook that runs at shutdown (Python's `atexit.register`): after
 * the non-daemon threads have finished and before the daemon threads are
 * interrupted, last registered first. A failing hook is reported (logged at
 * level Error: `Exception ignored in atExit hook:` and its cause) and the
 * others still run. The hook keeps the context it was registered in.
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
