/**
 * The examples of docs/testing.md, run as tests so that the guide stays true.
 * Keep the two in step: each test here is a code block there.
 */
import { expect, it } from "@effect/vitest"
import { Cause, Clock, Duration, Effect, FastCheck as fc, Fiber, Option, Supervisor, TestClock } from "effect"
import { Thread, Threading } from "effect-threading"

it.effect("main returns when the last non-daemon thread ends", () =>
  Effect.gen(function*() {
    const program = Effect.gen(function*() {
      yield* Thread.spawn(Effect.never, { daemon: true }) // never holds main open
      yield* Thread.spawn(Effect.sleep("3 seconds")) // holds it open until t = 3 s
      yield* Effect.sleep("1 second") // main's own code ends at t = 1 s
    })
    const fiber = yield* Effect.fork(Threading.main(program).pipe(Effect.zipRight(Clock.currentTimeMillis)))
    yield* TestClock.adjust("2999 millis")
    expect(Option.isNone(yield* Fiber.poll(fiber))).toBe(true) // not earlier...
    yield* TestClock.adjust("1 millis")
    expect(yield* Fiber.join(fiber)).toBe(3000) // ...and not later
  }))

it.effect("a daemon finishes its critical section, then is interrupted and cleans up", () =>
  Effect.gen(function*() {
    const log: Array<string> = []
    const note = (what: string) =>
      Effect.flatMap(Clock.currentTimeMillis, (ms) => Effect.sync(() => log.push(`${ms / 1000}s ${what}`)))
    const write = note("write begins").pipe(
      Effect.zipRight(Effect.sleep("2 seconds")),
      Effect.zipRight(note("write ends"))
    )
    const worker = Thread.critical(write).pipe(
      Effect.zipRight(Effect.sleep("1 second")),
      Effect.forever,
      Effect.onInterrupt(() => note("interrupted")),
      Effect.ensuring(note("cleanup"))
    )
    const fiber = yield* Effect.fork(Threading.main(Effect.gen(function*() {
      yield* Thread.spawn(worker, { daemon: true })
      yield* Effect.sleep("1 second") // main ends inside the daemon's write
    })))
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
    const fiber = yield* Effect.fork(Threading.main(Effect.gen(function*() {
      const t = yield* Thread.spawn(Effect.sleep("5 seconds"))
      yield* Thread.join(t, { timeout: "2 seconds" })
      return [yield* Clock.currentTimeMillis, yield* Thread.isAlive(t)] as const
    })))
    yield* TestClock.adjust("10 seconds")
    expect(yield* Fiber.join(fiber)).toEqual([2000, true])
  }))

it.effect("nothing forked under main is left running", () =>
  Effect.gen(function*() {
    const supervisor = yield* Supervisor.track
    const fiber = yield* Effect.fork(
      Threading.main(Effect.gen(function*() {
        yield* Thread.spawn(Effect.never, { daemon: true })
        yield* Thread.spawn(Thread.spawn(Effect.sleep("2 seconds"))) // a thread that starts a thread
      })).pipe(Effect.supervised(supervisor))
    )
    yield* TestClock.adjust("5 seconds")
    yield* Fiber.join(fiber)
    const running = (yield* supervisor.value).filter((f) => f.unsafePoll() === null)
    expect(running).toEqual([])
  }))

it.effect.prop(
  "main returns when its own code and the longest non-daemon have ended",
  {
    main: fc.integer({ min: 0, max: 5 }),
    threads: fc.array(fc.record({ seconds: fc.integer({ min: 0, max: 5 }), daemon: fc.boolean() }))
  },
  ({ main, threads }) =>
    Effect.gen(function*() {
      const program = Effect.gen(function*() {
        for (const t of threads) {
          yield* Thread.spawn(Effect.sleep(Duration.seconds(t.seconds)), { daemon: t.daemon })
        }
        yield* Effect.sleep(Duration.seconds(main))
      })
      const fiber = yield* Effect.fork(Threading.main(program).pipe(Effect.zipRight(Clock.currentTimeMillis)))
      yield* TestClock.adjust("1 minute")
      // The expectation comes from the rule, not from the library.
      const expected = Math.max(main, ...threads.filter((t) => !t.daemon).map((t) => t.seconds)) * 1000
      expect(yield* Fiber.join(fiber)).toBe(expected)
    }),
  { fastCheck: { numRuns: 50 } }
)
