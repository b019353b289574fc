/**
 * Testing thread code on Effect 4's `TestClock`, without rituals.
 *
 * Two behaviours of Effect 4's `TestClock` give a thread test a wrong result,
 * not an error: `TestClock.adjust` does not wait for a program just forked
 * (and the threads it starts) to reach their first sleep, so the clock jumps
 * past it; and until the clock has been adjusted once, the first sleep in the
 * finalizer of an interrupted fiber ends that finalizer. This module does
 * what a test had to do by hand (docs/testing.md, "Effect 4 and TestClock"):
 *
 * - `run(program, options?)` runs a program as `Threading.main` does, on a
 *   `TestClock` of its own, to a horizon, and returns what happened: its
 *   exit and when it ended, the console lines, the log entries (the
 *   library's reports included) and every thread's exit.
 * - `fork` and `adjust`, to move the clock step by step.
 * - `settle`, the step `adjust` takes before moving the clock.
 *
 * Import it from `effect-threading/testing`, as Effect's own `TestClock` is
 * imported from `effect/testing`. It uses only `effect`: no test framework is
 * needed at run time.
 *
 * @since 1.0.0
 * @module
 */
import type * as Cause from "effect/Cause"
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import type * as LogLevel from "effect/LogLevel"
import * as internal from "./internal/testing.js"
import type * as Threading from "./Threading.js"

/**
 * Options of `run`: the options of `Threading.main` (`shutdownTimeout`,
 * `daemonGrace`, `mainGrace`, `excepthook`, `layer`), and how far to move
 * the clock.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Thread } from "effect-threading"
 * import { TestThreading } from "effect-threading/testing"
 *
 * const options: TestThreading.RunOptions = { horizon: "10 minutes", daemonGrace: "1 second" }
 * const report = TestThreading.run(Thread.spawn(Effect.sleep("5 minutes")), options)
 * ```
 *
 * @since 1.0.0
 * @category models
 */
export interface RunOptions<ROut = never, E = never> extends Threading.MainOptions<ROut, E> {
  /**
   * How far the clock is moved: the program's sleeps up to this virtual time
   * are woken, earliest first. Default: 1 minute. A program that has not
   * ended by then is reported with `exit` undefined and left suspended (its
   * clock no longer moves).
   */
  readonly horizon?: Duration.Input | undefined
}

/**
 * A line the program printed through Effect's `Console`, with the virtual
 * time it was printed at. `log`, `info`, `debug`, `dir`, `dirxml` and
 * `table` print to `stdout`; `error`, `warn` and `trace` to `stderr`, as
 * Node's console does.
 *
 * @example
 * ```ts
 * import { TestThreading } from "effect-threading/testing"
 *
 * const line: TestThreading.ConsoleLine = { at: 2000, stream: "stdout", text: "tick" }
 * ```
 *
 * @since 1.0.0
 * @category models
 */
export interface ConsoleLine {
  /** Virtual milliseconds since the run began. */
  readonly at: number
  readonly stream: "stdout" | "stderr"
  /** The arguments, as one line: strings as they are, other values formatted, joined by a space. */
  readonly text: string
}

/**
 * An entry the program's logger received: the program's own `Effect.log`
 * lines and the library's reports — `Exception in thread NAME:` from the
 * default excepthook, the warnings when a bound elapses, the thread dump.
 *
 * @example
 * ```ts
 * import { Cause } from "effect"
 * import { TestThreading } from "effect-threading/testing"
 *
 * const failures = (report: TestThreading.Report<unknown, unknown>) =>
 *   report.logs
 *     .filter((entry) => entry.level === "Error")
 *     .map((entry) => `${entry.message} ${Cause.pretty(entry.cause)}`)
 * ```
 *
 * @since 1.0.0
 * @category models
 */
export interface LogEntry {
  /** Virtual milliseconds since the run began. */
  readonly at: number
  readonly level: LogLevel.LogLevel
  /** The message's parts, as one line. */
  readonly message: string
  /** The thread that logged it (its `thread` annotation): `MainThread`, `worker`, ... */
  readonly thread: string | undefined
  /** Every log annotation of the entry (`thread` and the report's structured fields). */
  readonly annotations: Readonly<Record<string, unknown>>
  /** The entry's cause; empty when it has none. */
  readonly cause: Cause.Cause<unknown>
}

/**
 * What became of one thread the program started (the main thread aside: its
 * result is the report's `exit`).
 *
 * `outcome` tells how it ended: `"success"`, `"failure"` (it failed or died:
 * the excepthook saw it), `"interrupted"` (by `Thread.interrupt` or a
 * `Thread.cancel`), `"interrupted_at_shutdown"` (a daemon stopped at exit,
 * or a non-daemon after `shutdownTimeout`), `"left_behind"` (still running
 * when `main` returned: it did not stop within `daemonGrace`; `endedAt` and
 * `exit` tell whether it ended later, before the horizon), or `"running"`
 * (the horizon came before `main` returned).
 *
 * @example
 * ```ts
 * import { TestThreading } from "effect-threading/testing"
 *
 * const stoppedAtExit = (report: TestThreading.Report<unknown, unknown>) =>
 *   report.threads.filter((t) => t.outcome === "interrupted_at_shutdown").map((t) => t.name)
 * ```
 *
 * @since 1.0.0
 * @category models
 */
export interface ThreadReport {
  readonly name: string
  readonly daemon: boolean
  readonly ident: number | undefined
  /** Virtual milliseconds since the run began. */
  readonly startedAt: number
  /** Virtual milliseconds since the run began; `undefined` while it runs. */
  readonly endedAt: number | undefined
  /** The thread's exit (its target's result, failure or interruption); `undefined` while it runs. */
  readonly exit: Exit.Exit<unknown, unknown> | undefined
  readonly outcome:
    | "success"
    | "failure"
    | "interrupted"
    | "interrupted_at_shutdown"
    | "left_behind"
    | "running"
}

/**
 * What `run` saw.
 *
 * @example
 * ```ts
 * import { Exit } from "effect"
 * import { TestThreading } from "effect-threading/testing"
 *
 * const endedWell = <A, E>(report: TestThreading.Report<A, E>) =>
 *   report.exit !== undefined && Exit.isSuccess(report.exit) && report.fibersRunning === 0
 * ```
 *
 * @since 1.0.0
 * @category models
 */
export interface Report<A, E> {
  /** `Threading.main`'s exit (the program's result, once the shutdown is over); `undefined` if not ended by the horizon. */
  readonly exit: Exit.Exit<A, E> | undefined
  /** When `main` returned, in virtual milliseconds since the run began; `undefined` if not ended by the horizon. */
  readonly endedAt: number | undefined
  /** Every line printed through `Console`, in order. */
  readonly console: ReadonlyArray<ConsoleLine>
  /** The text of the `stdout` lines. */
  readonly stdout: ReadonlyArray<string>
  /** The text of the `stderr` lines. */
  readonly stderr: ReadonlyArray<string>
  /** Every log entry, in order (the default loggers are replaced: nothing is written to the terminal). */
  readonly logs: ReadonlyArray<LogEntry>
  /** The threads the program started, in start order. */
  readonly threads: ReadonlyArray<ThreadReport>
  /**
   * Fibers forked under the program — threads, their children, the library's
   * own — still running when the report was made: 0 for a program that
   * ended and left nothing behind.
   */
  readonly fibersRunning: number
}

/**
 * Lets every fiber that is ready to run make progress until it waits (on a
 * sleep, a `Deferred`, a join...): the calling fiber yields 100 times, and
 * each yield lets every other ready fiber take a step. A program needs about
 * one per level of threads it starts at one instant; 100 costs well under a
 * millisecond. `adjust`, `fork` and `run` do it for you.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { TestClock } from "effect/testing"
 * import { TestThreading } from "effect-threading/testing"
 *
 * // what TestThreading.adjust("1 second") does before it moves the clock
 * const step = Effect.andThen(TestThreading.settle, TestClock.adjust("1 second"))
 * ```
 *
 * @since 1.0.0
 * @category clock
 */
export const settle: Effect.Effect<void> = internal.settle

/**
 * Moves the `TestClock` by `duration` the way thread code needs: lets every
 * started thread reach its wait first (`settle`), then wakes each sleep that
 * falls due, earliest first — each wake-up waits for the fibers it resumes
 * and the threads they start, however deep. Dies with a `ThreadError`
 * when the fiber's clock is not a `TestClock` or the duration is negative,
 * `NaN`, infinite or unparsable.
 *
 * @example
 * ```ts
 * import { expect, it } from "@effect/vitest"
 * import { Effect } from "effect"
 * import { Thread } from "effect-threading"
 * import { TestThreading } from "effect-threading/testing"
 *
 * it.effect("main waits for the non-daemon thread", () =>
 *   Effect.gen(function*() {
 *     const fiber = yield* TestThreading.fork(Thread.spawn(Effect.sleep("3 seconds")))
 *     yield* TestThreading.adjust("2999 millis")
 *     expect(fiber.pollUnsafe()).toBeUndefined() // not earlier...
 *     yield* TestThreading.adjust("1 millis")
 *     expect(fiber.pollUnsafe()).toBeDefined() // ...and not later
 *   }))
 * ```
 *
 * @since 1.0.0
 * @category clock
 */
export const adjust: (duration: Duration.Input) => Effect.Effect<void> = internal.adjust

/**
 * Starts `Threading.main(program, options)` in a fiber of its own on the
 * current `TestClock`, at the clock's current time, and returns when the
 * program's first instant is over — every thread it started has reached its
 * first wait, however deep and however many steps away. (The program starts
 * inside a wake-up of the clock, which waits for all that: the clock is set
 * 1 ms back and moved 1 ms forward, and ends where it was. Moving the clock
 * also readies it, so a finalizer's first sleep is not cut.) Move the clock
 * with `adjust`, then look at the fiber. The fiber belongs to no scope of the
 * test: a program that never ends leaves the test free to end.
 *
 * @example
 * ```ts
 * import { expect, it } from "@effect/vitest"
 * import { Effect, Fiber } from "effect"
 * import { Thread, Threading } from "effect-threading"
 * import { TestThreading } from "effect-threading/testing"
 *
 * it.effect("a daemon does not hold main open", () =>
 *   Effect.gen(function*() {
 *     const fiber = yield* TestThreading.fork(Effect.gen(function*() {
 *       yield* Thread.spawn(Effect.never, { daemon: true })
 *       return yield* Threading.activeCount
 *     }))
 *     expect(yield* Fiber.join(fiber)).toBe(2)
 *   }))
 * ```
 *
 * @since 1.0.0
 * @category running
 */
export const fork: <A, E, R, ROut = never, LE = never>(
  program: Effect.Effect<A, E, R>,
  options?: Threading.MainOptions<ROut, LE>
) => Effect.Effect<Fiber.Fiber<A, E | LE>, never, Exclude<R, Threading.Threading | ROut>> = internal.fork

/**
 * Runs `program` as the main thread of a fresh instance (`Threading.main`),
 * shutdown included, on a `TestClock` of its own that starts at 0 and is
 * moved to `horizon` (default: 1 minute), and reports what happened: the
 * exit and when `main` returned, the console lines, the log entries, every
 * thread's exit, and the fibers left running.
 *
 * Each sleep wakes at its exact time, however deep the thread that sleeps
 * and however many steps its first instant takes (the program starts inside
 * a wake-up of the clock, as with `fork`); finalizers run whole. The program's `Console` and loggers are replaced
 * by recorders: nothing is printed. Threads are followed through Effect's
 * fiber-lifecycle hook (`Metric.FiberRuntimeMetrics`), which changes nothing
 * the program does or reports (a program that provides a hook of its own
 * hides the fibers under it from `threads` and `fibersRunning`). It needs no `TestClock` around
 * it, nor any test framework.
 *
 * Dies with a `ThreadError` naming the argument when `program` is not an
 * Effect or `horizon` is not a finite, non-negative duration; invalid
 * options of `main` are `main`'s defect, in `exit`.
 *
 * @example
 * ```ts
 * import { expect, it } from "@effect/vitest"
 * import { Console, Effect, Exit, Schedule } from "effect"
 * import { Thread } from "effect-threading"
 * import { TestThreading } from "effect-threading/testing"
 *
 * it.effect("main ends with its last non-daemon thread; the daemon is stopped then", () =>
 *   Effect.gen(function*() {
 *     const report = yield* TestThreading.run(Effect.gen(function*() {
 *       yield* Thread.spawn(Console.log("tick").pipe(Effect.repeat(Schedule.spaced("1 second"))), {
 *         name: "ticker",
 *         daemon: true
 *       })
 *       yield* Thread.spawn(Effect.sleep("2500 millis"), { name: "job" })
 *       return "done"
 *     }))
 *     expect(report.exit).toStrictEqual(Exit.succeed("done"))
 *     expect(report.endedAt).toBe(2500)
 *     expect(report.stdout).toEqual(["tick", "tick", "tick"]) // at 0, 1 and 2 s
 *     expect(report.threads.map((t) => [t.name, t.outcome])).toEqual([
 *       ["ticker", "interrupted_at_shutdown"],
 *       ["job", "success"]
 *     ])
 *   }))
 * ```
 *
 * @since 1.0.0
 * @category running
 */
export const run: <A, E, R, ROut = never, LE = never>(
  program: Effect.Effect<A, E, R>,
  options?: RunOptions<ROut, LE>
) => Effect.Effect<Report<A, E | LE>, never, Exclude<R, Threading.Threading | ROut>> = internal.run
