/**
 * Test helpers: a console that records lines, a logger that records the
 * library's reports, an event log stamped with the Effect clock, and a runner
 * that drives a program to its end on TestClock.
 */
import { Cause, Clock, Console, Effect, Exit, Fiber, Logger, References } from "effect"
import type { Duration, LogLevel } from "effect"
import { TestClock } from "effect/testing"

/** A `Console` that records `log` (stdout) and `error` (stderr) lines. */
export const makeTestConsole = () => {
  const out: Array<string> = []
  const err: Array<string> = []
  const text = (args: ReadonlyArray<unknown>) => args.map(String).join(" ")
  const toOut = (...args: ReadonlyArray<unknown>) => void out.push(text(args))
  const toErr = (...args: ReadonlyArray<unknown>) => void err.push(text(args))
  const console: Console.Console = {
    assert: () => {},
    clear: () => {},
    count: () => {},
    countReset: () => {},
    debug: toOut,
    dir: (item) => void out.push(String(item)),
    dirxml: toOut,
    error: toErr,
    group: () => {},
    groupCollapsed: () => {},
    groupEnd: () => {},
    info: toOut,
    log: toOut,
    table: () => {},
    time: () => {},
    timeEnd: () => {},
    timeLog: () => {},
    trace: toErr,
    warn: toErr
  }
  return { console, out, err }
}

/**
 * Runs `self` with `console` as its `Console` (Effect 3's
 * `Effect.withConsole`; in Effect 4 the console is a `Context.Reference`).
 * Threads started inside see it too: they capture their creator's context.
 */
export const withConsole = (console: Console.Console) => <A, E, R>(self: Effect.Effect<A, E, R>) =>
  Effect.provideService(self, Console.Console, console)

/** One entry a `makeTestLogger` logger received. */
export interface LogEntry {
  readonly level: LogLevel.LogLevel
  /** The message's parts, joined by a space. */
  readonly message: string
  /** The entry's log annotations (`thread` and the report's structured fields). */
  readonly annotations: Readonly<Record<string, unknown>>
  /** The entry's cause, `Cause.pretty`-printed (`""` when it has none). */
  readonly cause: string
  /** Whether the built-in console loggers would have written it to stderr (`References.LogToStderr`). */
  readonly toStderr: boolean
}

/**
 * A `Logger` that records every entry (in place of the default loggers), and
 * the layer that installs it: how a test sees the library's reports — the
 * warnings, the thread dump, the excepthook's `Exception in thread NAME:`.
 */
export const makeTestLogger = () => {
  const entries: Array<LogEntry> = []
  const logger = Logger.make<unknown, void>((options) => {
    const parts = Array.isArray(options.message) ? options.message : [options.message]
    entries.push({
      level: options.logLevel,
      message: parts.map(String).join(" "),
      annotations: options.fiber.getRef(References.CurrentLogAnnotations),
      cause: options.cause.reasons.length === 0 ? "" : Cause.pretty(options.cause),
      toStderr: options.fiber.getRef(References.LogToStderr)
    })
  })
  const layer = Logger.layer([logger])
  return {
    entries,
    layer,
    /** The messages received, in order. */
    messages: () => entries.map((entry) => entry.message),
    /** Runs `self` with this logger as the only one. Threads started inside log through it too. */
    withLogger: <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.provide(self, layer)
  }
}

/** An append-only log of `[virtual millis, label]` events. */
export const makeEvents = () => {
  const events: Array<readonly [number, string]> = []
  const record = (label: string) =>
    Effect.flatMap(Clock.currentTimeMillis, (t) => Effect.sync(() => void events.push([t, label])))
  const labels = () => events.map(([, label]) => label)
  const timeOf = (label: string) => events.find(([, l]) => l === label)?.[0]
  return { events, record, labels, timeOf }
}

/**
 * Lets every fiber that is ready to run make progress until it suspends
 * (on a sleep, a `Deferred`, a join…), by yielding the calling fiber `times`
 * times: each yield lets every other ready fiber take one scheduler step.
 *
 * Needed before `TestClock.adjust` on Effect 4: `adjust` yields only once
 * before it looks at the registered sleeps (Effect 3 waited until every fiber
 * was suspended), so a sleep a few forks deep — a thread's fiber starts on
 * the scheduler's next tick — is not registered yet and the clock jumps past
 * it. Pinned in test/upstream.test.ts, "upstream effect 4.1.0:
 * TestClock.adjust yields once".
 */
export const settle = (times = 100): Effect.Effect<void> =>
  Effect.replicateEffect(Effect.yieldNow, times, { discard: true })

/** `TestClock.adjust`, after letting every fiber settle (see {@link settle}). */
export const adjust = (duration: Duration.Input): Effect.Effect<void> =>
  Effect.andThen(settle(), TestClock.adjust(duration))

/**
 * Any `TestClock.adjust`, even by zero, disarms the TestClock's "a test is
 * using time but is not advancing the clock" warning for good. Until then,
 * the first sleep taken under a TestClock opens an interruptible region (to
 * start the warning's fiber), and a fiber that was interrupted but sleeps in
 * a finalizer (or any uninterruptible region) receives the interruption
 * there: the sleep and the rest of the finalizer are cut short. Pinned in
 * test/upstream.test.ts, "upstream effect 4.1.0: first sleep in a finalizer
 * of an interrupted fiber is cut short under TestClock".
 */
export const disarmTestClockWarning: Effect.Effect<void> = TestClock.adjust(0)

/**
 * Runs `effect` in a fiber, advances the TestClock by `horizon`, and returns
 * its exit with the virtual time at which it ended (or `undefined` if it had
 * not ended by then).
 */
export const runVirtual = <A, E>(effect: Effect.Effect<A, E>, horizon: Duration.Input = "1 hour") =>
  Effect.gen(function*() {
    yield* disarmTestClockWarning
    const fiber = yield* Effect.forkChild(
      Effect.exit(effect).pipe(Effect.zip(Clock.currentTimeMillis))
    )
    yield* adjust(horizon)
    // adjust waits for the fibers its wake-ups resume; this covers a program
    // whose last steps follow no wake-up (one that never sleeps, say).
    yield* settle()
    const done = fiber.pollUnsafe()
    if (done === undefined) {
      yield* Fiber.interrupt(fiber)
      return { exit: undefined, endedAt: undefined }
    }
    const [exit, endedAt] = yield* Exit.match(done, {
      onFailure: (cause) => Effect.die(cause),
      onSuccess: Effect.succeed
    })
    return { exit: exit as Exit.Exit<A, E>, endedAt }
  })
