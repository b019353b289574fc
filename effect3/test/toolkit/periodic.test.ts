import { describe, expect, it } from "@effect/vitest"
import { Cause, Deferred, Effect, Exit, Schedule, TestClock } from "effect"
import { Thread, Threading } from "effect-threading"
import { makeEvents, makeTestConsole, runVirtual } from "../utils.js"
import { runRecorded as runRecordedWith } from "./helpers.js"

/**
 * Every program here ends within seconds of virtual time, its periodic
 * threads being daemons by default. `shutdownTimeout` bounds the wait for a
 * non-daemon one, so that a broken default (a periodic thread that is not a
 * daemon) fails these tests at once, instead of holding the program — and
 * the test — open until the test timeout.
 */
const options = { shutdownTimeout: "10 seconds" } as const

const runRecorded = <A, E>(program: Effect.Effect<A, E, Threading.Threading>) =>
  runRecordedWith(program, undefined, options)

class Boom {
  readonly _tag = "Boom"
  constructor(readonly run: number) {}
}

describe("Thread.periodic", () => {
  it.effect("runs at once, then on Schedule.spaced; a daemon by default, stopped when the program ends", () =>
    Effect.gen(function*() {
      const { record, events } = makeEvents()
      let daemon: boolean | undefined
      const { exit, endedAt, err, hooked } = yield* runRecorded(Effect.gen(function*() {
        const t = yield* Thread.periodic(record("run"), Schedule.spaced("1 second"), { name: "ticker" })
        daemon = t.daemon
        yield* Effect.sleep("3500 millis")
      }))
      expect(exit).toEqual(Exit.void)
      expect(daemon).toBe(true)
      expect(endedAt).toBe(3500)
      expect(events).toEqual([[0, "run"], [1000, "run"], [2000, "run"], [3000, "run"]])
      expect(err).toEqual([])
      expect(hooked).toEqual([])
    }))

  it.effect("Schedule.spaced pauses after each run; Schedule.fixed keeps a steady rate", () =>
    Effect.gen(function*() {
      const { record, events } = makeEvents()
      const slow = (label: string) => record(label).pipe(Effect.zipRight(Effect.sleep("300 millis")))
      yield* runRecorded(Effect.gen(function*() {
        yield* Thread.periodic(slow("spaced"), Schedule.spaced("1 second"))
        yield* Thread.periodic(slow("fixed"), Schedule.fixed("1 second"))
        yield* Effect.sleep("3500 millis")
      }))
      const at = (label: string) => events.filter(([, l]) => l === label).map(([t]) => t)
      expect(at("spaced")).toEqual([0, 1300, 2600])
      // Effect's Schedule.fixed starts its clock at its first step, after the first run
      expect(at("fixed")).toEqual([0, 1300, 2300, 3300])
    }))

  it.effect("runs on Schedule.cron; with immediate: false, not before the first match", () =>
    Effect.gen(function*() {
      const { record, events } = makeEvents()
      yield* TestClock.adjust("30 seconds") // half-way through the first minute
      yield* runRecorded(Effect.gen(function*() {
        yield* Thread.periodic(record("cron"), Schedule.cron("* * * * *"), { immediate: false })
        yield* Effect.sleep("3 minutes")
      }))
      expect(events).toEqual([[60_000, "cron"], [120_000, "cron"], [180_000, "cron"]])
    }))

  it.effect("with immediate: false, waits for the schedule's first delay", () =>
    Effect.gen(function*() {
      const { record, events } = makeEvents()
      yield* runRecorded(Effect.gen(function*() {
        yield* Thread.periodic(record("run"), Schedule.spaced("1 second"), { immediate: false })
        yield* Effect.sleep("2500 millis")
      }))
      expect(events).toEqual([[1000, "run"], [2000, "run"]])
    }))

  it.effect("reports a failed run through the excepthook and goes on", () =>
    Effect.gen(function*() {
      const { record, events } = makeEvents()
      let run = 0
      const job = Effect.suspend(() => {
        run++
        return run === 2 ? Effect.fail(new Boom(run)) : record(`run ${run}`)
      })
      const { exit, hooked, err } = yield* runRecorded(Effect.gen(function*() {
        const t = yield* Thread.periodic(job, Schedule.spaced("1 second"), { name: "job" })
        yield* Effect.sleep("3500 millis")
        return yield* Thread.isAlive(t)
      }))
      expect(exit).toEqual(Exit.succeed(true))
      expect(hooked).toEqual([{ thread: "job", error: new Boom(2) }])
      expect(events).toEqual([[0, "run 1"], [2000, "run 3"], [3000, "run 4"]])
      expect(err).toEqual([])
    }))

  it.effect("reports a defect of one run too, and goes on", () =>
    Effect.gen(function*() {
      const { record, labels } = makeEvents()
      let run = 0
      const job = Effect.suspend(() => ++run === 1 ? Effect.die("bug") : record(`run ${run}`))
      const { hooked } = yield* runRecorded(Effect.gen(function*() {
        yield* Thread.periodic(job, Schedule.spaced("1 second"), { name: "job" })
        yield* Effect.sleep("1500 millis")
      }))
      expect(hooked).toEqual([{ thread: "job", error: "bug" }])
      expect(labels()).toEqual(["run 2"])
    }))

  it.effect("prints the default report (Exception in thread NAME:) and goes on", () =>
    Effect.gen(function*() {
      const { console, err } = makeTestConsole()
      let run = 0
      const job = Effect.suspend(() => ++run === 1 ? Effect.fail("disk full") : Effect.void)
      yield* runVirtual(
        Threading.main(
          Effect.gen(function*() {
            yield* Thread.periodic(job, Schedule.spaced("1 second"), { name: "janitor" })
            yield* Effect.sleep("2500 millis")
          }),
          options
        ).pipe(Effect.withConsole(console))
      )
      expect(run).toBe(3)
      expect(err).toHaveLength(1)
      expect(err[0]).toMatch(/^Exception in thread janitor:\n.*disk full/)
    }))

  it.effect("with stopOnError: true, the first failure ends the thread, reported once", () =>
    Effect.gen(function*() {
      const { record, labels } = makeEvents()
      let run = 0
      const job = Effect.suspend(() => ++run === 2 ? Effect.fail(new Boom(run)) : record(`run ${run}`))
      const { exit, hooked } = yield* runRecorded(Effect.gen(function*() {
        const t = yield* Thread.periodic(job, Schedule.spaced("1 second"), { name: "job", stopOnError: true })
        yield* Effect.sleep("5 seconds")
        return yield* Thread.await(t)
      }))
      expect(exit).toEqual(Exit.succeed(Exit.fail(new Boom(2))))
      expect(hooked).toEqual([{ thread: "job", error: new Boom(2) }])
      expect(labels()).toEqual(["run 1"])
    }))

  it.effect("ends with the schedule's output when the schedule ends", () =>
    Effect.gen(function*() {
      const { record, events } = makeEvents()
      const { exit, endedAt } = yield* runRecorded(Effect.gen(function*() {
        const t = yield* Thread.periodic(
          record("run"),
          Schedule.intersect(Schedule.spaced("1 second"), Schedule.recurs(2)),
          { daemon: false }
        )
        return t
      }))
      expect(Exit.isSuccess(exit!)).toBe(true)
      // a non-daemon periodic thread holds the program open until its schedule ends
      expect(endedAt).toBe(2000)
      expect(events).toEqual([[0, "run"], [1000, "run"], [2000, "run"]])
      const t = Exit.isSuccess(exit!) ? exit.value : undefined
      expect(yield* Thread.await(t!)).toEqual(Exit.succeed([2, 2]))
    }))

  it.effect("interruption at shutdown stops it mid-run: finalizers run, nothing is reported", () =>
    Effect.gen(function*() {
      const { record, labels } = makeEvents()
      const job = Effect.sleep("500 millis").pipe(
        Effect.zipRight(record("run done")),
        Effect.onInterrupt(() => record("run interrupted"))
      )
      const { exit, endedAt, hooked, err } = yield* runRecorded(Effect.gen(function*() {
        yield* Thread.periodic(job, Schedule.spaced("1 second"))
        yield* Effect.sleep("1700 millis") // the second run is from 1500 to 2000
      }))
      expect(exit).toEqual(Exit.void)
      expect(endedAt).toBe(1700)
      expect(labels()).toEqual(["run done", "run interrupted"])
      expect(hooked).toEqual([])
      expect(err).toEqual([])
    }))

  it.effect("Thread.interrupt stops it; the thread's exit is an interruption", () =>
    Effect.gen(function*() {
      const { exit } = yield* runRecorded(Effect.gen(function*() {
        const started = yield* Deferred.make<void>()
        const t = yield* Thread.periodic(Deferred.succeed(started, undefined), Schedule.spaced("1 second"))
        yield* Deferred.await(started)
        yield* Thread.interrupt(t)
        return [yield* Thread.isAlive(t), yield* Thread.await(t)] as const
      }))
      const [alive, threadExit] = Exit.isSuccess(exit!) ? exit.value : [undefined, undefined]
      expect(alive).toBe(false)
      expect(Exit.isFailure(threadExit!) && Cause.isInterruptedOnly(threadExit.cause)).toBe(true)
    }))
})
