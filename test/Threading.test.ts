import { describe, expect, it } from "@effect/vitest"
import {
  Cause,
  Context,
  Deferred,
  Duration,
  Effect,
  Exit,
  Fiber,
  Layer,
  Logger,
  Option,
  Result,
  Schedule
} from "effect"
import { Thread, Threading } from "effect-threading"
import { processState, receiveSignal } from "../src/internal/instance.js"
import { adjust, disarmTestClockWarning, makeEvents, makeTestLogger, runVirtual, settle } from "./utils.js"

const sleepThen = <A, E, R>(duration: Duration.Input, effect: Effect.Effect<A, E, R>) =>
  Effect.andThen(Effect.sleep(duration), effect)

/** Effect 3's `Effect.dieMessage`: a defect with that message. */
const dieMessage = (message: string) => Effect.die(new Error(message))

describe("Threading.main", () => {
  it.effect("succeeds with the program's value, after the non-daemon threads have ended", () =>
    Effect.gen(function*() {
      const { record, labels } = makeEvents()
      const { exit, endedAt } = yield* runVirtual(Threading.main(Effect.gen(function*() {
        yield* Thread.spawn(sleepThen("7 seconds", record("non-daemon done")))
        return "result"
      })))
      expect(exit).toEqual(Exit.succeed("result"))
      expect(endedAt).toBe(7000)
      expect(labels()).toEqual(["non-daemon done"])
    }))

  it.effect("does not wait for daemon threads, and interrupts them, finalizers run", () =>
    Effect.gen(function*() {
      const { record, labels, timeOf } = makeEvents()
      const { exit, endedAt } = yield* runVirtual(Threading.main(Effect.gen(function*() {
        yield* Thread.spawn(Effect.never.pipe(Effect.onInterrupt(() => record("daemon finalizer"))), { daemon: true })
        yield* Effect.sleep("2 seconds")
        return 1
      })))
      expect(exit).toEqual(Exit.succeed(1))
      expect(endedAt).toBe(2000)
      expect(labels()).toEqual(["daemon finalizer"])
      expect(timeOf("daemon finalizer")).toBe(2000)
    }))

  it.effect("a failing main still waits for its non-daemon threads, then fails with its own error", () =>
    Effect.gen(function*() {
      const { record, labels } = makeEvents()
      const { exit, endedAt } = yield* runVirtual(Threading.main(Effect.gen(function*() {
        yield* Thread.spawn(sleepThen("5 seconds", record("non-daemon done")))
        yield* Effect.sleep("1 second")
        return yield* Effect.fail("main failed")
      })))
      expect(exit).toEqual(Exit.fail("main failed"))
      expect(endedAt).toBe(5000)
      expect(labels()).toEqual(["non-daemon done"])
    }))

  it.effect("a dying main still waits for its non-daemon threads", () =>
    Effect.gen(function*() {
      const { record, labels } = makeEvents()
      const { exit, endedAt } = yield* runVirtual(Threading.main(Effect.gen(function*() {
        yield* Thread.spawn(sleepThen("5 seconds", record("non-daemon done")))
        return yield* dieMessage("defect")
      })))
      expect(exit && Exit.isFailure(exit) && Cause.hasDies(exit.cause)).toBe(true)
      expect(endedAt).toBe(5000)
      expect(labels()).toEqual(["non-daemon done"])
    }))

  it.effect("an interrupted main still waits for its non-daemon threads, then reports the interruption", () =>
    Effect.gen(function*() {
      const { record, labels, timeOf } = makeEvents()
      const fiber = yield* Effect.forkChild(Threading.main(Effect.gen(function*() {
        yield* Thread.spawn(sleepThen("5 seconds", record("non-daemon done")))
        yield* Thread.spawn(Effect.never.pipe(Effect.onInterrupt(() => record("daemon stopped"))), { daemon: true })
        return yield* Effect.never.pipe(Effect.onInterrupt(() => record("main interrupted")))
      })))
      yield* adjust("1 second")
      const interrupter = yield* Effect.forkChild(Fiber.interrupt(fiber))
      yield* adjust("10 seconds")
      yield* Fiber.join(interrupter) // Effect 4: Fiber.interrupt returns void, no longer the fiber's Exit
      const exit = yield* Fiber.await(fiber)
      expect(Exit.hasInterrupts(exit)).toBe(true)
      expect(labels()).toEqual(["main interrupted", "non-daemon done", "daemon stopped"])
      expect(timeOf("main interrupted")).toBe(1000)
      expect(timeOf("daemon stopped")).toBe(5000)
    }))

  it.effect("provides Threading, and keeps the program's other requirements", () =>
    Effect.gen(function*() {
      class Config extends Context.Service<Config, { readonly n: number }>()("Config") {}
      const program: Effect.Effect<number, Thread.ThreadError, Config | Threading.Threading> = Effect.gen(function*() {
        const config = yield* Config
        const t = yield* Thread.spawn(Effect.map(Config, (c) => c.n * 2))
        const exit = yield* Thread.await(t).pipe(Effect.orDie)
        return config.n + (Exit.isSuccess(exit) ? exit.value : 0)
      })
      const withoutThreading: Effect.Effect<number, Thread.ThreadError, Config> = Threading.main(program)
      expect(yield* Effect.provideService(withoutThreading, Config, { n: 1 })).toBe(3)
    }))
})

describe("the shutdown sequence", () => {
  it.effect("(a) joins non-daemons, (b) runs atExit hooks last-first, (c) interrupts daemons — in that order", () =>
    Effect.gen(function*() {
      const { record, labels, events } = makeEvents()
      const { endedAt } = yield* runVirtual(Threading.main(Effect.gen(function*() {
        yield* Threading.atExit(record("hook 1"))
        yield* Threading.atExit(record("hook 2"))
        yield* Thread.spawn(Effect.never.pipe(Effect.onInterrupt(() => record("daemon A stopped"))), { daemon: true })
        yield* Thread.spawn(sleepThen("3 seconds", record("non-daemon 1 done")))
        yield* Thread.spawn(sleepThen("6 seconds", record("non-daemon 2 done")))
        yield* Threading.atExit(record("hook 3"))
        yield* record("main done")
      })))
      expect(labels()).toEqual([
        "main done",
        "non-daemon 1 done",
        "non-daemon 2 done",
        "hook 3",
        "hook 2",
        "hook 1",
        "daemon A stopped"
      ])
      expect(events.at(-1)![0]).toBe(6000)
      expect(endedAt).toBe(6000)
    }))

  it.effect("(a) also joins non-daemon threads started while waiting", () =>
    Effect.gen(function*() {
      const { record, timeOf } = makeEvents()
      const { endedAt } = yield* runVirtual(Threading.main(
        Thread.spawn(
          // starts a grandchild after main has ended, during step (a)
          sleepThen("2 seconds", Effect.asVoid(Thread.spawn(sleepThen("5 seconds", record("late child done")))))
        )
      ))
      expect(timeOf("late child done")).toBe(7000)
      expect(endedAt).toBe(7000)
    }))

  it.effect("daemon threads may start through (b); from (c) on, starting fails", () =>
    Effect.gen(function*() {
      const { record, labels } = makeEvents()
      const { exit } = yield* runVirtual(Threading.main(Effect.gen(function*() {
        yield* Threading.atExit(
          Thread.spawn(record("started from a hook"), { daemon: true }).pipe(
            Effect.andThen(Effect.sleep("1 second"))
          )
        )
        yield* Thread.spawn(
          Effect.never.pipe(
            Effect.onInterrupt(() =>
              Thread.spawn(Effect.void).pipe(
                Effect.catchTag("ThreadError", (e) => record(`refused: ${e.message}`))
              )
            )
          ),
          { daemon: true }
        )
      })))
      expect(exit).toEqual(Exit.void)
      expect(labels()).toEqual(["started from a hook", "refused: can't create new thread at interpreter shutdown"])
    }))

  it.effect("a failing atExit hook is reported through the logger and the others still run", () =>
    Effect.gen(function*() {
      const { record, labels } = makeEvents()
      const logger = makeTestLogger()
      const { exit } = yield* runVirtual(
        Threading.main(Effect.gen(function*() {
          yield* Threading.atExit(record("first registered"))
          yield* Threading.atExit(Effect.fail("hook failed"))
          yield* Threading.atExit(dieMessage("hook died"))
        })).pipe(logger.withLogger)
      )
      expect(exit).toEqual(Exit.void)
      expect(labels()).toEqual(["first registered"])
      expect(logger.entries.map(({ annotations, level, message }) => ({ level, message, annotations }))).toEqual([
        { level: "Error", message: "Exception ignored in atExit hook:", annotations: { thread: "MainThread" } },
        { level: "Error", message: "Exception ignored in atExit hook:", annotations: { thread: "MainThread" } }
      ])
      expect(logger.entries[0]!.cause).toMatch(/hook died/)
      expect(logger.entries[1]!.cause).toMatch(/hook failed/)
    }))

  it.effect("shutdownTimeout: non-daemons still running are interrupted with the daemons, and named", () =>
    Effect.gen(function*() {
      const { record, labels, timeOf } = makeEvents()
      const logger = makeTestLogger()
      const { exit, endedAt } = yield* runVirtual(
        Threading.main(
          Effect.gen(function*() {
            yield* Thread.spawn(Effect.never.pipe(Effect.onInterrupt(() => record("stuck stopped"))), { name: "stuck" })
            yield* Thread.spawn(sleepThen("2 seconds", record("quick done")), { name: "quick" })
            yield* Threading.atExit(record("hook"))
            return "ok"
          }),
          { shutdownTimeout: "10 seconds" }
        ).pipe(logger.withLogger)
      )
      expect(exit).toEqual(Exit.succeed("ok"))
      expect(endedAt).toBe(10_000)
      expect(labels()).toEqual(["quick done", "hook", "stuck stopped"])
      expect(timeOf("stuck stopped")).toBe(10_000)
      const [warning, dump, ...rest] = logger.entries
      expect(warning).toMatchObject({
        level: "Warn",
        message: "shutdownTimeout (10s) elapsed; interrupting non-daemon threads still running: stuck",
        annotations: { thread: "MainThread", threads: ["stuck"], threadCount: 1 },
        toStderr: true
      })
      // then the dump: what is still running (the hook has not run yet)
      expect(dump).toMatchObject({ level: "Warn", annotations: { thread: "MainThread", threadCount: 1 } })
      expect(dump!.message.split("\n")).toEqual([
        "Thread dump (1 thread):",
        expect.stringMatching(/^"stuck" #\d+ age=10s suspended$/)
      ])
      expect(rest).toEqual([])
    }))

  it.effect("without shutdownTimeout, waits for a long non-daemon as long as it runs", () =>
    Effect.gen(function*() {
      const { endedAt } = yield* runVirtual(Threading.main(Thread.spawn(Effect.sleep("2 hours"))), "3 hours")
      expect(endedAt).toBe(2 * 3600 * 1000)
    }))

  it.effect("daemonGrace bounds the wait for a daemon that will not stop, and names it", () =>
    Effect.gen(function*() {
      const logger = makeTestLogger()
      const { record, timeOf } = makeEvents()
      const { exit, endedAt } = yield* runVirtual(
        Threading.main(
          Effect.gen(function*() {
            yield* Thread.spawn(Effect.never.pipe(Effect.onInterrupt(() => Effect.never)), {
              daemon: true,
              name: "hanging-finalizer"
            })
            yield* Thread.spawn(Thread.critical(Effect.sleep("1 hour")), { daemon: true, name: "uninterruptible" })
            yield* Thread.spawn(
              Effect.never.pipe(Effect.onInterrupt(() => sleepThen("1 second", record("slow finalizer done")))),
              { daemon: true, name: "slow-finalizer" }
            )
            yield* Effect.sleep("1 second")
          }),
          { daemonGrace: "3 seconds" }
        ).pipe(logger.withLogger),
        "10 seconds"
      )
      expect(exit).toEqual(Exit.void)
      expect(endedAt).toBe(4000)
      expect(timeOf("slow finalizer done")).toBe(2000)
      expect(logger.entries).toHaveLength(2)
      expect(logger.entries[0]).toMatchObject({
        level: "Warn",
        message: "daemonGrace (3s) elapsed; threads still running at exit: hanging-finalizer, uninterruptible",
        annotations: { thread: "MainThread", threads: ["hanging-finalizer", "uninterruptible"], threadCount: 2 }
      })
      expect(logger.entries[1]).toMatchObject({ level: "Warn", annotations: { thread: "MainThread", threadCount: 2 } })
      expect(logger.entries[1]!.message.split("\n")).toEqual([
        "Thread dump (2 threads):",
        expect.stringMatching(/^"hanging-finalizer" #\d+ daemon age=4s suspended$/),
        expect.stringMatching(/^"uninterruptible" #\d+ daemon age=4s suspended$/)
      ])
    }))

  it.effect("warns about nothing when no thread is left to stop, even with a zero daemonGrace", () =>
    Effect.gen(function*() {
      const logger = makeTestLogger()
      const { exit } = yield* runVirtual(
        Threading.main(Effect.flatMap(Thread.spawn(Effect.void), (t) => Thread.join(t)), { daemonGrace: 0 }).pipe(
          logger.withLogger
        )
      )
      expect(exit).toEqual(Exit.void)
      expect(logger.entries).toEqual([])
    }))

  it.effect("says nothing while it waits for non-daemon threads when no signal started the shutdown", () =>
    Effect.gen(function*() {
      const logger = makeTestLogger()
      const { endedAt } = yield* runVirtual(
        Threading.main(Thread.spawn(Effect.sleep("1 minute"), { name: "job" })).pipe(logger.withLogger)
      )
      expect(endedAt).toBe(60_000)
      expect(logger.entries).toEqual([])
    }))

  it.effect("enumerate lists daemons still running their finalizers during step (c), and none after", () =>
    Effect.gen(function*() {
      const seen: Array<ReadonlyArray<string>> = []
      const { exit } = yield* runVirtual(Threading.main(Effect.gen(function*() {
        const record = Effect.flatMap(Threading.enumerate, (ts) => Effect.sync(() => seen.push(ts.map((t) => t.name))))
        yield* Thread.spawn(Effect.never.pipe(Effect.onInterrupt(() => sleepThen("1 second", record))), {
          daemon: true,
          name: "slow"
        })
        yield* Thread.spawn(Effect.never, { daemon: true, name: "quick" })
        const running = yield* Deferred.make<void>()
        yield* Thread.spawn(Deferred.succeed(running, undefined).pipe(Effect.andThen(Effect.never)), { daemon: true })
        yield* Deferred.await(running)
        yield* Threading.atExit(record)
        return yield* Threading.enumerate.pipe(Effect.map((ts) => ts.length))
      })))
      expect(exit).toEqual(Exit.succeed(4))
      expect(seen).toEqual([["MainThread", "slow", "quick", "Thread-1"], ["MainThread", "slow"]])
    }))

  it.effect("the default daemonGrace is 5 seconds", () =>
    Effect.gen(function*() {
      expect(Duration.toMillis(Threading.defaultDaemonGrace)).toBe(5000)
      const logger = makeTestLogger()
      const { endedAt } = yield* runVirtual(
        Threading.main(Thread.spawn(Thread.critical(Effect.never), { daemon: true })).pipe(logger.withLogger)
      )
      expect(endedAt).toBe(5000)
      expect(logger.messages()[0]).toBe("daemonGrace (5s) elapsed; threads still running at exit: Thread-1")
    }))
})

/**
 * A signal as `runMain` receives it (the count and the first signal are the
 * process's: `processState`), and the process's state restored afterwards.
 * `runMain`'s own part — interrupting the main program — is the program's
 * here: it ends after the first signal.
 */
const withSignals = <A, E, R>(self: Effect.Effect<A, E, R>) =>
  Effect.acquireUseRelease(
    Effect.sync(() => ({ signals: processState.signals, firstSignal: processState.firstSignal })),
    () => self,
    (saved) => Effect.sync(() => Object.assign(processState, saved))
  )

const signal = (name: "SIGINT" | "SIGTERM") => Effect.sync(() => void receiveSignal(name))

describe("what the shutdown says, through the app's logger", () => {
  it.effect("1st signal: the waiting line; 2nd: `Stopping N non-daemon threads...` and the dump", () =>
    withSignals(Effect.gen(function*() {
      const logger = makeTestLogger()
      const { record, labels } = makeEvents()
      const program = Effect.gen(function*() {
        for (const name of ["job-1", "job-2", "job-3"]) {
          yield* Thread.spawn(
            Effect.sleep("30 seconds").pipe(
              Effect.annotateLogs("job", name),
              Effect.onInterrupt(() => record(`${name} stopped`))
            ),
            { name }
          )
        }
        yield* Thread.spawn(Effect.never, { name: "metrics", daemon: true })
        yield* Effect.sleep("1 second")
        yield* signal("SIGINT") // runMain would interrupt the main program: it ends here
      })
      const fiber = yield* Effect.forkChild(runVirtual(Threading.main(program).pipe(logger.withLogger), "2 seconds"))
      yield* adjust("3 seconds")
      // The main program ended at 1 s: step (a) waits for the jobs, and says so, once.
      expect(logger.entries.map(({ annotations, level, message }) => ({ level, message, annotations }))).toEqual([{
        level: "Warn",
        message: "Waiting for 3 non-daemon threads (job-1, job-2, job-3); press Ctrl+C again to stop them",
        annotations: { thread: "MainThread", threads: ["job-1", "job-2", "job-3"], threadCount: 3 }
      }])
      expect(logger.entries[0]!.toStderr).toBe(true)
      yield* signal("SIGINT")
      yield* Fiber.join(fiber)
      expect(labels()).toEqual(["job-1 stopped", "job-2 stopped", "job-3 stopped"])
      const [, stopping, dump, ...rest] = logger.entries
      expect(stopping).toMatchObject({
        level: "Warn",
        message: "Stopping 3 non-daemon threads...",
        annotations: { thread: "MainThread", threads: ["job-1", "job-2", "job-3"], threadCount: 3 }
      })
      expect(dump).toMatchObject({ level: "Warn", annotations: { thread: "MainThread", threadCount: 4 } })
      // taken before they are interrupted: every job, the daemon, with their annotations
      expect(dump!.message.split("\n")).toEqual([
        "Thread dump (4 threads):",
        expect.stringMatching(/^"job-1" #\d+ age=3s suspended$/),
        "    annotations: job=job-1",
        expect.stringMatching(/^"job-2" #\d+ age=3s suspended$/),
        "    annotations: job=job-2",
        expect.stringMatching(/^"job-3" #\d+ age=3s suspended$/),
        "    annotations: job=job-3",
        expect.stringMatching(/^"metrics" #\d+ daemon age=3s suspended$/)
      ])
      expect(rest).toEqual([])
    })))

  it.effect("after SIGTERM the waiting line asks for SIGTERM; at most 20 names, then the count", () =>
    withSignals(Effect.gen(function*() {
      const logger = makeTestLogger()
      const program = Effect.gen(function*() {
        for (let i = 1; i <= 25; i++) yield* Thread.spawn(Effect.sleep("10 seconds"), { name: `job-${i}` })
        yield* signal("SIGTERM")
      })
      const { endedAt } = yield* runVirtual(Threading.main(program).pipe(logger.withLogger))
      // one signal: the jobs are waited for, to their end
      expect(endedAt).toBe(10_000)
      const first20 = Array.from({ length: 20 }, (_, i) => `job-${i + 1}`)
      expect(logger.entries).toHaveLength(1)
      expect(logger.entries[0]).toMatchObject({
        level: "Warn",
        message: `Waiting for 25 non-daemon threads (${
          first20.join(", ")
        } and 5 more); send SIGTERM again to stop them`,
        annotations: { thread: "MainThread", threads: first20, threadCount: 25 }
      })
    })))

  it.effect("a first signal while the wait is already on (the program ended by itself): Stopping... at once", () =>
    withSignals(Effect.gen(function*() {
      const logger = makeTestLogger()
      const fiber = yield* Effect.forkChild(runVirtual(
        Threading.main(Thread.spawn(Effect.never, { name: "forever" })).pipe(logger.withLogger),
        "1 second"
      ))
      yield* adjust("2 seconds")
      expect(logger.entries).toEqual([]) // a quiet wait, as in Python
      yield* signal("SIGTERM")
      const { endedAt } = yield* Fiber.join(fiber)
      expect(endedAt).toBe(2000)
      expect(logger.messages()).toEqual([
        "Stopping 1 non-daemon thread...",
        expect.stringMatching(/^Thread dump \(1 thread\):\n"forever" #\d+ age=2s suspended$/)
      ])
    })))

  it.effect("the shutdown's reports use the loggers of the app's layer (main's `layer` option), if it has some", () =>
    Effect.gen(function*() {
      const outer = makeTestLogger()
      const app = makeTestLogger()
      const { exit } = yield* runVirtual(
        Threading.main(
          Effect.gen(function*() {
            yield* Thread.spawn(Effect.fail("thread error"), { name: "failing" })
            yield* Thread.spawn(Effect.never, { name: "stuck" })
            yield* Threading.atExit(Effect.fail("hook failed"))
          }),
          { layer: app.layer, shutdownTimeout: "1 second" }
        ).pipe(outer.withLogger)
      )
      expect(exit).toEqual(Exit.void)
      expect(outer.entries).toEqual([])
      expect(app.messages()).toEqual([
        "Exception in thread failing:",
        "shutdownTimeout (1s) elapsed; interrupting non-daemon threads still running: stuck",
        expect.stringMatching(/^Thread dump \(1 thread\):/),
        "Exception ignored in atExit hook:"
      ])
    }))

  it.effect("mainGrace elapsing: a warning, then the dump, the main thread (still in its finalizers) in it", () =>
    Effect.gen(function*() {
      const logger = makeTestLogger()
      yield* disarmTestClockWarning
      const program = Effect.never.pipe(Effect.onInterrupt(() => Effect.sleep("1 hour")))
      const fiber = yield* Effect.forkChild(Threading.main(program, { mainGrace: "1 second" }).pipe(logger.withLogger))
      yield* adjust("2 seconds")
      const stopping = yield* Effect.forkChild(Fiber.interrupt(fiber))
      yield* adjust("1 second")
      yield* settle()
      expect(stopping.pollUnsafe()).toBeDefined() // at 3 s, not after the finalizer's hour
      expect(logger.entries.map(({ annotations, level, message }) => ({ level, message, annotations }))).toEqual([
        {
          level: "Warn",
          message: "mainGrace (1s) elapsed; the main program's finalizers are still running",
          annotations: { thread: "MainThread" }
        },
        {
          level: "Warn",
          message: expect.stringMatching(/^Thread dump \(1 thread\):\n"MainThread" #\d+ main age=3s suspended$/),
          annotations: { thread: "MainThread", threadCount: 1 }
        }
      ])
    }))

  it.effect("nothing when a signal comes with no non-daemon thread to wait for", () =>
    withSignals(Effect.gen(function*() {
      const logger = makeTestLogger()
      const program = Effect.gen(function*() {
        yield* Thread.spawn(Effect.never, { name: "metrics", daemon: true })
        yield* signal("SIGINT")
      })
      const { exit } = yield* runVirtual(Threading.main(program).pipe(logger.withLogger))
      expect(exit).toEqual(Exit.void)
      expect(logger.entries).toEqual([])
    })))
})

describe("excepthook", () => {
  it.effect("a thread that ends itself with Effect.interrupt ends quietly (Python's sys.exit() in a thread)", () =>
    Effect.gen(function*() {
      const logger = makeTestLogger()
      const { record, labels } = makeEvents()
      const { exit } = yield* runVirtual(
        Threading.main(Effect.gen(function*() {
          const t = yield* Thread.spawn(
            Effect.andThen(record("before"), Effect.andThen(Effect.interrupt, record("never"))),
            { name: "quitter" }
          )
          yield* Thread.join(t)
          yield* record("main done")
        })).pipe(logger.withLogger)
      )
      expect(exit).toEqual(Exit.void)
      expect(labels()).toEqual(["before", "main done"])
      expect(logger.entries).toEqual([])
    }))

  it.effect("by default logs `Exception in thread NAME:` and the cause at level Error; the others go on", () =>
    Effect.gen(function*() {
      const logger = makeTestLogger()
      const { record, labels } = makeEvents()
      const { exit } = yield* runVirtual(
        Threading.main(Effect.gen(function*() {
          yield* Thread.spawn(Effect.fail(new Error("disk full")), { name: "writer" })
          yield* Thread.spawn(sleepThen("1 second", record("other thread done")))
          yield* Effect.sleep("2 seconds")
          yield* record("main done")
          return "main result"
        })).pipe(logger.withLogger)
      )
      expect(exit).toEqual(Exit.succeed("main result"))
      expect(labels()).toEqual(["other thread done", "main done"])
      expect(logger.entries).toHaveLength(1)
      expect(logger.entries[0]).toMatchObject({
        level: "Error",
        message: "Exception in thread writer:",
        annotations: { thread: "writer" },
        toStderr: true
      })
      expect(logger.entries[0]!.cause).toMatch(/^Error: disk full/)
    }))

  describe("a thread whose step returns no Effect (Effect 4 ends its fiber without its last step)", () => {
    const broken = Effect.flatMap(Effect.void, () => undefined as unknown as Effect.Effect<void>)

    it.effect("a non-daemon one is reported and does not hold the exit", () =>
      Effect.gen(function*() {
        const logger = makeTestLogger()
        const { exit } = yield* runVirtual(
          Threading.main(Effect.gen(function*() {
            const t = yield* Thread.spawn(broken, { name: "broken" })
            yield* Thread.join(t)
            return "main result"
          })).pipe(logger.withLogger)
        )
        expect(exit).toEqual(Exit.succeed("main result"))
        expect(logger.entries).toHaveLength(1)
        expect(logger.entries[0]).toMatchObject({
          level: "Error",
          message: "Exception in thread broken:",
          annotations: { thread: "broken" }
        })
        expect(logger.entries[0]!.cause).toMatch(/Fiber\.runLoop: Not a valid effect: undefined/)
      }))

    it.effect("a daemon one is no longer listed, and is reported at the latest when the shutdown begins", () =>
      Effect.gen(function*() {
        const logger = makeTestLogger()
        const { exit } = yield* runVirtual(
          Threading.main(Effect.gen(function*() {
            yield* Thread.daemon(broken, { name: "broken-daemon" })
            yield* Effect.sleep("1 second")
            return (yield* Threading.enumerate).map((t) => t.name)
          })).pipe(logger.withLogger)
        )
        expect(exit).toEqual(Exit.succeed(["MainThread"]))
        expect(logger.messages()).toEqual(["Exception in thread broken-daemon:"])
      }))
  })

  it.effect("a custom hook sees failing and dying threads, not interrupted ones", () =>
    Effect.gen(function*() {
      const seen: Array<string> = []
      const excepthook = (thread: Thread.Thread, cause: Cause.Cause<unknown>) =>
        Effect.sync(() => {
          seen.push(
            `${thread.name}: ${Cause.hasDies(cause) ? "died" : Option.getOrUndefined(Cause.findErrorOption(cause))}`
          )
        })
      yield* runVirtual(Threading.main(
        Effect.gen(function*() {
          yield* Thread.spawn(Effect.fail("e1"), { name: "fails" })
          yield* Thread.spawn(dieMessage("bug"), { name: "dies" })
          const running = yield* Deferred.make<void>()
          const t = yield* Thread.spawn(Deferred.succeed(running, undefined).pipe(Effect.andThen(Effect.never)), {
            name: "interrupted"
          })
          yield* Thread.spawn(Effect.never, { daemon: true, name: "daemon" }) // interrupted at exit
          yield* Deferred.await(running)
          yield* Thread.interrupt(t)
          yield* Effect.sleep("1 second")
        }),
        { excepthook }
      ))
      expect(seen.sort()).toEqual(["dies: died", "fails: e1"])
    }))

  it.effect("a failing excepthook is itself reported, never lost", () =>
    Effect.gen(function*() {
      const logger = makeTestLogger()
      const { exit } = yield* runVirtual(
        Threading.main(
          Effect.flatMap(Thread.spawn(Effect.fail("thread error")), (t) => Thread.join(t)),
          { excepthook: () => dieMessage("hook is broken") }
        ).pipe(logger.withLogger)
      )
      expect(exit).toEqual(Exit.void)
      expect(logger.entries.map(({ cause, level, message }) => [level, message, cause])).toEqual([
        ["Error", "Exception in threading.excepthook:", expect.stringMatching(/hook is broken/)],
        ["Error", "Exception in thread Thread-1:", expect.stringMatching(/thread error/)]
      ])
      expect(logger.entries.map((entry) => entry.annotations.thread)).toEqual(["Thread-1", "Thread-1"])
    }))

  describe("is bounded (excepthookTimeout)", () => {
    /** The entries as [level, message, the cause's first line, the thread annotation]. */
    const entriesOf = (logger: ReturnType<typeof makeTestLogger>) =>
      logger.entries.map(({ annotations, cause, level, message }) => [
        level,
        message,
        cause === undefined || cause === "" ? undefined : cause.split("\n")[0],
        annotations.thread
      ])

    const failingJob = Effect.asVoid(Thread.spawn(Effect.fail(new Error("job failure")), { name: "job" }))

    it.effect("a hook still running after excepthookTimeout is given up; the thread's failure is reported", () =>
      Effect.gen(function*() {
        const logger = makeTestLogger()
        const { endedAt, exit } = yield* runVirtual(
          Threading.main(failingJob, { excepthook: () => Effect.never, excepthookTimeout: "2 seconds" }).pipe(
            logger.withLogger
          )
        )
        expect(exit).toEqual(Exit.void)
        // the failed non-daemon was waited for until then, not longer
        expect(endedAt).toBe(2000)
        expect(entriesOf(logger)).toEqual([
          [
            "Error",
            "threading.excepthook did not end within excepthookTimeout (2s); given up:",
            undefined,
            "job"
          ],
          ["Error", "Exception in thread job:", "Error: job failure", "job"]
        ])
      }))

    it.effect("by default after 5 seconds, and a hook that cannot be interrupted cannot hold the exit either", () =>
      Effect.gen(function*() {
        const logger = makeTestLogger()
        const { endedAt, exit } = yield* runVirtual(
          Threading.main(failingJob, { excepthook: () => Effect.uninterruptible(Effect.never) }).pipe(
            logger.withLogger
          )
        )
        expect(exit).toEqual(Exit.void)
        expect(endedAt).toBe(5000)
        expect(entriesOf(logger).map(([, message]) => message)).toEqual([
          "threading.excepthook did not end within excepthookTimeout (5s); given up:",
          "Exception in thread job:"
        ])
      }))

    it.effect("a hook that ends in time is not given up, and nothing more is reported", () =>
      Effect.gen(function*() {
        const logger = makeTestLogger()
        const { record, labels } = makeEvents()
        const { endedAt } = yield* runVirtual(
          Threading.main(failingJob, {
            excepthook: (thread) => sleepThen("1 second", record(`hook saw ${thread.name}`)),
            excepthookTimeout: "2 seconds"
          }).pipe(logger.withLogger)
        )
        expect(labels()).toEqual(["hook saw job"])
        expect(endedAt).toBe(1000)
        expect(logger.entries).toEqual([])
      }))

    it.effect("a hook still running when shutdownTimeout stops its thread is given up at once, the failure reported", () =>
      Effect.gen(function*() {
        const logger = makeTestLogger()
        const { endedAt, exit } = yield* runVirtual(
          Threading.main(failingJob, {
            excepthook: () => Effect.never,
            excepthookTimeout: "1 hour",
            shutdownTimeout: "1 second"
          }).pipe(logger.withLogger)
        )
        expect(exit).toEqual(Exit.void)
        expect(endedAt).toBe(1000)
        expect(entriesOf(logger).map(([, message, cause]) => [message, cause])).toEqual([
          ["shutdownTimeout (1s) elapsed; interrupting non-daemon threads still running: job", undefined],
          [expect.stringMatching(/^Thread dump \(1 thread\):/), undefined],
          ["threading.excepthook was still running when its thread was stopped; given up:", undefined],
          ["Exception in thread job:", "Error: job failure"]
        ])
      }))

    it.effect("Thread.interrupt of a thread in its hook gives the hook up at once, the failure reported", () =>
      Effect.gen(function*() {
        const logger = makeTestLogger()
        const { endedAt } = yield* runVirtual(
          Threading.main(
            Effect.gen(function*() {
              const t = yield* Thread.spawn(Effect.fail("job failure"), { name: "job" })
              yield* Effect.sleep("1 second")
              yield* Thread.interrupt(t)
            }),
            { excepthook: () => Effect.never, excepthookTimeout: "1 hour" }
          ).pipe(logger.withLogger)
        )
        expect(endedAt).toBe(1000)
        expect(entriesOf(logger).map(([, message, cause]) => [message, cause])).toEqual([
          ["threading.excepthook was still running when its thread was stopped; given up:", undefined],
          ["Exception in thread job:", "Error: job failure"]
        ])
      }))

    it.effect("a daemon that dies while stopped at step (c), its hook outliving daemonGrace: the cut reports it", () =>
      Effect.gen(function*() {
        const logger = makeTestLogger()
        const daemon = Effect.never.pipe(Effect.onInterrupt(() => dieMessage("finalizer died")))
        const { endedAt } = yield* runVirtual(
          Threading.main(Effect.asVoid(Thread.spawn(daemon, { name: "sidecar", daemon: true })), {
            excepthook: () => Effect.never,
            excepthookTimeout: "1 hour",
            daemonGrace: "1 second"
          }).pipe(logger.withLogger)
        )
        expect(endedAt).toBe(1000)
        expect(entriesOf(logger).map(([, message, cause]) => [message, cause])).toEqual([
          ["daemonGrace (1s) elapsed; threads still running at exit: sidecar", undefined],
          [expect.stringMatching(/^Thread dump \(1 thread\):/), undefined],
          ["threading.excepthook was still running when its thread was stopped; given up:", undefined],
          ["Exception in thread sidecar:", expect.stringMatching(/finalizer died/)]
        ])
      }))
  })

  it.effect("a logger that throws neither loses a report nor cuts the shutdown short", () =>
    Effect.gen(function*() {
      const { record, labels } = makeEvents()
      const written: Array<string> = []
      const broken = Logger.make(() => {
        throw new Error("logger is broken")
      })
      const original = globalThis.console.error
      globalThis.console.error = (...args: ReadonlyArray<unknown>) => void written.push(args.map(String).join(" "))
      const { exit } = yield* runVirtual(
        Threading.main(
          Effect.gen(function*() {
            yield* Thread.spawn(Effect.fail("thread error"), { name: "failing" })
            yield* Thread.spawn(Effect.never, { name: "stuck" })
            yield* Thread.spawn(Effect.never.pipe(Effect.onInterrupt(() => record("daemon stopped"))), {
              daemon: true
            })
            yield* Threading.atExit(record("hook ran"))
          }),
          { shutdownTimeout: "1 second" }
        ).pipe(Effect.provide(Logger.layer([broken]))),
        "1 minute"
      ).pipe(Effect.ensuring(Effect.sync(() => void (globalThis.console.error = original))))
      expect(exit).toEqual(Exit.void)
      expect(labels()).toEqual(["hook ran", "daemon stopped"])
      expect(written).toEqual([
        expect.stringMatching(/^Exception in thread failing:\n.*thread error.*logger is broken/s),
        expect.stringMatching(/^shutdownTimeout \(1s\) elapsed.*: stuck\n\(a logger failed.*logger is broken/s),
        expect.stringMatching(/^Thread dump \(2 threads\):.*logger is broken/s)
      ])
    }))
})

describe("registry", () => {
  it.effect("enumerate lists alive threads, main first, in start order; activeCount counts them", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.forkChild(Threading.main(Effect.gen(function*() {
        const a = yield* Thread.spawn(Effect.sleep("1 second"), { name: "a" })
        const b = yield* Thread.spawn(Effect.never, { name: "b", daemon: true })
        const c = yield* Thread.spawn(Effect.sleep("3 seconds"), { name: "c" })
        yield* Thread.make(Effect.void, { name: "unstarted" })
        const before = (yield* Threading.enumerate).map((t) => t.name)
        const countBefore = yield* Threading.activeCount
        yield* Thread.join(a)
        const after = (yield* Threading.enumerate).map((t) => t.name)
        const countAfter = yield* Threading.activeCount
        return { before, countBefore, after, countAfter, b, c }
      })))
      yield* adjust("5 seconds")
      const result = yield* Fiber.join(fiber)
      expect(result.before).toEqual(["MainThread", "a", "b", "c"])
      expect(result.countBefore).toBe(4)
      expect(result.after).toEqual(["MainThread", "b", "c"])
      expect(result.countAfter).toBe(3)
    }))

  it.effect("finished threads leave the registry", () =>
    Effect.gen(function*() {
      const [during, after] = yield* Threading.main(Effect.gen(function*() {
        const threads = yield* Effect.forEach(Array.from({ length: 1000 }), () => Thread.spawn(Effect.void))
        const during = yield* Threading.activeCount
        yield* Effect.forEach(threads, (t) => Thread.join(t))
        return [during, yield* Threading.enumerate] as const
      }))
      expect(during).toBeGreaterThan(1)
      expect(after.map((t) => t.name)).toEqual(["MainThread"])
    }))
})

describe("Threading.layer", () => {
  it.effect("gives any Effect program threads; closing the scope applies the exit rule", () =>
    Effect.gen(function*() {
      const { record, labels } = makeEvents()
      const program = Effect.gen(function*() {
        const main = yield* Thread.current
        yield* record(`current: ${main.name}`)
        yield* Thread.spawn(sleepThen("4 seconds", record("non-daemon done")))
        yield* Thread.spawn(Effect.never.pipe(Effect.onInterrupt(() => record("daemon stopped"))), { daemon: true })
        yield* Threading.atExit(record("hook"))
        return "value"
      }).pipe(Effect.provide(Threading.layer()))
      const { exit, endedAt } = yield* runVirtual(program)
      expect(exit).toEqual(Exit.succeed("value"))
      expect(endedAt).toBe(4000)
      expect(labels()).toEqual(["current: MainThread", "non-daemon done", "hook", "daemon stopped"])
    }))

  it.effect("a scoped layer built after it is released before the shutdown's wait; one built before it, after", () =>
    Effect.gen(function*() {
      class Db extends Context.Service<Db, { readonly save: Effect.Effect<void> }>()("Db") {}
      const releaseOrder = (
        compose: (
          main: Layer.Layer<never, Thread.ThreadError, Db | Threading.Threading>,
          db: Layer.Layer<Db>
        ) => Layer.Layer<never, Thread.ThreadError> | Layer.Layer<Db | Threading.Threading, Thread.ThreadError>
      ) =>
        Effect.gen(function*() {
          const { record, labels } = makeEvents()
          const DbLive = Layer.effect(
            Db,
            Effect.acquireRelease(Effect.succeed({ save: record("report saved") }), () => record("db closed"))
          )
          // A request's non-daemon work, still running when the layers are released.
          const Main = Layer.effectDiscard(Effect.gen(function*() {
            const db = yield* Db
            yield* Thread.nonDaemon(Effect.andThen(Effect.sleep("2 seconds"), db.save))
          }))
          yield* runVirtual(Effect.scoped(Layer.build(compose(Main, DbLive))))
          return labels()
        })
      // docs/toolkit.md: the database provided inside the threading layer is closed before the wait...
      expect(yield* releaseOrder((main, db) => main.pipe(Layer.provide(db), Layer.provide(Threading.layer()))))
        .toEqual(["db closed", "report saved"])
      // ...and built before it (the safe spelling), it is closed after the threads have finished.
      expect(
        yield* releaseOrder((main, db) => main.pipe(Layer.provideMerge(Threading.layer()), Layer.provideMerge(db)))
      ).toEqual(["report saved", "db closed"])
    }))

  it.effect("inside a longer-lived scope, threads run until that scope closes", () =>
    Effect.gen(function*() {
      const { record, labels } = makeEvents()
      const context = yield* Layer.build(Threading.layer())
      yield* Thread.spawn(
        record("tick").pipe(Effect.repeat(Schedule.spaced("1 second"))),
        { daemon: true }
      ).pipe(Effect.provideContext(context))
      yield* adjust("2500 millis")
      expect(labels()).toEqual(["tick", "tick", "tick"])
    }).pipe(Effect.scoped))
})

describe("options", () => {
  const invalid: ReadonlyArray<readonly [string, Threading.Options]> = [
    ["negative shutdownTimeout", { shutdownTimeout: -1 }],
    ["NaN shutdownTimeout", { shutdownTimeout: Number.NaN }],
    ["negative daemonGrace", { daemonGrace: -5 }],
    ["NaN daemonGrace", { daemonGrace: Number.NaN }],
    ["infinite daemonGrace", { daemonGrace: Duration.infinity }],
    ["unparsable daemonGrace", { daemonGrace: "soon" as Duration.Input }],
    ["negative string", { shutdownTimeout: "-3 seconds" as Duration.Input }],
    ["excepthook not a function", { excepthook: 42 as unknown as Threading.Options["excepthook"] }],
    ["negative excepthookTimeout", { excepthookTimeout: -1 }],
    ["infinite excepthookTimeout", { excepthookTimeout: Duration.infinity }]
  ]
  for (const [label, options] of invalid) {
    it.effect(`main dies at once with a ThreadError naming the option: ${label}`, () =>
      Effect.gen(function*() {
        let ran = false
        const exit = yield* Effect.exit(Threading.main(Effect.sync(() => ran = true), options))
        expect(ran).toBe(false)
        const defect = Exit.isFailure(exit) ? Result.getOrUndefined(Cause.findDefect(exit.cause)) : undefined
        expect(defect).toBeInstanceOf(Thread.ThreadError)
        expect((defect as Thread.ThreadError).message).toMatch(
          /^invalid option (shutdownTimeout|daemonGrace|excepthook|excepthookTimeout): /
        )
      }))
  }

  it.effect("layer dies at construction with the same error", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(Effect.provide(Effect.void, Threading.layer({ daemonGrace: -1 })))
      const defect = Exit.isFailure(exit) ? Result.getOrUndefined(Cause.findDefect(exit.cause)) : undefined
      expect((defect as Thread.ThreadError).message).toBe(
        "invalid option daemonGrace: expected a non-negative duration (got -1)"
      )
    }))

  it.effect("accepts Duration values, millis and strings", () =>
    Effect.gen(function*() {
      const ok = [
        { shutdownTimeout: Duration.seconds(1), daemonGrace: 0 },
        { shutdownTimeout: Duration.infinity, daemonGrace: "1 second" as const },
        { shutdownTimeout: 1500 }
      ]
      for (const options of ok) {
        expect(yield* Threading.main(Effect.succeed("ran"), options)).toBe("ran")
      }
    }))
})
