/**
 * Threads in the style of Python's `threading.Thread`, as Effect fibers.
 *
 * A thread runs an effect (its *target*) in a fiber that belongs to the
 * `Threading` instance, not to the fiber that started it. A non-daemon thread
 * holds the program open until it ends; a daemon thread never does and is
 * interrupted (its finalizers run) when the program ends.
 *
 * @since 0.1.0
 */
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import type * as Inspectable from "effect/Inspectable"
import type * as Pipeable from "effect/Pipeable"
import type * as Types from "effect/Types"
import * as errors from "./internal/errors.js"
import * as internal from "./internal/threading.js"
import type { Threading } from "./Threading.js"

/**
 * @since 0.1.0
 * @category symbols
 */
export const TypeId: unique symbol = internal.ThreadTypeId as TypeId

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
 * @since 0.1.0
 * @category models
 */
export interface MakeOptions {
  /** Default: `Thread-N`, N counting from 1 in each `Threading` instance. */
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
   * `isAlive` to tell. A negative number counts as zero, as in Python.
   */
  readonly timeout?: Duration.DurationInput | undefined
}

/**
 * The error for misuse, carrying Python's own message: `threads can only be
 * started once`, `cannot join thread before it is started`, `cannot join
 * current thread`, `cannot set daemon status of active thread`, `can't create
 * new thread at interpreter shutdown`.
 *
 * @since 0.1.0
 * @category errors
 */
export const ThreadError: typeof errors.ThreadError = errors.ThreadError

/**
 * @since 0.1.0
 * @category errors
 */
export type ThreadError = errors.ThreadError

/**
 * Tells whether a value is a `Thread`.
 *
 * @since 0.1.0
 * @category refinements
 */
export const isThread: (u: unknown) => u is Thread<unknown, unknown> = internal.isThread

/**
 * Creates an unstarted thread that will run `target`. The target's context is
 * captured now, so the thread has the services that were in scope here.
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
 * daemon threads are being stopped.
 *
 * @since 0.1.0
 * @category lifecycle
 */
export const start: <A, E>(self: Thread<A, E>) => Effect.Effect<void, ThreadError> = internal.start

/**
 * Creates and starts a thread (`make` + `start`).
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
export const join: <A, E>(self: Thread<A, E>, options?: JoinOptions) => Effect.Effect<void, ThreadError> =
  internal.join

const await_: <A, E>(self: Thread<A, E>) => Effect.Effect<Exit.Exit<A, E>, ThreadError> = internal.await_

export {
  /**
   * Waits until the thread ends and returns its `Exit`: its result, its
   * failure, or its interruption. Fails as `join` does on misuse.
   *
   * @since 0.1.0
   * @category lifecycle
   */
  await_ as await
}

/**
 * Whether the thread has started and not yet ended (Python's `is_alive()`).
 *
 * @since 0.1.0
 * @category getters
 */
export const isAlive: <A, E>(self: Thread<A, E>) => Effect.Effect<boolean> = internal.isAlive

/**
 * Interrupts a running thread and waits until it has ended, its finalizers
 * included. Does nothing for a thread that has not started or has ended.
 *
 * @since 0.1.0
 * @category lifecycle
 */
export const interrupt: <A, E>(self: Thread<A, E>) => Effect.Effect<void> = internal.interrupt

/**
 * The calling fiber's thread (Python's `threading.current_thread()`). Fibers
 * forked inside a thread belong to it; outside any thread, this is the main
 * thread.
 *
 * @since 0.1.0
 * @category getters
 */
export const current: Effect.Effect<Thread, never, Threading> = internal.current

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
