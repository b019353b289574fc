/**
 * Threads in the style of Python's `threading.Thread`, as Effect fibers.
 *
 * A thread runs an effect (its *target*) in a fiber that belongs to the
 * `Threading` instance, not to the fiber that started it. A non-daemon thread
 * holds the program open until it ends; a daemon thread never does and is
 * interrupted (its finalizers run) when the program ends.
 *
 * @since 0.1.0
 * @module
 */
import type * as Cause from "effect/Cause"
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import type * as Inspectable from "effect/Inspectable"
import type * as Option from "effect/Option"
import type * as Pipeable from "effect/Pipeable"
import type * as Schedule from "effect/Schedule"
import type * as Types from "effect/Types"
import * as errors from "./internal/errors.js"
import * as instance from "./internal/instance.js"
import * as thread_ from "./internal/thread.js"
import * as internal from "./internal/threadOps.js"
import * as toolkit from "./internal/toolkit.js"
import type { Threading } from "./Threading.js"

/**
 * @since 0.1.0
 * @category symbols
 */
export const TypeId: unique symbol = thread_.ThreadTypeId as TypeId

/**
 * @since 0.1.0
 * @category symbols
 */
export type TypeId = typeof TypeId

/**
 * A thread: a target effect, a name, a daemon flag and, once started, the
 * fiber that runs it. `A` and `E` are the target's success and error types,
 * seen through `Thread.await`.
 *
 * `toString()` gives Python's `repr`:
 * `<Thread(Thread-1, initial daemon)>`, `<Thread(Thread-1, started daemon 7)>`,
 * `<Thread(Thread-1, stopped 7)>`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Thread<out A = unknown, out E = unknown> extends Pipeable.Pipeable, Inspectable.Inspectable {
  readonly [TypeId]: Thread.Variance<A, E>
  /** The thread's name: `Thread-N` by default, `MainThread` for the main thread. */
  readonly name: string
  /** Whether the thread is a daemon. Settable with `setDaemon` until it starts. */
  readonly daemon: boolean
  /** `undefined` until started, then a unique positive integer (its fiber's id). */
  readonly ident: number | undefined
}

/**
 * @since 0.1.0
 */
export declare namespace Thread {
  /**
   * @since 0.1.0
   * @category models
   */
  export interface Variance<out A, out E> {
    readonly _A: Types.Covariant<A>
    readonly _E: Types.Covariant<E>
  }
}

/**
 * Options of `make` and `spawn`, as Python's `Thread(name=..., daemon=...)`.
 *
 * Checked before anything runs (plain JavaScript callers pass anything):
 * `name` must be a string and `daemon` a boolean — `{ daemon: "false" }` is
 * refused, not taken as true — and a key that is no option is refused,
 * naming the option it is a near miss of (`deamon`). `spawn` fails with the
 * `ThreadError`, `make` dies with it.
 *
 * @since 0.1.0
 * @category models
 */
export interface MakeOptions {
  /**
   * Default: `Thread-N`, N counting from 1 in each `Threading` instance. An
   * empty name counts as none (`Thread-N`), as in CPython.
   */
  readonly name?: string | undefined
  /** Default: the creating thread's flag (the main thread is not a daemon). */
  readonly daemon?: boolean | undefined
}

/**
 * Options of `join`.
 *
 * @since 0.1.0
 * @category models
 */
export interface JoinOptions {
  /**
   * The longest wait. `join` succeeds either way, as Python's does: check
   * `isAlive` to tell. A negative number counts as zero, as in Python;
   * `Infinity` waits as long as it takes. A finite timeout may be at most
   * 2^31 - 1 ms (about 24.8 days: Effect 3's `Clock` never wakes from a
   * longer sleep); anything else that is not a duration is refused.
   */
  readonly timeout?: Duration.DurationInput | undefined
}

/**
 * The error for misuse, carrying Python's own message: `threads can only be
 * started once`, `cannot join thread before it is started`, `cannot join
 * current thread`, `cannot set daemon status of active thread`, `can't create
 * new thread at interpreter shutdown`, `can't register atexit after
 * shutdown`; `invalid option NAME: ...` for an option that is invalid,
 * unknown or cannot be read; and `ENTRY expects ... (got ...)` for an
 * argument that is not what the entry takes (`Thread.spawn expects an Effect
 * as its target argument (got a function)`).
 *
 * A tagged error: `Effect.catchTag("ThreadError", ...)` catches it, and
 * `message` says what went wrong.
 *
 * @example
 * ```ts
 * import { Console, Effect } from "effect"
 * import { Thread, Threading } from "effect-threading"
 *
 * const program = Effect.gen(function*() {
 *   const t = yield* Thread.spawn(Effect.void)
 *   yield* Thread.start(t).pipe(
 *     Effect.catchTag("ThreadError", (e) => Console.log(e.message)) // threads can only be started once
 *   )
 * })
 *
 * Threading.runMain(program)
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export interface ThreadError extends Cause.YieldableError {
  /** Always `"ThreadError"`: the tag `Effect.catchTag("ThreadError", ...)` matches. */
  readonly _tag: "ThreadError"
  /** What went wrong, in Python's words: `threads can only be started once`, ... */
  readonly message: string
}

/**
 * Creates a `ThreadError` (the library does; a test may too). `instanceof
 * Thread.ThreadError` tells one apart.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Thread } from "effect-threading"
 *
 * const error = new Thread.ThreadError({ message: "threads can only be started once" })
 * error._tag // "ThreadError"
 * const failed = Effect.fail(error).pipe(Effect.catchTag("ThreadError", (e) => Effect.succeed(e.message)))
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export const ThreadError: new(args: { readonly message: string }) => ThreadError = errors.ThreadError

/**
 * Tells whether a value is a `Thread`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Thread } from "effect-threading"
 *
 * const program = Effect.gen(function*() {
 *   const t = yield* Thread.spawn(Effect.void)
 *   Thread.isThread(t) // true
 *   Thread.isThread({ name: "Thread-1" }) // false
 * })
 * ```
 *
 * @since 0.1.0
 * @category refinements
 */
export const isThread: (u: unknown) => u is Thread<unknown, unknown> = thread_.isThread

/**
 * Creates an unstarted thread that will run `target`. The target's context is
 * captured now, so the thread has the services that were in scope here.
 *
 * Its error channel is `never`: a target that is not an Effect
 * (`Thread.make(() => 1)`, Python's `target=f`: wrap a function as
 * `Effect.sync(f)`) or an invalid option makes it die with a `ThreadError`
 * naming the argument or option (`spawn` and the other constructors fail
 * with it instead).
 *
 * @example
 * ```ts
 * import { Console, Effect } from "effect"
 * import { Thread, Threading } from "effect-threading"
 *
 * const program = Effect.gen(function*() {
 *   const t = yield* Thread.make(Console.log("hello"), { name: "greeter" })
 *   yield* Thread.setDaemon(t, true)
 *   yield* Thread.start(t)
 *   yield* Thread.join(t)
 * })
 *
 * Threading.runMain(program)
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: <A, E, R>(
  target: Effect.Effect<A, E, R>,
  options?: MakeOptions
) => Effect.Effect<Thread<A, E>, never, Threading | R> = internal.make

/**
 * Starts a thread. Fails with `threads can only be started once` on a second
 * call, and with `can't create new thread at interpreter shutdown` once the
 * daemon threads are being stopped (step (c)) — or, for a non-daemon thread,
 * once the `atExit` hooks have begun (step (b)), as in CPython 3.12: nothing
 * would wait for it.
 *
 * @example
 * ```ts
 * import { Console, Effect } from "effect"
 * import { Thread } from "effect-threading"
 *
 * const program = Effect.gen(function*() {
 *   const t = yield* Thread.make(Console.log("working"))
 *   yield* Thread.start(t)
 *   // a second start fails: ThreadError("threads can only be started once")
 *   const error = yield* Effect.flip(Thread.start(t))
 * })
 * ```
 *
 * @since 0.1.0
 * @category lifecycle
 */
export const start: <A, E>(self: Thread<A, E>) => Effect.Effect<void, ThreadError> = internal.start

/**
 * Creates and starts a thread (`make` + `start`). Fails with a `ThreadError`
 * before anything starts if `target` is not an Effect — `Thread.spawn(() =>
 * 1)`, Python's `target=f`, is refused: wrap a function as `Effect.sync(f)`,
 * an async one as `Effect.promise(f)` — or if an option is invalid.
 *
 * @example
 * ```ts
 * import { Console, Effect, Schedule } from "effect"
 * import { Thread, Threading } from "effect-threading"
 *
 * const program = Effect.gen(function*() {
 *   yield* Thread.spawn(
 *     Console.log("Daemon thread running...").pipe(Effect.repeat(Schedule.spaced("2 seconds"))),
 *     { daemon: true }
 *   )
 *   yield* Effect.sleep("5 seconds")
 *   yield* Console.log("Main thread exiting...")
 * })
 *
 * Threading.runMain(program)
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const spawn: <A, E, R>(
  target: Effect.Effect<A, E, R>,
  options?: MakeOptions
) => Effect.Effect<Thread<A, E>, ThreadError, Threading | R> = internal.spawn

/**
 * Sets the daemon flag of a thread that has not started yet (Python's
 * `t.daemon = True`). Fails with `cannot set daemon status of active thread`
 * once it has started.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Thread } from "effect-threading"
 *
 * const daemon = Effect.gen(function*() {
 *   const t = yield* Thread.make(Effect.never)
 *   yield* t.pipe(Thread.setDaemon(true))
 *   yield* Thread.start(t)
 * })
 * ```
 *
 * @since 0.1.0
 * @category lifecycle
 */
export const setDaemon: {
  (daemon: boolean): <A, E>(self: Thread<A, E>) => Effect.Effect<void, ThreadError>
  <A, E>(self: Thread<A, E>, daemon: boolean): Effect.Effect<void, ThreadError>
} = internal.setDaemon

/**
 * Waits until the thread ends, or until `timeout` has passed. Succeeds with
 * `void` either way, as Python's `join` does: check `isAlive` after a timeout.
 * Fails with `cannot join thread before it is started` or `cannot join
 * current thread`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Thread } from "effect-threading"
 *
 * const program = Effect.gen(function*() {
 *   const t = yield* Thread.spawn(Effect.sleep("10 seconds"))
 *   yield* Thread.join(t, { timeout: "1 second" })
 *   const alive = yield* Thread.isAlive(t) // true
 * })
 * ```
 *
 * @since 0.1.0
 * @category lifecycle
 */
export const join: <A, E>(self: Thread<A, E>, options?: JoinOptions) => Effect.Effect<void, ThreadError> = internal.join

/**
 * Waits until the thread ends and returns its `Exit`: its result, its
 * failure, or its interruption. Fails as `join` does on misuse.
 *
 * @example
 * ```ts
 * import { Effect, Exit } from "effect"
 * import { Thread } from "effect-threading"
 *
 * const program = Effect.gen(function*() {
 *   const t = yield* Thread.spawn(Effect.succeed(42))
 *   const exit = yield* Thread.await(t)
 *   if (Exit.isSuccess(exit)) {
 *     exit.value // 42
 *   }
 * })
 * ```
 *
 * @since 0.1.0
 * @category lifecycle
 */
const await_: <A, E>(self: Thread<A, E>) => Effect.Effect<Exit.Exit<A, E>, ThreadError> = internal.await_

export { await_ as await }

/**
 * Whether the thread has started and not yet ended (Python's `is_alive()`).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Thread } from "effect-threading"
 *
 * const program = Effect.gen(function*() {
 *   const t = yield* Thread.make(Effect.sleep("1 second"))
 *   yield* Thread.isAlive(t) // false: not started
 *   yield* Thread.start(t)
 *   yield* Thread.isAlive(t) // true
 *   yield* Thread.join(t)
 *   yield* Thread.isAlive(t) // false: ended
 * })
 * ```
 *
 * @since 0.1.0
 * @category getters
 */
export const isAlive: <A, E>(self: Thread<A, E>) => Effect.Effect<boolean> = internal.isAlive

/**
 * Interrupts a running thread and waits until it has ended, its finalizers
 * included. Does nothing for a thread that has not started or has ended.
 *
 * @example
 * ```ts
 * import { Console, Effect } from "effect"
 * import { Thread } from "effect-threading"
 *
 * const program = Effect.gen(function*() {
 *   const t = yield* Thread.spawn(
 *     Effect.never.pipe(Effect.ensuring(Console.log("cleaned up")))
 *   )
 *   yield* Thread.interrupt(t) // prints "cleaned up", then returns
 * })
 * ```
 *
 * @since 0.1.0
 * @category lifecycle
 */
export const interrupt: <A, E>(self: Thread<A, E>) => Effect.Effect<void> = internal.interrupt

/**
 * The calling fiber's thread (Python's `threading.current_thread()`); outside
 * any thread of the instance, the main thread.
 *
 * Fibers forked inside a thread report it too, but only `Effect.fork`
 * children are part of it: they are interrupted when the thread ends (as any
 * child fiber is when its parent ends). A fiber forked with
 * `Effect.forkDaemon` inside a thread reports the thread, but it is neither
 * waited for nor stopped by the shutdown — it can keep a process alive.
 * Start a thread (`Thread.spawn`, `Thread.daemon`) for work that must outlive
 * the fiber that starts it.
 *
 * @example
 * ```ts
 * import { Console, Effect } from "effect"
 * import { Thread, Threading } from "effect-threading"
 *
 * const whoAmI = Effect.flatMap(Thread.current, (t) => Console.log(t.name))
 *
 * const program = Effect.gen(function*() {
 *   yield* whoAmI // MainThread
 *   const t = yield* Thread.spawn(whoAmI, { name: "worker" }) // worker
 *   yield* Thread.join(t)
 * })
 *
 * Threading.runMain(program)
 * ```
 *
 * @since 0.1.0
 * @category getters
 */
export const current: Effect.Effect<Thread, never, Threading> = instance.current

/**
 * Marks a section that interruption cannot cut: a daemon inside it when the
 * program ends finishes the section (within `daemonGrace`) before it stops.
 * Use it for the critical work Python warns daemons against: file writes,
 * database transactions.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { FileSystem } from "@effect/platform"
 * import { Thread } from "effect-threading"
 *
 * const save = (data: string) =>
 *   Effect.gen(function*() {
 *     const fs = yield* FileSystem.FileSystem
 *     yield* Thread.critical(
 *       fs.writeFileString("state.json.tmp", data).pipe(
 *         Effect.zipRight(fs.rename("state.json.tmp", "state.json"))
 *       )
 *     )
 *   })
 * ```
 *
 * @since 0.1.0
 * @category combinators
 */
export const critical: <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R> = internal.critical

// -----------------------------------------------------------------------------
// Background toolkit: the seed's uses of daemon threads as pieces.
// -----------------------------------------------------------------------------

/**
 * Options of `daemon` and `nonDaemon`: those of `spawn` without the flag,
 * which the shorthand sets.
 *
 * @since 0.1.0
 * @category models
 */
export interface ShorthandOptions {
  /** Default: `Thread-N` (also for an empty name). */
  readonly name?: string | undefined
}

/**
 * Starts a daemon thread: `spawn(effect, { daemon: true })`. Use it for
 * background work that must never hold the program open — logging,
 * monitoring, maintenance. It is interrupted (its finalizers run) when the
 * program ends.
 *
 * Python: `threading.Thread(target=f, daemon=True).start()`.
 *
 * @example
 * ```ts
 * import { Console, Effect, Schedule } from "effect"
 * import { Thread, Threading } from "effect-threading"
 *
 * const program = Effect.gen(function*() {
 *   yield* Thread.daemon(
 *     Console.log("heartbeat").pipe(Effect.repeat(Schedule.spaced("1 second"))),
 *     { name: "heartbeat" }
 *   )
 *   yield* Effect.sleep("3 seconds")
 * })
 *
 * Threading.runMain(program) // exits after 3 seconds
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const daemon: <A, E, R>(
  effect: Effect.Effect<A, E, R>,
  options?: ShorthandOptions
) => Effect.Effect<Thread<A, E>, ThreadError, Threading | R> = toolkit.daemon

/**
 * Starts a non-daemon thread: `spawn(effect, { daemon: false })`, whatever
 * the creating thread's flag. The program does not end before it has
 * finished. Use it for work that must complete — a daemon can hand such work
 * off with it.
 *
 * Python: `threading.Thread(target=f, daemon=False).start()`.
 *
 * @example
 * ```ts
 * import { Console, Effect } from "effect"
 * import { Thread, Threading } from "effect-threading"
 *
 * const program = Thread.nonDaemon(
 *   Effect.sleep("2 seconds").pipe(Effect.zipRight(Console.log("report sent")))
 * )
 *
 * Threading.runMain(program) // prints "report sent", then exits
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const nonDaemon: <A, E, R>(
  effect: Effect.Effect<A, E, R>,
  options?: ShorthandOptions
) => Effect.Effect<Thread<A, E>, ThreadError, Threading | R> = toolkit.nonDaemon

/**
 * Options of `periodic`.
 *
 * @since 0.1.0
 * @category models
 */
export interface PeriodicOptions extends MakeOptions {
  /** Default: `true` — a periodic thread is a daemon unless told otherwise. */
  readonly daemon?: boolean | undefined
  /**
   * Default: `false` — a failed (or dead) run is reported through the
   * excepthook and the next run goes ahead as scheduled. With `true`, the
   * first failure ends the thread (and is reported once, as any thread's).
   */
  readonly stopOnError?: boolean | undefined
  /**
   * Default: `true` — the first run starts at once and the schedule spaces
   * the following ones (`Effect.repeat`). With `false`, the schedule's first
   * delay comes first (`Effect.schedule`): what a cron job wants.
   */
  readonly immediate?: boolean | undefined
}

/**
 * Starts a thread — a daemon by default — that runs `effect` over and over on
 * an Effect `Schedule`: `Schedule.spaced` (a pause between runs),
 * `Schedule.fixed` (a steady rate), `Schedule.cron`, or any composition. The
 * schedule sees time and counts only (its input is `unknown`); when it ends,
 * the thread ends with its output.
 *
 * A failure of one run goes to the instance's excepthook and the loop goes
 * on, unless `stopOnError` is set. Interruption — the program's end, for a
 * daemon — stops it between or during runs; its finalizers run.
 *
 * Python: a daemon thread whose target is
 * `while True:` / `try: f()` / `except Exception: traceback.print_exc()` /
 * `time.sleep(60)`.
 *
 * @example
 * ```ts
 * import { Console, Effect, Schedule } from "effect"
 * import { Thread, Threading } from "effect-threading"
 *
 * const program = Effect.gen(function*() {
 *   yield* Thread.periodic(Console.log("cleaning up"), Schedule.spaced("1 minute"), {
 *     name: "janitor"
 *   })
 *   yield* Thread.periodic(Console.log("nightly report"), Schedule.cron("0 3 * * *"), {
 *     immediate: false
 *   })
 *   // ... the main program; both daemons stop when it ends
 * })
 *
 * Threading.runMain(program)
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const periodic: <A, E, R, Out, R2>(
  effect: Effect.Effect<A, E, R>,
  schedule: Schedule.Schedule<Out, unknown, R2>,
  options?: PeriodicOptions
) => Effect.Effect<Thread<Out, E>, ThreadError, Threading | R | R2> = toolkit.periodic

/**
 * @since 0.1.0
 * @category symbols
 */
export const TimerTypeId: unique symbol = toolkit.TimerTypeId as TimerTypeId

/**
 * @since 0.1.0
 * @category symbols
 */
export type TimerTypeId = typeof TimerTypeId

/**
 * Python's `threading.Timer`: a thread that waits `interval`, then runs its
 * effect once — unless `cancel` came first. It is a `Thread` in every way
 * (`join`, `await`, `isAlive`, `interrupt`, `toString` gives
 * `<Timer(Thread-1, started 7)>`); `await` gives `Some(result)` if it fired,
 * `None` if it was cancelled.
 *
 * @since 0.1.0
 * @category models
 */
export interface Timer<out A = unknown, out E = unknown> extends Thread<Option.Option<A>, E> {
  readonly [TimerTypeId]: TimerTypeId
  /** The delay before the effect runs (Python's `Timer.interval`). */
  readonly interval: Duration.Duration
}

/**
 * Tells whether a value is a `Timer`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Thread } from "effect-threading"
 *
 * const program = Effect.gen(function*() {
 *   const timer = yield* Thread.timer("1 second", Effect.void)
 *   const thread = yield* Thread.spawn(Effect.void)
 *   Thread.isTimer(timer) // true
 *   Thread.isTimer(thread) // false: a Thread, not a Timer
 * })
 * ```
 *
 * @since 0.1.0
 * @category refinements
 */
export const isTimer: (u: unknown) => u is Timer<unknown, unknown> = toolkit.isTimer

/**
 * Creates and starts a `Timer` that runs `effect` once after `interval`,
 * unless cancelled first with `cancel`. Unlike Python, where `Timer(...)`
 * must then be `.start()`ed, it starts at once, as `spawn` does; `makeTimer`
 * gives an unstarted one.
 *
 * Like any thread, its daemon flag is the creating thread's unless given: a
 * non-daemon timer holds the program open until it fires or is cancelled,
 * exactly as in Python. A negative `interval` counts as zero; `Infinity`
 * never fires; a finite one may be at most 2^31 - 1 ms (about 24.8 days:
 * Effect 3's `Clock` never wakes from a longer sleep); an invalid one fails
 * with a `ThreadError` naming it, as does an `effect` that is not an Effect.
 *
 * @example
 * ```ts
 * import { Console, Effect } from "effect"
 * import { Thread, Threading } from "effect-threading"
 *
 * // Python:
 * //   t = threading.Timer(30.0, hello)
 * //   t.start()  # after 30 seconds, "hello, world" will be printed
 * const program = Thread.timer("30 seconds", Console.log("hello, world"))
 *
 * Threading.runMain(program) // prints after 30 seconds, then exits
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const timer: <A, E, R>(
  interval: Duration.DurationInput,
  effect: Effect.Effect<A, E, R>,
  options?: MakeOptions
) => Effect.Effect<Timer<A, E>, ThreadError, Threading | R> = toolkit.timer

/**
 * Creates a `Timer` without starting it, as Python's `Timer(...)` does; start
 * it with `start`. The wait begins when it starts.
 *
 * @example
 * ```ts
 * import { Console, Effect } from "effect"
 * import { Thread } from "effect-threading"
 *
 * const program = Effect.gen(function*() {
 *   const t = yield* Thread.makeTimer("1 second", Console.log("hello, world"))
 *   yield* Thread.start(t)
 * })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeTimer: <A, E, R>(
  interval: Duration.DurationInput,
  effect: Effect.Effect<A, E, R>,
  options?: MakeOptions
) => Effect.Effect<Timer<A, E>, ThreadError, Threading | R> = toolkit.makeTimer

/**
 * Stops a timer while it is still waiting (Python's `Timer.cancel()`): its
 * effect never runs and its thread ends at once, successfully, with `None`.
 * Cancelling a timer that has already fired — or was already cancelled —
 * does nothing; cancelling one not yet started makes it end as soon as it
 * starts. Does not wait for the thread (use `join` for that).
 *
 * @example
 * ```ts
 * import { Console, Effect } from "effect"
 * import { Thread, Threading } from "effect-threading"
 *
 * const program = Effect.gen(function*() {
 *   const t = yield* Thread.timer("5 seconds", Console.log("never printed"))
 *   yield* Thread.cancel(t)
 * })
 *
 * Threading.runMain(program) // exits at once
 * ```
 *
 * @since 0.1.0
 * @category lifecycle
 */
export const cancel: <A, E>(self: Timer<A, E>) => Effect.Effect<void> = toolkit.cancel
