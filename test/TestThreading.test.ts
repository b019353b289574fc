/**
 * effect-threading/testing (TestThreading): the two cases where a plain
 * Effect 4 TestClock test gives a wrong result without a ritual (issue 20,
 * item 6), each with the plain way shown wrong first — so that a change in
 * Effect that makes the ritual needless shows here — then the helper's right
 * result; then what `run` reports, and how it refuses bad input.
 */
import { describe, expect, it } from "@effect/vitest"
import { Cause, Clock, Console, Effect, Exit, Fiber, Result, Schedule } from "effect"
import { Thread, Threading } from "effect-threading"
import { TestThreading } from "effect-threading/testing"
import { TestClock } from "effect/testing"

/** The first example of docs/testing.md: `main` returns at 3 s. */
const firstExample = Effect.gen(function*() {
  yield* Thread.spawn(Effect.never, { daemon: true }) // never holds main open
  yield* Thread.spawn(Effect.sleep("3 seconds")) // holds it open until t = 3 s
  yield* Effect.sleep("1 second") // main's own code ends at t = 1 s
})

/** A thread interrupted before anything slept: its finalizer sleeps a second. */
const interruptedFlush = (note: (what: string) => Effect.Effect<void>) =>
  Effect.gen(function*() {
    const flush = note("flush begins").pipe(
      Effect.andThen(Effect.sleep("1 second")),
      Effect.andThen(note("flush ends"))
    )
    const t = yield* Thread.spawn(Effect.never.pipe(Effect.ensuring(flush)))
    yield* Effect.yieldNow // let the thread start before interrupting it
    yield* Thread.interrupt(t)
    yield* note("interrupt returned")
  })

const makeNotes = () => {
  const log: Array<string> = []
  const note = (what: string) =>
    Effect.flatMap(Clock.currentTimeMillis, (ms) => Effect.sync(() => void log.push(`${ms / 1000}s ${what}`)))
  return { log, note }
}

const defectOf = <A, E>(exit: Exit.Exit<A, E>) =>
  Exit.isSuccess(exit) ? undefined : Result.getOrUndefined(Cause.findDefect(exit.cause))

describe("the rituals the helper replaces (Effect 4.1.0)", () => {
  it.effect("without settling, the plain way returns at 4000 ms: the clock jumped past the thread's sleep", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.forkChild(Threading.main(firstExample).pipe(Effect.andThen(Clock.currentTimeMillis)))
      yield* TestClock.adjust("10 seconds")
      expect(yield* Fiber.join(fiber)).toBe(4000)
    }))

  it.effect("TestThreading.run: main returns at exactly 3000 ms", () =>
    Effect.gen(function*() {
      const report = yield* TestThreading.run(firstExample)
      expect(report.exit).toStrictEqual(Exit.void)
      expect(report.endedAt).toBe(3000)
    }))

  it.effect("TestThreading.fork + adjust: not done at 2999 ms, done at 3000 ms", () =>
    Effect.gen(function*() {
      const fiber = yield* TestThreading.fork(firstExample.pipe(Effect.as("done")))
      yield* TestThreading.adjust("2999 millis")
      expect(fiber.pollUnsafe()).toBeUndefined()
      yield* TestThreading.adjust("1 millis")
      expect(fiber.pollUnsafe()).toStrictEqual(Exit.succeed("done"))
      expect(yield* Clock.currentTimeMillis).toBe(3000)
    }))

  it.effect("TestThreading.adjust settles first: a program forked the plain way returns at 3000 ms", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.forkChild(Threading.main(firstExample).pipe(Effect.andThen(Clock.currentTimeMillis)))
      yield* TestThreading.adjust("10 seconds")
      expect(yield* Fiber.join(fiber)).toBe(3000)
    }))

  it.effect("TestThreading.fork returns once the program waits: one that never waits has ended by then", () =>
    Effect.gen(function*() {
      const fiber = yield* TestThreading.fork(Effect.gen(function*() {
        const t = yield* Thread.spawn(Thread.spawn(Effect.succeed(1)))
        yield* Thread.join(t)
        return "done"
      }))
      expect(fiber.pollUnsafe()).toStrictEqual(Exit.succeed("done"))
    }))

  it.effect("without adjust(0) first, the plain way cuts the finalizer at its first sleep, with no report", () =>
    Effect.gen(function*() {
      const { log, note } = makeNotes()
      const fiber = yield* Effect.forkChild(Threading.main(interruptedFlush(note)))
      yield* TestThreading.settle
      yield* TestClock.adjust("5 seconds")
      yield* Fiber.join(fiber)
      expect(log).toEqual(["0s flush begins", "0s interrupt returned"])
    }))

  it.effect("TestThreading.run: the finalizer runs whole", () =>
    Effect.gen(function*() {
      const { log, note } = makeNotes()
      const report = yield* TestThreading.run(interruptedFlush(note))
      expect(log).toEqual(["0s flush begins", "1s flush ends", "1s interrupt returned"])
      expect(report.logs).toEqual([]) // nothing to report
      expect(report.threads.map((t) => [t.name, t.outcome, t.endedAt])).toEqual([["Thread-1", "interrupted", 1000]])
    }))

  it.effect("TestThreading.fork: the finalizer runs whole", () =>
    Effect.gen(function*() {
      const { log, note } = makeNotes()
      const fiber = yield* TestThreading.fork(interruptedFlush(note))
      yield* TestThreading.adjust("5 seconds")
      yield* Fiber.join(fiber)
      expect(log).toEqual(["0s flush begins", "1s flush ends", "1s interrupt returned"])
    }))

  it.effect("a daemon stopped by a program that never slept: its finalizer's sleep is whole under run", () =>
    Effect.gen(function*() {
      const { log, note } = makeNotes()
      const report = yield* TestThreading.run(
        Thread.spawn(
          Effect.never.pipe(
            Effect.ensuring(
              note("closing").pipe(Effect.andThen(Effect.sleep("2 seconds")), Effect.andThen(note("closed")))
            )
          ),
          {
            daemon: true,
            name: "flusher"
          }
        ).pipe(Effect.andThen(Effect.yieldNow))
      )
      expect(log).toEqual(["0s closing", "2s closed"])
      expect(report.endedAt).toBe(2000)
      expect(report.threads.map((t) => [t.name, t.outcome])).toEqual([["flusher", "interrupted_at_shutdown"]])
    }))

  it.effect("a first instant of many steps (no count of yields would do): run and fork still see its sleeps", () =>
    Effect.gen(function*() {
      // 20,000 steps, each a yield to the scheduler, before the thread's first sleep
      const busy = Effect.replicateEffect(Effect.yieldNow, 20_000, { discard: true })
      const program = Thread.spawn(busy.pipe(Effect.andThen(Effect.sleep("3 seconds"))))
      const report = yield* TestThreading.run(program)
      expect(report.endedAt).toBe(3000)
      const fiber = yield* TestThreading.fork(program.pipe(Effect.andThen(Effect.succeed("done"))))
      yield* TestThreading.adjust("2999 millis")
      expect(fiber.pollUnsafe()).toBeUndefined()
      yield* TestThreading.adjust("1 millis")
      expect(fiber.pollUnsafe()).toStrictEqual(Exit.succeed("done"))
    }))

  it.effect("fork leaves the test's clock where it was", () =>
    Effect.gen(function*() {
      yield* TestClock.adjust("5 seconds")
      const fiber = yield* TestThreading.fork(Clock.currentTimeMillis)
      expect(yield* Clock.currentTimeMillis).toBe(5000)
      expect(fiber.pollUnsafe()).toStrictEqual(Exit.succeed(5000))
    }))

  it.effect("threads started four levels deep at t = 0 sleep their exact time", () =>
    Effect.gen(function*() {
      const nested = (depth: number): Effect.Effect<void, never, Threading.Threading> =>
        depth === 0 ? Effect.sleep("3 seconds") : Effect.asVoid(Effect.orDie(Thread.spawn(nested(depth - 1))))
      const report = yield* TestThreading.run(nested(4))
      expect(report.endedAt).toBe(3000)
      expect(report.threads.map((t) => t.endedAt)).toEqual([0, 0, 0, 3000])
    }))
})

describe("TestThreading.run reports", () => {
  it.effect("the console lines, with their virtual times and streams", () =>
    Effect.gen(function*() {
      const report = yield* TestThreading.run(Effect.gen(function*() {
        yield* Thread.spawn(Console.log("tick").pipe(Effect.repeat(Schedule.spaced("1 second"))), { daemon: true })
        yield* Effect.sleep("1500 millis")
        yield* Console.error("warning:", { code: 7 })
        yield* Console.info("main", "done", 42)
      }))
      expect(report.console).toEqual([
        { at: 0, stream: "stdout", text: "tick" },
        { at: 1000, stream: "stdout", text: "tick" },
        { at: 1500, stream: "stderr", text: "warning: {\"code\":7}" },
        { at: 1500, stream: "stdout", text: "main done 42" }
      ])
      expect(report.stdout).toEqual(["tick", "tick", "main done 42"])
      expect(report.stderr).toEqual(["warning: {\"code\":7}"])
    }))

  it.effect("the log entries: the program's and the library's (the default excepthook's report)", () =>
    Effect.gen(function*() {
      const report = yield* TestThreading.run(Effect.gen(function*() {
        yield* Effect.logInfo("starting")
        const t = yield* Thread.spawn(Effect.sleep("1 second").pipe(Effect.andThen(Effect.fail("boom"))), {
          name: "worker"
        })
        yield* Thread.join(t)
        return "ok"
      }))
      expect(report.exit).toStrictEqual(Exit.succeed("ok"))
      expect(report.logs.map((e) => [e.at, e.level, e.thread, e.message])).toEqual([
        [0, "Info", "MainThread", "starting"],
        [1000, "Error", "worker", "Exception in thread worker:"]
      ])
      expect(Cause.squash(report.logs[1]!.cause)).toBe("boom")
      expect(report.stderr).toEqual([]) // the default loggers are replaced: nothing printed
    }))

  it.effect("every thread's exit and outcome, in start order", () =>
    Effect.gen(function*() {
      const report = yield* TestThreading.run(
        Effect.gen(function*() {
          yield* Thread.spawn(Effect.succeed(42), { name: "answer" })
          yield* Thread.spawn(Effect.die("bad"), { name: "crasher" })
          const victim = yield* Thread.spawn(Effect.never, { name: "victim" })
          yield* Effect.sleep("1 second")
          yield* Thread.interrupt(victim)
          yield* Thread.spawn(Effect.never, { name: "watcher", daemon: true })
          // a daemon that will not stop within daemonGrace
          yield* Thread.spawn(Effect.never.pipe(Effect.ensuring(Effect.sleep("1 minute"))), {
            name: "stubborn",
            daemon: true
          })
          yield* Effect.sleep("1 second")
        }),
        { daemonGrace: "3 seconds", horizon: "10 seconds" }
      )
      expect(report.endedAt).toBe(5000)
      expect(report.threads.map((t) => [t.name, t.daemon, t.outcome, t.startedAt, t.endedAt])).toEqual([
        ["answer", false, "success", 0, 0],
        ["crasher", false, "failure", 0, 0],
        ["victim", false, "interrupted", 0, 1000],
        ["watcher", true, "interrupted_at_shutdown", 1000, 2000],
        ["stubborn", true, "left_behind", 1000, undefined] // its finalizer sleeps until 62 s
      ])
      expect(report.threads[0]!.exit).toStrictEqual(Exit.succeed(42))
      expect(report.threads.every((t) => typeof t.ident === "number")).toBe(true)
      expect(report.logs.map((e) => e.message)).toEqual(
        expect.arrayContaining([
          "Exception in thread crasher:",
          expect.stringMatching(/^daemonGrace \(3s\) elapsed; threads still running at exit: stubborn/)
        ])
      )
      expect(report.fibersRunning).toBeGreaterThan(0) // the stubborn daemon, left behind
    }))

  it.effect("a thread left behind that ends later, before the horizon: left_behind, with its real end", () =>
    Effect.gen(function*() {
      const report = yield* TestThreading.run(
        Thread.spawn(Effect.never.pipe(Effect.ensuring(Effect.sleep("10 seconds"))), { name: "slow", daemon: true }),
        { daemonGrace: "1 second" }
      )
      expect(report.endedAt).toBe(1000)
      expect(report.threads.map((t) => [t.name, t.outcome, t.endedAt])).toEqual([["slow", "left_behind", 10_000]])
      expect(Exit.hasInterrupts(report.threads[0]!.exit!)).toBe(true)
      expect(report.fibersRunning).toBe(0) // it has ended since
    }))

  it.effect("nothing left running after a program that ended", () =>
    Effect.gen(function*() {
      const report = yield* TestThreading.run(Effect.gen(function*() {
        yield* Thread.spawn(Effect.never, { daemon: true })
        yield* Thread.spawn(Thread.spawn(Effect.sleep("2 seconds"))) // a thread that starts a thread
        yield* Effect.forkChild(Effect.never) // a child of main: interrupted with it
      }))
      expect(report.endedAt).toBe(2000)
      expect(report.fibersRunning).toBe(0)
    }))

  it.effect("a program not ended by the horizon: exit undefined, its threads running; the test still ends", () =>
    Effect.gen(function*() {
      const report = yield* TestThreading.run(
        Effect.asVoid(Thread.spawn(Effect.sleep("1 hour"), { name: "long job" })),
        { horizon: "30 minutes" }
      )
      expect(report.exit).toBeUndefined()
      expect(report.endedAt).toBeUndefined()
      expect(report.threads.map((t) => [t.name, t.outcome, t.endedAt, t.exit])).toEqual([
        ["long job", "running", undefined, undefined]
      ])
      expect(report.fibersRunning).toBeGreaterThan(0)
    }))

  it.effect("each run has a TestClock of its own, starting at 0", () =>
    Effect.gen(function*() {
      yield* TestClock.adjust("1 hour") // the test's own clock
      const first = yield* TestThreading.run(Effect.sleep("2 seconds").pipe(Effect.andThen(Clock.currentTimeMillis)))
      const second = yield* TestThreading.run(Clock.currentTimeMillis)
      expect(first.exit).toStrictEqual(Exit.succeed(2000))
      expect(second.exit).toStrictEqual(Exit.succeed(0))
      expect(yield* Clock.currentTimeMillis).toBe(3_600_000) // untouched
    }))

  it("needs no test framework: runs under a plain Effect.runPromise", async () => {
    const report = await Effect.runPromise(
      TestThreading.run(Thread.spawn(Effect.sleep("1 day")), { horizon: "2 days" })
    )
    expect(report.endedAt).toBe(86_400_000)
  })

  it.effect("main's own options: an invalid one is main's defect, in exit", () =>
    Effect.gen(function*() {
      const report = yield* TestThreading.run(Effect.void, { daemonGrace: -1 })
      const defect = defectOf(report.exit!)
      expect(defect).toBeInstanceOf(Thread.ThreadError)
      expect((defect as Thread.ThreadError).message).toMatch(/^invalid option daemonGrace: expected a non-negative/)
    }))
})

describe("TestThreading refuses bad input before anything runs", () => {
  it.effect.each(
    [
      [
        "run, with something that is not an Effect",
        () => TestThreading.run("program" as any),
        /^TestThreading\.run expects an Effect as its program argument \(got "program"\)$/
      ],
      [
        "fork, with something that is not an Effect",
        () => TestThreading.fork(undefined as any),
        /^TestThreading\.fork expects an Effect as its program argument \(got undefined\)$/
      ],
      [
        "run, with a negative horizon",
        () => TestThreading.run(Effect.void, { horizon: -1 }),
        /^invalid option horizon: expected a non-negative duration \(got -1\)$/
      ],
      [
        "run, with an infinite horizon",
        () => TestThreading.run(Effect.void, { horizon: "Infinity" }),
        /^invalid option horizon: expected a finite duration/
      ],
      [
        "adjust, by a negative duration",
        () => TestThreading.adjust(-5),
        /^TestThreading\.adjust expects a non-negative duration as its duration argument \(got -5\)$/
      ],
      [
        "adjust, by something that is not a duration",
        () => TestThreading.adjust("soon" as any),
        /^TestThreading\.adjust expects a non-negative duration as its duration argument \(got "soon"\)$/
      ]
    ] as const
  )("%s: dies with a ThreadError naming it", ([, attempt, message]) =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(attempt() as Effect.Effect<unknown>)
      const defect = defectOf(exit)
      expect(defect).toBeInstanceOf(Thread.ThreadError)
      expect((defect as Thread.ThreadError).message).toMatch(message)
    }))

  it("adjust and fork without a TestClock: die saying how to get one", async () => {
    for (const attempt of [TestThreading.adjust("1 second"), TestThreading.fork(Effect.void)]) {
      const exit = await Effect.runPromise(Effect.exit(attempt as Effect.Effect<unknown>))
      expect((defectOf(exit) as Thread.ThreadError).message).toMatch(
        /^TestThreading\.(adjust|fork) needs a TestClock: run it inside @effect\/vitest's it\.effect, or provide TestClock\.layer\(\) from "effect\/testing"$/
      )
    }
  })
})
