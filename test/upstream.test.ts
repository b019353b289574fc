/**
 * Behaviours of Effect 4.1.0 itself (no library code) that this project's
 * tests work around. Each test pins what Effect does today, so that a change
 * upstream fails here, by name, rather than somewhere in the library's tests:
 * when one of these fails, revisit the workaround that cites it (in
 * test/utils.ts) and docs/testing.md — or, for the last one, the library's
 * `noFinalizer` in src/internal/threadFiber.ts; for the Clock's long sleeps,
 * the duration limits in src/internal/validate.ts and the options' docs.
 */
import { describe, expect, it, vi } from "@effect/vitest"
import { Cause, Clock, Duration, Effect, Exit, Fiber } from "effect"
import { TestClock } from "effect/testing"

/** Records `[virtual millis, label]`. */
const makeLog = () => {
  const log: Array<readonly [number, string]> = []
  const record = (label: string) =>
    Effect.flatMap(Clock.currentTimeMillis, (t) => Effect.sync(() => void log.push([t, label])))
  return { log, record }
}

/** Yields `times` times, letting every other ready fiber take that many scheduler steps. */
const yieldTimes = (times: number) => Effect.replicateEffect(Effect.yieldNow, times, { discard: true })

/** Runs `leaf` `depth` fibers deep: each level forks the next and waits forever. */
const forked = (depth: number, leaf: Effect.Effect<void>): Effect.Effect<void> =>
  depth === 0 ? leaf : Effect.forkChild(forked(depth - 1, leaf)).pipe(Effect.andThen(Effect.never))

describe("upstream effect 4.1.0", () => {
  it.effect("upstream effect 4.1.0: TestClock.adjust yields once", () =>
    // Effect 3's adjust waited until every fiber was suspended. Effect 4.1's
    // yields once, then wakes the sleeps registered by then: a fiber that
    // takes two scheduler steps before it sleeps is not in time, and the clock
    // jumps past its sleep.
    Effect.gen(function*() {
      const { log, record } = makeLog()
      yield* Effect.forkChild(
        yieldTimes(2).pipe(Effect.andThen(Effect.sleep("1 second")), Effect.andThen(record("slept")))
      )
      yield* TestClock.adjust("1 hour")
      expect(log).toEqual([])
      expect(yield* Clock.currentTimeMillis).toBe(3_600_000)
      // The missed sleep was registered after the jump: it ends an hour and a second in.
      yield* TestClock.adjust("1 second")
      expect(log).toEqual([[3_601_000, "slept"]])
    }))

  it.effect("upstream effect 4.1.0: TestClock.adjust is in time for a fiber one scheduler step from its sleep", () =>
    Effect.gen(function*() {
      const { log, record } = makeLog()
      yield* Effect.forkChild(
        yieldTimes(1).pipe(Effect.andThen(Effect.sleep("1 second")), Effect.andThen(record("slept")))
      )
      yield* TestClock.adjust("1 hour")
      expect(log).toEqual([[1000, "slept"]])
    }))

  it.effect("upstream effect 4.1.0: TestClock.adjust wakes a sleep many steps away once the fibers have settled", () =>
    // The workaround in test/utils.ts (`settle`, then adjust).
    Effect.gen(function*() {
      const { log, record } = makeLog()
      yield* Effect.forkChild(forked(3, Effect.sleep("1 second").pipe(Effect.andThen(record("three forks deep")))))
      yield* yieldTimes(10)
      yield* TestClock.adjust("1 hour")
      expect(log).toEqual([[1000, "three forks deep"]])
    }))

  it.effect("upstream effect 4.1.0: TestClock.adjust waits for the fibers a woken sleep forks, however deep", () =>
    // What makes one adjust enough once a program is running: after each wake,
    // adjust waits for the woken fiber and everything it forks to suspend.
    Effect.gen(function*() {
      const { log, record } = makeLog()
      const fiber = yield* Effect.forkChild(
        Effect.sleep("1 second").pipe(
          Effect.andThen(forked(3, Effect.sleep("1 second").pipe(Effect.andThen(record("deep")))))
        )
      )
      yield* yieldTimes(5)
      yield* TestClock.adjust("1 hour")
      expect(log).toEqual([[2000, "deep"]])
      yield* Fiber.interrupt(fiber)
    }))

  it.effect("upstream effect 4.1.0: first sleep in a finalizer of an interrupted fiber is cut short under TestClock", () =>
    // Until the TestClock is first adjusted, a sleep starts the "a test is
    // using time but is not advancing the test clock" warning fiber inside
    // `Effect.interruptible`. A fiber that is already interrupted and sleeps in
    // a finalizer (an uninterruptible region) receives its interruption there:
    // the sleep ends at once with an interruption, and so does every later
    // sleep of that finalizer (the warning never got started). Without
    // `Effect.exit` around it, the rest of the finalizer is skipped.
    Effect.gen(function*() {
      const { log, record } = makeLog()
      const sleep = (label: string) =>
        Effect.exit(Effect.sleep("1 second")).pipe(
          Effect.flatMap((exit) =>
            record(`${label} ${Exit.isFailure(exit) && Cause.hasInterruptsOnly(exit.cause) ? "interrupted" : "slept"}`)
          )
        )
      const victim = yield* Effect.forkChild(
        Effect.never.pipe(Effect.onInterrupt(() => sleep("first").pipe(Effect.andThen(sleep("second")))))
      )
      yield* yieldTimes(2)
      const interrupter = yield* Effect.forkChild(Fiber.interrupt(victim))
      yield* yieldTimes(5) // the finalizer sleeps before any adjust
      yield* TestClock.adjust("10 seconds")
      yield* Fiber.join(interrupter)
      expect(log).toEqual([[0, "first interrupted"], [0, "second interrupted"]])
    }))

  it.effect("upstream effect 4.1.0: once the TestClock has been adjusted, a finalizer's first sleep is whole", () =>
    // The workaround in test/utils.ts (`disarmTestClockWarning`, an adjust by zero).
    Effect.gen(function*() {
      const { log, record } = makeLog()
      yield* TestClock.adjust(0)
      const victim = yield* Effect.forkChild(Effect.never.pipe(Effect.onInterrupt(() =>
        Effect.exit(Effect.sleep("1 second")).pipe(
          Effect.flatMap((exit) => record(Exit.isFailure(exit) ? "first interrupted" : "first slept")),
          Effect.andThen(Effect.sleep("1 second")),
          Effect.andThen(record("second slept"))
        )
      )))
      yield* yieldTimes(2)
      const interrupter = yield* Effect.forkChild(Fiber.interrupt(victim))
      yield* yieldTimes(5)
      yield* TestClock.adjust("10 seconds")
      yield* Fiber.join(interrupter)
      expect(log).toEqual([[1000, "first slept"], [2000, "second slept"]])
    }))

  it.effect("upstream effect 4.1.0: an Effect.onExit handler may return undefined: the exit passes through as it is", () =>
    // src/internal/threadFiber.ts's thread exit handlers return `undefined`
    // (`noFinalizer`) when there is nothing to report, so that a thread's last
    // frame costs no flatMap at shutdown. Effect's OnExit frame checks for an
    // empty result (as its own `onExitPrimitive` types it); if that changes,
    // every thread's end breaks, so it is pinned here by name.
    Effect.gen(function*() {
      const none = undefined as unknown as Effect.Effect<void>
      let seen = 0
      const handler = () => {
        seen++
        return none
      }
      expect(yield* Effect.exit(Effect.onExit(Effect.succeed(1), handler))).toEqual(Exit.succeed(1))
      expect(yield* Effect.exit(Effect.onExit(Effect.fail("boom"), handler))).toEqual(Exit.fail("boom"))
      const fiber = yield* Effect.forkChild(Effect.onExit(Effect.never, handler))
      yield* Effect.yieldNow
      const interrupted = yield* Fiber.interrupt(fiber).pipe(Effect.andThen(Fiber.await(fiber)))
      expect(Exit.isFailure(interrupted) && Cause.hasInterruptsOnly(interrupted.cause)).toBe(true)
      expect(seen).toBe(3)
    }))

  it("upstream effect 4.1.0: the default Clock sleeps past what a timer holds (2^31 - 1 ms) in steps", async () => {
    // Why a long shutdownTimeout, mainGrace, daemonGrace, join timeout or
    // Timer interval is honoured as given in this edition (validate.ts): a
    // Node timer set beyond 2^31 - 1 ms fires at once. Effect 3's Clock
    // treats such a sleep as infinite instead (effect3/test/upstream.test.ts).
    const max = 2 ** 31 - 1
    const delays: Array<number> = []
    const setTimeout = globalThis.setTimeout
    const spy = vi.spyOn(globalThis, "setTimeout").mockImplementation(
      ((handler: () => void, delay: number) => {
        if (delay > 1_000_000) delays.push(delay)
        return setTimeout(handler, delay)
      }) as typeof globalThis.setTimeout
    )
    try {
      const fiber = Effect.runFork(Effect.sleep(Duration.millis(max + 5_000)))
      await new Promise((resolve) => setTimeout(resolve, 20))
      await Effect.runPromise(Fiber.interrupt(fiber))
    } finally {
      spy.mockRestore()
    }
    expect(delays).toEqual([max])
  })

  it.effect("upstream effect 4.1.0: a step that returns no Effect ends the fiber at once, skipping its finalizers", () =>
    // Fiber.runLoop returns `exitDie("Fiber.runLoop: Not a valid effect: ...")`
    // without unwinding the fiber's stack: `ensuring` and `onExit` frames do
    // not run (Effect 3 runs them). A thread's last step is such a frame, so
    // the shutdown ends such threads itself (`endIfLost` in
    // src/internal/threadFiber.ts).
    Effect.gen(function*() {
      const ran: Array<string> = []
      const fiber = Effect.runFork(
        Effect.flatMap(Effect.void, () => undefined as unknown as Effect.Effect<void>).pipe(
          Effect.ensuring(Effect.sync(() => void ran.push("ensuring"))),
          Effect.onExit(() => Effect.sync(() => void ran.push("onExit")))
        )
      )
      const exit = yield* Fiber.await(fiber)
      expect(Exit.isFailure(exit) && Cause.pretty(exit.cause)).toMatch(/Fiber\.runLoop: Not a valid effect: undefined/)
      expect(ran).toEqual([])
    }))
})
