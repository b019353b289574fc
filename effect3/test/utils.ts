/**
 * Test helpers: a console that records lines, an event log stamped with the
 * Effect clock, and a runner that drives a program to its end on TestClock.
 */
import { Clock, Console, Effect, Exit, Fiber, TestClock } from "effect"
import type { Duration } from "effect"

/** A `Console` that records `log` (stdout) and `error` (stderr) lines. */
export const makeTestConsole = () => {
  const out: Array<string> = []
  const err: Array<string> = []
  const text = (args: ReadonlyArray<unknown>) => args.map(String).join(" ")
  const unsafe: Console.UnsafeConsole = {
    assert: () => {},
    clear: () => {},
    count: () => {},
    countReset: () => {},
    debug: (...args) => out.push(text(args)),
    dir: (item) => out.push(String(item)),
    dirxml: (...args) => out.push(text(args)),
    error: (...args) => err.push(text(args)),
    group: () => {},
    groupCollapsed: () => {},
    groupEnd: () => {},
    info: (...args) => out.push(text(args)),
    log: (...args) => out.push(text(args)),
    table: () => {},
    time: () => {},
    timeEnd: () => {},
    timeLog: () => {},
    trace: (...args) => err.push(text(args)),
    warn: (...args) => err.push(text(args))
  }
  const sync = (f: (...args: Array<any>) => void) => (...args: Array<any>) => Effect.sync(() => f(...args))
  const console: Console.Console = {
    [Console.TypeId]: Console.TypeId,
    assert: sync(unsafe.assert),
    clear: Effect.void,
    count: sync(unsafe.count),
    countReset: sync(unsafe.countReset),
    debug: sync(unsafe.debug),
    dir: sync(unsafe.dir),
    dirxml: sync(unsafe.dirxml),
    error: sync(unsafe.error),
    group: () => Effect.void,
    groupEnd: Effect.void,
    info: sync(unsafe.info),
    log: sync(unsafe.log),
    table: sync(unsafe.table),
    time: sync(unsafe.time),
    timeEnd: sync(unsafe.timeEnd),
    timeLog: sync(unsafe.timeLog),
    trace: sync(unsafe.trace),
    warn: sync(unsafe.warn),
    unsafe
  }
  return { console, out, err }
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
 * Runs `effect` in a fiber, advances the TestClock by `horizon`, and returns
 * its exit with the virtual time at which it ended (or `undefined` if it had
 * not ended by then).
 */
export const runVirtual = <A, E>(effect: Effect.Effect<A, E>, horizon: Duration.DurationInput = "1 hour") =>
  Effect.gen(function*() {
    const fiber = yield* Effect.fork(
      Effect.exit(effect).pipe(Effect.zip(Clock.currentTimeMillis))
    )
    yield* TestClock.adjust(horizon)
    const done = yield* Fiber.poll(fiber)
    if (done._tag === "None") {
      yield* Fiber.interrupt(fiber)
      return { exit: undefined, endedAt: undefined }
    }
    const [exit, endedAt] = yield* Exit.match(done.value, {
      onFailure: (cause) => Effect.die(cause),
      onSuccess: Effect.succeed
    })
    return { exit: exit as Exit.Exit<A, E>, endedAt }
  })
