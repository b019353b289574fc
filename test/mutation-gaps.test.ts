/**
 * Issue 18, tests first: behaviour that a mutation trial of the core found
 * checked by no test, or by one test only, pinned before the core is split
 * into modules. Through the public API only (`Thread`, `Threading`), on
 * TestClock, so that the tests survive the restructuring unchanged.
 *
 * - `Thread.cancel` of a timer that has already ended does nothing.
 * - `Threading.dump` taken from a thread: that thread `running`, the others
 *   `suspended`, the spans of traced threads; `formatDump` of it; the main
 *   thread's block.
 * - A left-behind thread's span is ended at step (c), `thread.outcome =
 *   left_behind`.
 * - A failing `atExit` hook does not stop the others.
 *
 * (The second signal and the post-signal deadline: test/process/second-signal.test.ts.
 * Singletons with two runners: test/cluster/two-runners.test.ts.)
 */
import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Exit, Fiber, Option, Tracer } from "effect"
import { Thread, Threading } from "effect-threading"
import { runRecorded } from "./toolkit/helpers.js"
import { makeEvents, makeTestLogger, runVirtual } from "./utils.js"

const successOf = <A, E>(exit: Exit.Exit<A, E> | undefined): A => {
  if (exit === undefined || Exit.isFailure(exit)) throw new Error(`expected a success, got ${exit}`)
  return exit.value
}

/** A tracer that keeps every span it makes (Effect's own `NativeSpan`s). */
const makeTracer = () => {
  const spans: Array<Tracer.NativeSpan> = []
  const tracer = Tracer.make({
    span(options) {
      const span = new Tracer.NativeSpan(options)
      spans.push(span)
      return span
    }
  })
  const named = (name: string): Tracer.NativeSpan => {
    const found = spans.filter((span) => span.name === name)
    expect(found.map((span) => span.name), `exactly one span named ${name}`).toEqual([name])
    return found[0]!
  }
  return {
    spans,
    named,
    withTracer: <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.provideService(self, Tracer.Tracer, tracer)
  }
}

describe("Thread.cancel of a timer that has already ended does nothing", () => {
  it.effect("after it fired and its effect ended: no error, the result, the others and the program unchanged", () =>
    Effect.gen(function*() {
      const { record, events } = makeEvents()
      const { exit, endedAt, hooked, reports } = yield* runRecorded(Effect.gen(function*() {
        const t = yield* Thread.timer("1 second", Effect.as(record("fired"), "value"), { name: "alarm" })
        // another timer, still waiting: cancelling the first must not touch it
        const other = yield* Thread.timer("5 seconds", Effect.as(record("other fired"), "other"))
        yield* Thread.join(t)
        const before = [String(t), yield* Thread.await(t)] as const
        yield* Effect.sleep("1 second")
        const cancelled = yield* Effect.exit(Thread.cancel(t))
        const again = yield* Effect.exit(Thread.cancel(t))
        return {
          cancelled,
          again,
          before,
          after: [String(t), yield* Thread.await(t)] as const,
          alive: yield* Thread.isAlive(t),
          other
        }
      }))
      const r = successOf(exit)
      expect(r.cancelled).toEqual(Exit.void)
      expect(r.again).toEqual(Exit.void)
      expect(r.before[1]).toEqual(Exit.succeed(Option.some("value")))
      expect(r.after).toEqual(r.before)
      expect(r.after[0]).toMatch(/^<Timer\(alarm, stopped \d+\)>$/)
      expect(r.alive).toBe(false)
      // the other timer still fires at 5 s, and holds the program open until then
      expect(events).toEqual([[1000, "fired"], [5000, "other fired"]])
      expect(endedAt).toBe(5000)
      expect(yield* Thread.await(r.other)).toEqual(Exit.succeed(Option.some("other")))
      expect(hooked).toEqual([])
      expect(reports).toEqual([])
    }))

  it.effect("after its effect failed: the failure stays its result, reported once", () =>
    Effect.gen(function*() {
      const { exit, hooked } = yield* runRecorded(Effect.gen(function*() {
        const t = yield* Thread.timer("1 second", Effect.fail("boom"), { name: "alarm" })
        yield* Thread.join(t)
        yield* Thread.cancel(t)
        return yield* Thread.await(t)
      }))
      expect(successOf(exit)).toEqual(Exit.fail("boom"))
      expect(hooked).toEqual([{ thread: "alarm", error: "boom" }])
    }))

  it.effect("after it was cancelled and ended with None: still None", () =>
    Effect.gen(function*() {
      const { record, events } = makeEvents()
      const { exit, endedAt } = yield* runRecorded(Effect.gen(function*() {
        const t = yield* Thread.timer("2 seconds", record("fired"))
        yield* Thread.cancel(t)
        yield* Thread.join(t)
        yield* Effect.sleep("3 seconds") // past the interval
        yield* Thread.cancel(t)
        return yield* Thread.await(t)
      }))
      expect(successOf(exit)).toEqual(Exit.succeed(Option.none()))
      expect(endedAt).toBe(3000)
      expect(events).toEqual([])
    }))
})

describe("Threading.dump called from a thread", () => {
  it.effect("marks that thread running, the others suspended, with the spans of the traced threads", () =>
    Effect.gen(function*() {
      const { withTracer } = makeTracer()
      const program = Effect.gen(function*() {
        // started in the order the dump lists them (by start, by ident, non-daemons first: all agree)
        const main = yield* Threading.mainThread
        const worker = yield* Thread.spawn(
          Effect.never.pipe(Effect.withSpan("db.query"), Effect.annotateLogs("job", 7)),
          { name: "worker" }
        )
        const reporter = yield* Thread.spawn(
          Effect.sleep("1 second").pipe(Effect.andThen(Threading.dump), Effect.withSpan("report")),
          { name: "reporter", trace: "child" }
        )
        const idle = yield* Thread.spawn(Effect.never, { name: "idle", daemon: true })
        const exit = yield* Thread.await(reporter)
        return { dump: successOf(exit), threads: [main, worker, reporter, idle] }
      }).pipe(Effect.withSpan("request"))
      const { exit } = yield* runVirtual(withTracer(Threading.main(program, { shutdownTimeout: "1 second" })))
      const { dump, threads } = successOf(exit)
      const ident = (name: string) => threads.find((t) => t.name === name)!.ident!
      expect(dump.takenAt).toBe(1000)
      expect(dump.threads).toEqual([
        {
          name: "MainThread",
          daemon: false,
          main: true,
          ident: ident("MainThread"),
          ageMillis: 1000,
          status: "suspended",
          spans: ["request"],
          annotations: {}
        },
        {
          name: "worker",
          daemon: false,
          main: false,
          ident: ident("worker"),
          ageMillis: 1000,
          status: "suspended",
          spans: ["thread worker", "db.query"],
          annotations: { job: 7 }
        },
        {
          name: "reporter",
          daemon: false,
          main: false,
          ident: ident("reporter"),
          ageMillis: 1000,
          status: "running",
          // trace: "child": the thread's span is a child of the span it was started in
          spans: ["request", "thread reporter", "report"],
          annotations: {}
        },
        {
          name: "idle",
          daemon: true,
          main: false,
          ident: ident("idle"),
          ageMillis: 1000,
          status: "suspended",
          spans: ["thread idle"],
          annotations: {}
        }
      ])
      expect(Threading.formatDump(dump).split("\n")).toEqual([
        "Thread dump (4 threads):",
        `"MainThread" #${ident("MainThread")} main age=1s suspended`,
        "    spans: request",
        `"worker" #${ident("worker")} age=1s suspended`,
        "    spans: thread worker > db.query",
        "    annotations: job=7",
        `"reporter" #${ident("reporter")} age=1s running`,
        "    spans: request > thread reporter > report",
        `"idle" #${ident("idle")} daemon age=1s suspended`,
        "    spans: thread idle"
      ])
    }))
})

describe("Threading.dump called from a fiber forked inside a thread", () => {
  // KNOWN BUG, found while writing these tests and left unfixed here (tests only): a fiber forked inside a
  // thread belongs to it (`Thread.current` is that thread, its logs carry its name), and the docs say the
  // thread taking the dump is `running`; the dump compares fibers, so it marks no thread running. This test
  // is expected to fail (`it.effect.fails`) until the dump looks at the calling fiber's thread: then drop `.fails`.
  it.effect.fails("KNOWN BUG: marks that thread running", () =>
    Effect.gen(function*() {
      const { exit } = yield* runVirtual(Threading.main(Effect.gen(function*() {
        const t = yield* Thread.spawn(Effect.flatMap(Effect.forkChild(Threading.dump), Fiber.join), { name: "t" })
        return successOf(yield* Thread.await(t))
      })))
      expect(successOf(exit).threads.map(({ name, status }) => ({ name, status }))).toEqual([
        { name: "MainThread", status: "suspended" },
        { name: "t", status: "running" }
      ])
    }))
})

describe("the main thread in the dump", () => {
  it.effect("taken by the main program: its block first, `main`, running, with its span and annotations", () =>
    Effect.gen(function*() {
      const { withTracer } = makeTracer()
      const program = Effect.gen(function*() {
        const worker = yield* Thread.spawn(Effect.never, { name: "worker", daemon: true })
        yield* Effect.sleep("2 seconds")
        const dump = yield* Threading.dump.pipe(Effect.withSpan("inspect"), Effect.annotateLogs("request", "r-1"))
        return { dump, main: (yield* Threading.mainThread).ident, worker: worker.ident }
      })
      const { exit } = yield* runVirtual(withTracer(Threading.main(program)))
      const { dump, main, worker } = successOf(exit)
      expect(dump.threads.map(({ main, name, status }) => ({ name, main, status }))).toEqual([
        { name: "MainThread", main: true, status: "running" },
        { name: "worker", main: false, status: "suspended" }
      ])
      expect(dump.threads[0]).toMatchObject({
        ident: main,
        daemon: false,
        ageMillis: 2000,
        spans: ["inspect"],
        annotations: { request: "r-1" }
      })
      expect(Threading.formatDump(dump).split("\n")).toEqual([
        "Thread dump (2 threads):",
        `"MainThread" #${main} main age=2s running`,
        "    spans: inspect",
        "    annotations: request=r-1",
        `"worker" #${worker} daemon age=2s suspended`,
        "    spans: thread worker"
      ])
    }))

  it.effect("once the main program has ended, it is not in the dump (taken by a daemon's finalizer)", () =>
    Effect.gen(function*() {
      let taken: Threading.ThreadDump | undefined
      const { exit } = yield* runVirtual(Threading.main(Effect.gen(function*() {
        yield* Thread.spawn(
          Effect.never.pipe(
            Effect.onInterrupt(() => Effect.map(Threading.dump, (dump) => void (taken = dump)))
          ),
          { name: "cleaner", daemon: true }
        )
        yield* Effect.sleep("1 second")
      })))
      expect(exit).toEqual(Exit.void)
      expect(taken?.threads.map(({ main, name, status }) => ({ name, main, status }))).toEqual([
        { name: "cleaner", main: false, status: "running" }
      ])
    }))
})

describe("a left-behind thread's span", () => {
  it.effect("is ended at step (c) when daemonGrace elapses, thread.outcome = left_behind, with its event", () =>
    Effect.gen(function*() {
      const { named, withTracer } = makeTracer()
      const { exit, endedAt } = yield* runVirtual(
        withTracer(Threading.main(
          Effect.gen(function*() {
            yield* Thread.spawn(Thread.critical(Effect.never), { name: "stubborn", daemon: true })
            yield* Thread.spawn(Effect.never, { name: "polite", daemon: true })
            yield* Effect.sleep("1 second")
          }),
          { daemonGrace: "2 seconds" }
        )),
        "1 minute"
      )
      expect(exit).toEqual(Exit.void)
      expect(endedAt).toBe(3000)
      const seconds = (s: number) => BigInt(s) * 1_000_000_000n
      const stubborn = named("thread stubborn")
      // ended, though its fiber never ends: when daemonGrace elapsed (1 s + 2 s), as an interruption
      expect(stubborn.status._tag).toBe("Ended")
      const ended = stubborn.status._tag === "Ended" ? stubborn.status : undefined
      expect(ended?.endTime).toBe(seconds(3))
      expect(ended !== undefined && Exit.isFailure(ended.exit) && Cause.hasInterruptsOnly(ended.exit.cause)).toBe(
        true
      )
      expect(stubborn.attributes.get("thread.outcome")).toBe("left_behind")
      expect(stubborn.events).toEqual([["left behind", seconds(3), { "threading.bound": "daemonGrace" }]])
      // within step (c)'s span, which it does not outlive
      const step = named("interrupt daemon threads")
      expect(step.startTime).toBe(seconds(1))
      expect(step.status._tag === "Ended" && step.status.endTime).toBe(seconds(3))
      expect(step.attributes.get("threading.threads.left_behind")).toBe(1)
      // the daemon that stopped: its own outcome, no such event
      const polite = named("thread polite")
      expect(polite.attributes.get("thread.outcome")).toBe("interrupted_at_shutdown")
      expect(polite.status._tag === "Ended" && polite.status.endTime).toBe(seconds(1))
      expect(polite.events ?? []).toEqual([])
    }))
})

describe("a failing atExit hook does not stop the others", () => {
  it.effect("every hook runs once, last registered first; each failure is reported; step (c) follows", () =>
    Effect.gen(function*() {
      const { record, labels } = makeEvents()
      const logger = makeTestLogger()
      const { exit } = yield* runVirtual(
        Threading.main(
          Effect.gen(function*() {
            yield* Thread.spawn(Effect.never.pipe(Effect.onInterrupt(() => record("daemon stopped"))), {
              daemon: true
            })
            yield* Threading.atExit(record("hook 1"))
            yield* Threading.atExit(record("hook 2").pipe(Effect.andThen(Effect.fail("hook 2 failed"))))
            yield* Threading.atExit(record("hook 3"))
            yield* Threading.atExit(Effect.sync(() => {
              throw new Error("hook 4 threw")
            }))
            yield* Threading.atExit(record("hook 5"))
            return "main result"
          })
        ).pipe(logger.withLogger)
      )
      expect(exit).toEqual(Exit.succeed("main result"))
      expect(labels()).toEqual(["hook 5", "hook 3", "hook 2", "hook 1", "daemon stopped"])
      expect(logger.entries.map(({ level, message }) => [level, message])).toEqual([
        ["Error", "Exception ignored in atExit hook:"],
        ["Error", "Exception ignored in atExit hook:"]
      ])
      expect(logger.entries[0]!.cause).toMatch(/hook 4 threw/)
      expect(logger.entries[1]!.cause).toMatch(/hook 2 failed/)
    }))
})
