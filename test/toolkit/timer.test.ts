import { describe, expect, it } from "@effect/vitest"
import { Arbitrary, Cause, Duration, Effect, Exit, Option, Schema, Tracer } from "effect"
import { Thread } from "effect-threading"
import { makeEvents } from "../utils.js"
import { runRecorded } from "./helpers.js"

const successOf = <A, E>(exit: Exit.Exit<A, E> | undefined): A => {
  if (exit === undefined || Exit.isFailure(exit)) throw new Error(`expected a success, got ${exit}`)
  return exit.value
}

describe("Thread.timer", () => {
  it.effect("runs the effect once after the interval; a non-daemon timer holds the program open", () =>
    Effect.gen(function*() {
      const { record, events } = makeEvents()
      const { exit, endedAt } = yield* runRecorded(Effect.gen(function*() {
        const t = yield* Thread.timer("30 seconds", Effect.as(record("hello, world"), 42))
        return t
      }))
      const t = successOf(exit)
      expect(t.daemon).toBe(false)
      expect(endedAt).toBe(30_000)
      expect(events).toEqual([[30_000, "hello, world"]])
      expect(yield* Thread.await(t)).toEqual(Exit.succeed(Option.some(42)))
    }))

  it.effect("cancel while waiting: the effect never runs and the timer ends at once with None", () =>
    Effect.gen(function*() {
      const { record, events } = makeEvents()
      const { exit, endedAt } = yield* runRecorded(Effect.gen(function*() {
        const t = yield* Thread.timer("5 seconds", record("fired"))
        yield* Effect.sleep("1 second")
        yield* Thread.cancel(t)
        yield* Thread.join(t)
        return [yield* Thread.isAlive(t), yield* Thread.await(t)] as const
      }))
      expect(successOf(exit)).toEqual([false, Exit.succeed(Option.none())])
      expect(endedAt).toBe(1000)
      expect(events).toEqual([])
    }))

  it.effect("a cancelled non-daemon timer no longer holds the program open", () =>
    Effect.gen(function*() {
      const { exit, endedAt } = yield* runRecorded(
        Effect.gen(function*() {
          const t = yield* Thread.timer("1 hour", Effect.void)
          yield* Effect.sleep("2 seconds")
          yield* Thread.cancel(t)
        }),
        "2 hours"
      )
      expect(exit).toEqual(Exit.void)
      expect(endedAt).toBe(2000)
    }))

  it.effect("cancel after it fired does nothing, even while the effect runs", () =>
    Effect.gen(function*() {
      const { record, events } = makeEvents()
      const { exit } = yield* runRecorded(Effect.gen(function*() {
        const t = yield* Thread.timer(
          "1 second",
          record("fired").pipe(
            Effect.andThen(Effect.sleep("2 seconds")),
            Effect.andThen(record("done")),
            Effect.as("ok")
          )
        )
        yield* Effect.sleep("1500 millis")
        yield* Thread.cancel(t)
        yield* Thread.cancel(t) // twice: still nothing
        return yield* Thread.await(t)
      }))
      expect(successOf(exit)).toEqual(Exit.succeed(Option.some("ok")))
      expect(events).toEqual([[1000, "fired"], [3000, "done"]])
    }))

  it.effect("a daemon timer never holds the program open: it is interrupted at the end", () =>
    Effect.gen(function*() {
      const { record, labels } = makeEvents()
      const { exit, endedAt } = yield* runRecorded(Effect.gen(function*() {
        const t = yield* Thread.timer("5 seconds", record("fired"), { daemon: true })
        yield* Effect.sleep("1 second")
        return t
      }))
      const t = successOf(exit)
      expect(t.daemon).toBe(true)
      expect(endedAt).toBe(1000)
      expect(labels()).toEqual([])
      const threadExit = yield* Thread.await(t)
      expect(Exit.isFailure(threadExit) && Cause.hasInterruptsOnly(threadExit.cause)).toBe(true)
    }))

  it.effect("inherits the daemon flag of the thread that creates it, like any thread", () =>
    Effect.gen(function*() {
      const { exit } = yield* runRecorded(Effect.gen(function*() {
        const inDaemon = yield* Thread.daemon(Thread.timer("1 second", Effect.void))
        const inner = yield* Thread.await(inDaemon)
        const fromDaemon = Exit.isSuccess(inner) ? inner.value.daemon : undefined
        const fromMain = (yield* Thread.timer("1 second", Effect.void)).daemon
        return [fromDaemon, fromMain]
      }))
      expect(successOf(exit)).toEqual([true, false])
    }))

  it.effect("is a Thread: Timer repr, name, interval, isTimer, join with a timeout, interrupt", () =>
    Effect.gen(function*() {
      const { exit } = yield* runRecorded(Effect.gen(function*() {
        const t = yield* Thread.makeTimer("10 seconds", Effect.void)
        const initial = String(t)
        yield* Thread.start(t)
        const started = String(t)
        yield* Thread.join(t, { timeout: "1 second" })
        const aliveAfterTimeout = yield* Thread.isAlive(t)
        yield* Thread.interrupt(t)
        const stopped = String(t)
        const threadExit = yield* Thread.await(t)
        return {
          initial,
          started,
          stopped,
          aliveAfterTimeout,
          interrupted: Exit.isFailure(threadExit) && Cause.hasInterruptsOnly(threadExit.cause),
          // Effect 4's Duration prints as "10000 millis" (Effect 3: "Duration(10s)"); compare by value
          interval: Duration.isDuration(t.interval) ? Duration.format(t.interval) : undefined,
          isTimer: Thread.isTimer(t),
          isThread: Thread.isThread(t),
          ident: t.ident
        }
      }))
      const r = successOf(exit)
      expect(r.initial).toBe("<Timer(Thread-1, initial)>")
      expect(r.started).toBe(`<Timer(Thread-1, started ${r.ident})>`)
      expect(r.stopped).toBe(`<Timer(Thread-1, stopped ${r.ident})>`)
      expect(r.aliveAfterTimeout).toBe(true)
      expect(r.interrupted).toBe(true)
      expect(r.interval).toBe("10s")
      expect(r.isTimer).toBe(true)
      expect(r.isThread).toBe(true)
      expect(Thread.isTimer({ interval: 1 })).toBe(false)
    }))

  it.effect("a plain thread is not a Timer", () =>
    Effect.gen(function*() {
      const { exit } = yield* runRecorded(Thread.make(Effect.void, { name: "plain" }))
      expect(Thread.isTimer(successOf(exit))).toBe(false)
    }))

  it.effect("a failure of the effect goes to the excepthook, as any thread's", () =>
    Effect.gen(function*() {
      const { exit, hooked } = yield* runRecorded(Effect.gen(function*() {
        const t = yield* Thread.timer("1 second", Effect.fail("nope"), { name: "alarm" })
        return yield* Thread.await(t)
      }))
      expect(successOf(exit)).toEqual(Exit.fail("nope"))
      expect(hooked).toEqual([{ thread: "alarm", error: "nope" }])
    }))
})

describe("Thread.makeTimer", () => {
  it.effect("does not start it; the wait begins at start", () =>
    Effect.gen(function*() {
      const { record, events } = makeEvents()
      yield* runRecorded(Effect.gen(function*() {
        const t = yield* Thread.makeTimer("1 second", record("fired"))
        yield* Effect.sleep("2 seconds")
        yield* Thread.start(t)
      }))
      expect(events).toEqual([[3000, "fired"]])
    }))

  it.effect("cancelled before start, it ends with None as soon as it starts", () =>
    Effect.gen(function*() {
      const { record, events } = makeEvents()
      const { exit, endedAt } = yield* runRecorded(Effect.gen(function*() {
        const t = yield* Thread.makeTimer("1 second", record("fired"))
        yield* Thread.cancel(t)
        yield* Thread.start(t)
        return yield* Thread.await(t)
      }))
      expect(successOf(exit)).toEqual(Exit.succeed(Option.none()))
      expect(endedAt).toBe(0)
      expect(events).toEqual([])
    }))

  it.effect("a negative interval counts as zero; an invalid one fails with a ThreadError", () =>
    Effect.gen(function*() {
      const { record, events } = makeEvents()
      const { exit } = yield* runRecorded(Effect.gen(function*() {
        yield* Thread.timer(-5, record("fired"))
        return yield* Effect.result(Thread.makeTimer(Number.NaN, Effect.void))
      }))
      expect(events).toEqual([[0, "fired"]])
      const result = successOf(exit)
      expect(result._tag).toBe("Failure")
      expect(result._tag === "Failure" && result.failure.message).toBe(
        "Thread.makeTimer expects a non-negative duration as its interval argument (got NaN)"
      )
    }))
})

describe("Thread.timer, property", () => {
  const millis = Arbitrary.schema(Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 10_000 })))
  // Effect 4's property testing takes Effect's own Arbitrary (fast-check is no
  // longer re-exported): the filter stands for Effect 3's `fc.pre(interval !== cancelAt)`.
  const distinctPair = Arbitrary.all([millis, millis]).pipe(
    Arbitrary.filter(([interval, cancelAt]) => interval !== cancelAt)
  )
  it.effect.prop(
    "fires at the interval iff not cancelled before it; ends at min(interval, cancel)",
    [distinctPair],
    ([[interval, cancelAt]]) =>
      Effect.gen(function*() {
        const { record, events } = makeEvents()
        // The main program ends at once; the non-daemon timer holds it open
        // until it fires or a daemon cancels it.
        const { exit, endedAt } = yield* runRecorded(Effect.gen(function*() {
          const t = yield* Thread.timer(interval, record("fired"))
          yield* Thread.daemon(Effect.sleep(cancelAt).pipe(Effect.andThen(Thread.cancel(t))))
          return t
        }))
        const fired = interval < cancelAt
        expect(events).toEqual(fired ? [[interval, "fired"]] : [])
        expect(endedAt).toBe(Math.min(interval, cancelAt))
        expect(yield* Thread.await(successOf(exit))).toEqual(
          Exit.succeed(fired ? Option.some(undefined) : Option.none())
        )
      }),
    { arbitrary: { runs: 40 } }
  )
})

describe("Thread.timer and tracing", () => {
  it.effect("trace: \"child\" makes the timer's span a child of the span it was started in (as for Thread.spawn)", () =>
    Effect.gen(function*() {
      const spans: Array<Tracer.NativeSpan> = []
      const tracer = Tracer.make({
        span: (options) => {
          const span = new Tracer.NativeSpan(options)
          spans.push(span)
          return span
        }
      })
      const { exit } = yield* runRecorded(
        Effect.gen(function*() {
          const child = yield* Thread.timer("1 second", Effect.void, { name: "child-timer", trace: "child" })
          const linked = yield* Thread.timer("1 second", Effect.void, { name: "linked-timer" })
          yield* Thread.join(child)
          yield* Thread.join(linked)
        }).pipe(Effect.withSpan("request"), Effect.withTracer(tracer))
      )
      expect(exit).toEqual(Exit.void)
      const byName = (name: string) => spans.find((span) => span.name === name)!
      const request = byName("request")
      const parentOf = (name: string) => Option.getOrUndefined(byName(name).parent)
      expect(parentOf("thread child-timer")).toBe(request)
      // the default, "link": a root span of its own, linked to the request
      expect(parentOf("thread linked-timer")).toBeUndefined()
      expect(byName("thread linked-timer").links.map((link) => link.span)).toEqual([request])
    }))
})
