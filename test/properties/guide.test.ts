/**
 * The examples of docs/testing.md, run as tests so that the guide stays true.
 * Keep the two in step: each test in the first part is a ```ts block there
 * (same name, same body); the second part pins the upstream TestClock
 * behaviours that the guide's "Effect 4 and TestClock" section describes, so
 * that a change in Effect shows up here first.
 */
import { expect, it } from "@effect/vitest"
import { Cause, Clock, Effect, Fiber, Metric, Schema } from "effect"
import { Thread, Threading } from "effect-threading"
import { TestClock } from "effect/testing"

// Threads start on the scheduler's next tick, and `TestClock.adjust` yields only once before it starts
// waking sleeps: let a forked program run until it waits before the first `adjust`.
const settle = Effect.replicateEffect(Effect.yieldNow, 100, { discard: true })

it.effect("main returns when the last non-daemon thread ends", () =>
  Effect.gen(function*() {
    const program = Effect.gen(function*() {
      yield* Thread.spawn(Effect.never, { daemon: true }) // never holds main open
      yield* Thread.spawn(Effect.sleep("3 seconds")) // holds it open until t = 3 s
      yield* Effect.sleep("1 second") // main's own code ends at t = 1 s
    })
    const fiber = yield* Effect.forkChild(Threading.main(program).pipe(Effect.andThen(Clock.currentTimeMillis)))
    yield* settle
    yield* TestClock.adjust("2999 millis")
    expect(fiber.pollUnsafe()).toBeUndefined() // not earlier...
    yield* TestClock.adjust("1 millis")
    expect(yield* Fiber.join(fiber)).toBe(3000) // ...and not later
  }))

it.effect("a daemon finishes its critical section, then is interrupted and cleans up", () =>
  Effect.gen(function*() {
    const log: Array<string> = []
    const note = (what: string) =>
      Effect.flatMap(Clock.currentTimeMillis, (ms) => Effect.sync(() => log.push(`${ms / 1000}s ${what}`)))
    const write = note("write begins").pipe(
      Effect.andThen(Effect.sleep("2 seconds")),
      Effect.andThen(note("write ends"))
    )
    const worker = Thread.critical(write).pipe(
      Effect.andThen(Effect.sleep("1 second")),
      Effect.forever,
      Effect.onInterrupt(() => note("interrupted")),
      Effect.ensuring(note("cleanup"))
    )
    const fiber = yield* Effect.forkChild(Threading.main(Effect.gen(function*() {
      yield* Thread.spawn(worker, { daemon: true })
      yield* Effect.sleep("1 second") // main ends inside the daemon's write
    })))
    yield* settle
    yield* TestClock.adjust("10 seconds")
    yield* Fiber.join(fiber)
    expect(log).toEqual(["0s write begins", "2s write ends", "2s interrupted", "2s cleanup"])
  }))

it.effect("a failing thread is reported and does not change main's result", () =>
  Effect.gen(function*() {
    const reported: Array<string> = []
    const result = yield* Threading.main(
      Effect.gen(function*() {
        const t = yield* Thread.spawn(Effect.fail("boom"), { name: "worker" })
        yield* Thread.join(t)
        return "ok"
      }),
      { excepthook: (thread, cause) => Effect.sync(() => reported.push(`${thread.name}: ${Cause.pretty(cause)}`)) }
    )
    expect(result).toBe("ok")
    expect(reported).toEqual(["worker: Error: boom"])
  }))

it.effect("join with a timeout returns at the timeout; isAlive tells why", () =>
  Effect.gen(function*() {
    const fiber = yield* Effect.forkChild(Threading.main(Effect.gen(function*() {
      const t = yield* Thread.spawn(Effect.sleep("5 seconds"))
      yield* Thread.join(t, { timeout: "2 seconds" })
      return [yield* Clock.currentTimeMillis, yield* Thread.isAlive(t)] as const
    })))
    yield* settle
    yield* TestClock.adjust("10 seconds")
    expect(yield* Fiber.join(fiber)).toEqual([2000, true])
  }))

it.effect("nothing forked under main is left running", () =>
  Effect.gen(function*() {
    // Effect 4 calls this service, when it is in a fiber's context, as each fiber starts and ends.
    let started = 0
    let running = 0
    const counter: Metric.FiberRuntimeMetricsService = {
      recordFiberStart: () => {
        started++
        running++
      },
      recordFiberEnd: () => {
        running--
      }
    }
    const fiber = yield* Effect.forkChild(
      Threading.main(Effect.gen(function*() {
        yield* Thread.spawn(Effect.never, { daemon: true })
        yield* Thread.spawn(Thread.spawn(Effect.sleep("2 seconds"))) // a thread that starts a thread
      })).pipe(Effect.provideService(Metric.FiberRuntimeMetrics, counter))
    )
    yield* settle
    yield* TestClock.adjust("5 seconds")
    yield* Fiber.join(fiber)
    expect(started).toBeGreaterThanOrEqual(4) // main, the daemon, the thread and the thread it started
    expect(running).toBe(0)
  }))

it.effect("a program started from a wake-up needs no settling, at any depth", () =>
  Effect.gen(function*() {
    // Four levels of threads, each started by the one above at t = 0; the last sleeps 3 seconds.
    const nested = (depth: number): Effect.Effect<void, never, Threading.Threading> =>
      depth === 0 ? Effect.sleep("3 seconds") : Effect.asVoid(Effect.orDie(Thread.spawn(nested(depth - 1))))
    const timed = Effect.gen(function*() {
      const start = yield* Clock.currentTimeMillis
      yield* Threading.main(nested(4))
      return (yield* Clock.currentTimeMillis) - start
    })
    const fiber = yield* Effect.forkChild(Effect.delay(timed, "1 millis")) // starts inside the wake-up at 1 ms
    yield* TestClock.adjust("3001 millis")
    expect(yield* Fiber.join(fiber)).toBe(3000)
  }))

it.effect("a thread interrupted before anything slept still runs its whole finalizer", () =>
  Effect.gen(function*() {
    yield* TestClock.adjust(0) // first, before anything sleeps: see "Effect 4 and TestClock"
    const log: Array<string> = []
    const note = (what: string) =>
      Effect.flatMap(Clock.currentTimeMillis, (ms) => Effect.sync(() => log.push(`${ms / 1000}s ${what}`)))
    const flush = note("flush begins").pipe(
      Effect.andThen(Effect.sleep("1 second")),
      Effect.andThen(note("flush ends"))
    )
    const fiber = yield* Effect.forkChild(Threading.main(Effect.gen(function*() {
      const t = yield* Thread.spawn(Effect.never.pipe(Effect.ensuring(flush)))
      yield* Effect.yieldNow // let the thread start (on the next tick) before interrupting it
      yield* Thread.interrupt(t) // waits for the thread's finalizers
      yield* note("interrupt returned")
    })))
    yield* settle
    yield* TestClock.adjust("5 seconds")
    yield* Fiber.join(fiber)
    expect(log).toEqual(["0s flush begins", "1s flush ends", "1s interrupt returned"])
  }))

const Seconds = Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 5 }))

it.effect.prop(
  "main returns when its own code and the longest non-daemon have ended",
  {
    main: Seconds,
    threads: Schema.Array(Schema.Struct({ seconds: Seconds, daemon: Schema.Boolean }))
  },
  ({ main, threads }) =>
    Effect.gen(function*() {
      const program = Effect.gen(function*() {
        for (const t of threads) {
          yield* Thread.spawn(Effect.sleep(`${t.seconds} seconds`), { daemon: t.daemon })
        }
        yield* Effect.sleep(`${main} seconds`)
      })
      const fiber = yield* Effect.forkChild(Threading.main(program).pipe(Effect.andThen(Clock.currentTimeMillis)))
      yield* Effect.replicateEffect(Effect.yieldNow, 100, { discard: true }) // let the program reach its sleeps
      yield* TestClock.adjust("1 minute")
      // The expectation comes from the rule, not from the library.
      const expected = Math.max(main, ...threads.filter((t) => !t.daemon).map((t) => t.seconds)) * 1000
      expect(yield* Fiber.join(fiber)).toBe(expected)
    }),
  { arbitrary: { runs: 50 } }
)

// -----------------------------------------------------------------------------
// Upstream behaviours (effect 4.1) that the guide works around
// -----------------------------------------------------------------------------

it.effect("upstream: before its first wake-up, adjust does not wait for a program that was just forked", () =>
  Effect.gen(function*() {
    const fiber = yield* Effect.forkChild(
      Threading.main(Thread.spawn(Effect.sleep("3 seconds"))).pipe(Effect.andThen(Clock.currentTimeMillis))
    )
    // No settling: the thread reaches its sleep after the clock has moved, so it wakes 3 s after that.
    yield* TestClock.adjust("3 seconds")
    expect(fiber.pollUnsafe()).toBeUndefined()
    yield* TestClock.adjust("3 seconds")
    expect(yield* Fiber.join(fiber)).toBe(6000)
  }))

it.effect("upstream: a wake-up waits for the fibers it resumes and the threads they start", () =>
  Effect.gen(function*() {
    const chain = (depth: number): Effect.Effect<void, never, Threading.Threading> =>
      depth === 0 ? Effect.sleep("1 second") : Effect.sleep("1 second").pipe(
        Effect.andThen(Thread.spawn(chain(depth - 1))),
        Effect.orDie,
        Effect.asVoid
      )
    const fiber = yield* Effect.forkChild(Threading.main(chain(4)).pipe(Effect.andThen(Clock.currentTimeMillis)))
    yield* settle // only the first instant needs it: each later sleep is registered during a wake-up
    yield* TestClock.adjust("5 seconds")
    expect(yield* Fiber.join(fiber)).toBe(5000)
  }))

it.effect("upstream: on a fresh TestClock, a first sleep in an interrupted fiber's finalizer ends the finalizer", () =>
  Effect.gen(function*() {
    const log: Array<string> = []
    const note = (what: string) =>
      Effect.flatMap(Clock.currentTimeMillis, (ms) => Effect.sync(() => log.push(`${ms / 1000}s ${what}`)))
    const flush = note("flush begins").pipe(
      Effect.andThen(Effect.sleep("1 second")),
      Effect.andThen(note("flush ends"))
    )
    const fiber = yield* Effect.forkChild(Threading.main(Effect.gen(function*() {
      const t = yield* Thread.spawn(Effect.never.pipe(Effect.ensuring(flush)))
      yield* Effect.yieldNow
      yield* Thread.interrupt(t)
      yield* note("interrupt returned")
    })))
    yield* settle
    yield* TestClock.adjust("5 seconds")
    yield* Fiber.join(fiber)
    // Without `TestClock.adjust(0)` first: the clock's "not advancing" warning is forked, on the first sleep,
    // in an interruptible region, where the pending interruption ends the finalizer.
    expect(log).toEqual(["0s flush begins", "0s interrupt returned"])
  }))
