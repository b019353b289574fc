/**
 * The machinery of `effect-threading/testing` (the `TestThreading` module):
 * moving Effect 4's `TestClock` the way thread code needs, and running a
 * program to a horizon while recording what it printed and reported.
 *
 * Why the helpers are needed (measured on effect 4.1.0, pinned in
 * test/upstream.test.ts):
 *
 * - `TestClock.adjust` yields once before it wakes the first sleep (Effect 3
 *   waited until every fiber was suspended), and a thread starts on the
 *   scheduler's next tick: a sleep a few forks deep is not registered yet and
 *   the clock jumps past it. `run` and `fork` start the program inside a
 *   wake-up of the clock, which waits for it at any depth; `adjust` lets
 *   every ready fiber run until it waits first (`settle`), for programs
 *   forked otherwise.
 * - Until the clock is first adjusted, the first sleep on a `TestClock` forks
 *   the clock's "not advancing" warning fiber inside an interruptible region:
 *   in the finalizer of an interrupted fiber, that sleep receives the
 *   interruption and the rest of the finalizer is cut, with no report.
 *   `TestClock.adjust(0)` before anything sleeps retires the warning.
 *
 * What `run` records, it records through Effect's own services, none of
 * which changes what the program does or reports: a `Console` (lines,
 * stamped with the virtual time), a `Logger` (every entry), and
 * `Metric.FiberRuntimeMetrics`, the fiber-lifecycle hook (each thread's end
 * and exit, and the fibers left running).
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Console from "effect/Console"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import * as Formatter from "effect/Formatter"
import * as Logger from "effect/Logger"
import * as Metric from "effect/Metric"
import * as References from "effect/References"
import * as TestClock from "effect/testing/TestClock"
import type * as TestThreading from "../TestThreading.js"
import type * as Threading from "../Threading.js"
import { mainWith } from "./entry.js"
import { ThreadError } from "./errors.js"
import type { ThreadImpl } from "./thread.js"
import { currentThread, outcomeOf } from "./thread.js"
import * as validate from "./validate.js"
import { adjustBy, testRun } from "./validateModules.js"

/** How many times `settle` yields: far more than the levels of threads a program starts at one instant. */
const SETTLE_YIELDS = 100

/** @internal */
export const DEFAULT_HORIZON: Duration.Duration = Duration.minutes(1)

/** @internal */
export const settle: Effect.Effect<void> = Effect.replicateEffect(Effect.yieldNow, SETTLE_YIELDS, { discard: true })

/** The fiber's clock if it is a `TestClock`, else a defect saying how to get one. */
const withTestClock = <A, E, R>(
  fn: string,
  f: (clock: TestClock.TestClock) => Effect.Effect<A, E, R>
): Effect.Effect<A, E, R> =>
  Effect.withFiber((fiber) => {
    const clock = fiber.getRef(Clock.Clock) as Partial<TestClock.TestClock>
    return typeof clock.adjust === "function"
      ? f(clock as TestClock.TestClock)
      : Effect.die(
        new ThreadError({
          message: `TestThreading.${fn} needs a TestClock: run it inside @effect/vitest's it.effect, ` +
            `or provide TestClock.layer() from "effect/testing"`
        })
      )
  })

/** @internal */
export const adjust = (duration: Duration.Input): Effect.Effect<void> =>
  Effect.suspend(() => {
    const decoded = adjustBy(duration)
    if (decoded instanceof ThreadError) return Effect.die(decoded)
    return withTestClock("adjust", (clock) => Effect.andThen(settle, clock.adjust(decoded)))
  })

/** `main` of `program` if `input` was checked, else the defect refusing it: a program's own exit. */
const mainOf = <A, E, R, ROut, LE>(
  program: Effect.Effect<A, E, R>,
  input: validate.Entry | ThreadError
): Effect.Effect<A, E | LE, Exclude<R, Threading.Threading | ROut>> =>
  input instanceof ThreadError ? Effect.die(input) : mainWith(program, input, false)

/**
 * Forks `effect` so that it starts inside a wake-up of the clock, at the
 * clock's current time: the clock is set 1 ms back, the fiber sleeps 1 ms,
 * and the clock is moved 1 ms forward. A wake-up waits until every fiber it
 * resumed or forked has suspended, however many steps and threads deep: when
 * this returns, the program's first instant is over and its first sleeps are
 * registered — no count of yields can promise that. Setting the clock, as
 * adjusting it does, also retires the clock's warning whose fork would cut a
 * finalizer's first sleep, before anything sleeps.
 */
const forkInWakeUp = <A, E, R>(
  clock: TestClock.TestClock,
  effect: Effect.Effect<A, E, R>
): Effect.Effect<Fiber.Fiber<A, E>, never, R> =>
  Effect.gen(function*() {
    yield* clock.setTime(clock.currentTimeMillisUnsafe() - 1)
    const fiber = yield* Effect.forkDetach(Effect.andThen(Effect.sleep(1), effect))
    yield* settle // the fiber's sleep is registered
    yield* clock.adjust(1)
    return fiber
  })

/** @internal */
export const fork = <A, E, R, ROut = never, LE = never>(
  program: Effect.Effect<A, E, R>,
  options?: Threading.MainOptions<ROut, LE>
): Effect.Effect<Fiber.Fiber<A, E | LE>, never, Exclude<R, Threading.Threading | ROut>> =>
  Effect.suspend(() => {
    const invalid = validate.effect("TestThreading.fork", program, "program")
    if (invalid !== undefined) return Effect.die(invalid)
    // `main`'s options are `main`'s: a refusal is the forked program's defect, as under `Threading.main`.
    const main = mainOf<A, E, R, ROut, LE>(program, validate.main(program, options, "TestThreading.fork"))
    return withTestClock("fork", (clock) => forkInWakeUp(clock, main))
  })

// -----------------------------------------------------------------------------
// run: the recorders
// -----------------------------------------------------------------------------

const stdoutMethods = new Set(["log", "info", "debug", "dir", "dirxml", "table"])
const stderrMethods = new Set(["error", "warn", "trace"])

const textOf = (args: ReadonlyArray<unknown>): string =>
  args.map((arg) => typeof arg === "string" ? arg : Formatter.format(arg)).join(" ")

/** A `Console` that records the lines of the methods that print, stamped with the clock's time. */
const recordingConsole = (
  lines: Array<TestThreading.ConsoleLine>,
  now: () => number
): Console.Console => {
  const record = (stream: "stdout" | "stderr") => (...args: ReadonlyArray<unknown>) => {
    lines.push({ at: now(), stream, text: textOf(args) })
  }
  const ignore = () => {}
  const console: Record<string, (...args: ReadonlyArray<unknown>) => void> = {}
  for (
    const method of [
      "assert",
      "clear",
      "count",
      "countReset",
      "group",
      "groupCollapsed",
      "groupEnd",
      "time",
      "timeEnd",
      "timeLog"
    ]
  ) {
    console[method] = ignore
  }
  for (const method of stdoutMethods) console[method] = record("stdout")
  for (const method of stderrMethods) console[method] = record("stderr")
  return console as unknown as Console.Console
}

const recordingLogger = (entries: Array<TestThreading.LogEntry>) =>
  Logger.make<unknown, void>((options) => {
    const parts = Array.isArray(options.message) ? options.message : [options.message]
    const annotations = options.fiber.getRef(References.CurrentLogAnnotations)
    const thread = annotations["thread"]
    entries.push({
      at: options.date.getTime(),
      level: options.logLevel,
      message: textOf(parts),
      thread: typeof thread === "string" ? thread : undefined,
      annotations,
      cause: options.cause
    })
  })

/**
 * Follows the threads started under the program through the fiber-lifecycle
 * hook: each fiber's context names the thread it belongs to (the library's
 * `currentThread`); a thread's end is seen at the first fiber end after its
 * own fiber has ended (its own, or a child's at the same instant).
 */
class ThreadRecorder implements Metric.FiberRuntimeMetricsService {
  /** Fibers started and not yet ended. */
  running = 0
  /** The threads seen, in start order, with when and how they ended. */
  readonly threads = new Map<ThreadImpl<unknown, unknown>, { endedAt?: number; outcome?: string }>()
  /** The threads still running when `main` returned. */
  leftBehind: ReadonlySet<ThreadImpl<unknown, unknown>> = new Set()
  constructor(readonly now: () => number) {}
  readonly recordFiberStart = (context: Context.Context<never>): void => {
    this.running++
    const thread = Context.get(context, currentThread)
    if (thread !== undefined && thread !== thread.instance.mainThread && !this.threads.has(thread)) {
      this.threads.set(thread, {})
    }
  }
  readonly recordFiberEnd = (context: Context.Context<never>): void => {
    this.running--
    const thread = Context.get(context, currentThread)
    const seen = thread === undefined ? undefined : this.threads.get(thread)
    const exit = thread?.fiber?.pollUnsafe()
    if (seen !== undefined && seen.endedAt === undefined && exit !== undefined) {
      seen.endedAt = this.now()
      seen.outcome = outcomeOf(exit, thread!.instance)
    }
  }
  /** Called as `main` returns. */
  readonly mainEnded = (): void => {
    this.leftBehind = new Set(
      [...this.threads.keys()].filter((thread) => this.threads.get(thread)!.endedAt === undefined)
    )
  }
  report(): ReadonlyArray<TestThreading.ThreadReport> {
    return [...this.threads].map(([thread, { endedAt, outcome }]) => ({
      name: thread.name,
      daemon: thread.daemon,
      ident: thread.ident,
      startedAt: thread.startedAt,
      endedAt,
      exit: thread.fiber?.pollUnsafe(),
      outcome:
        (this.leftBehind.has(thread) ? "left_behind" : outcome ?? "running") as TestThreading.ThreadReport["outcome"]
    }))
  }
}

/** @internal */
export const run = <A, E, R, ROut = never, LE = never>(
  program: Effect.Effect<A, E, R>,
  options?: TestThreading.RunOptions<ROut, LE>
): Effect.Effect<TestThreading.Report<A, E | LE>, never, Exclude<R, Threading.Threading | ROut>> =>
  Effect.suspend(() => {
    const input = testRun(program, options)
    if (input instanceof ThreadError) return Effect.die(input)
    const horizon = input.horizon ?? DEFAULT_HORIZON
    const console: Array<TestThreading.ConsoleLine> = []
    const logs: Array<TestThreading.LogEntry> = []
    return Effect.gen(function*() {
      const clock = (yield* Clock.clockWith(Effect.succeed)) as TestClock.TestClock
      const now = () => clock.currentTimeMillisUnsafe()
      const threads = new ThreadRecorder(now)
      const recorded = mainOf<A, E, R, ROut, LE>(program, input.main).pipe(
        Effect.provideService(Metric.FiberRuntimeMetrics, threads),
        Effect.provide(Logger.layer([recordingLogger(logs)])),
        Effect.provideService(Console.Console, recordingConsole(console, now)),
        Effect.exit,
        Effect.tap(() => Effect.sync(threads.mainEnded)),
        Effect.zip(Clock.currentTimeMillis)
      )
      const fiber = yield* forkInWakeUp(clock, recorded) // starts at 0
      yield* clock.adjust(horizon)
      const done = fiber.pollUnsafe()
      const ended = done !== undefined && done._tag === "Success" ? done.value : undefined
      return {
        exit: ended?.[0],
        endedAt: ended?.[1],
        console,
        stdout: console.filter((line) => line.stream === "stdout").map((line) => line.text),
        stderr: console.filter((line) => line.stream === "stderr").map((line) => line.text),
        logs,
        threads: threads.report(),
        fibersRunning: threads.running
      } satisfies TestThreading.Report<A, E | LE>
    }).pipe(Effect.provide(TestClock.layer()))
  })
