import { describe, expect, it } from "@effect/vitest"
import {
  Cause,
  Clock,
  Context,
  Deferred,
  Duration,
  Effect,
  Exit,
  Fiber,
  Layer,
  Option,
  Schedule,
  TestClock
} from "effect"
import { Thread, Threading } from "effect-threading"
import { makeEvents, makeTestConsole, runVirtual } from "./utils.js"

const sleepThen = <A, E, R>(duration: Duration.DurationInput, effect: Effect.Effect<A, E, R>) =>
  Effect.zipRight(Effect.sleep(duration), effect)

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
        return yield* Effect.dieMessage("defect")
      })))
      expect(exit && Exit.isFailure(exit) && Cause.isDie(exit.cause)).toBe(true)
      expect(endedAt).toBe(5000)
      expect(labels()).toEqual(["non-daemon done"])
    }))

  it.effect("an interrupted main still waits for its non-daemon threads, then reports the interruption", () =>
    Effect.gen(function*() {
      const { record, labels, timeOf } = makeEvents()
      const fiber = yield* Effect.fork(Threading.main(Effect.gen(function*() {
        yield* Thread.spawn(sleepThen("5 seconds", record("non-daemon done")))
        yield* Thread.spawn(Effect.never.pipe(Effect.onInterrupt(() => record("daemon stopped"))), { daemon: true })
        return yield* Effect.never.pipe(Effect.onInterrupt(() => record("main interrupted")))
      })))
      yield* TestClock.adjust("1 second")
      const interrupter = yield* Effect.fork(Fiber.interrupt(fiber))
      yield* TestClock.adjust("10 seconds")
      const exit = yield* Fiber.join(interrupter)
      expect(Exit.isInterrupted(exit)).toBe(true)
      expect(labels()).toEqual(["main interrupted", "non-daemon done", "daemon stopped"])
      expect(timeOf("main interrupted")).toBe(1000)
      expect(timeOf("daemon stopped")).toBe(5000)
    }))

  it.effect("provides Threading, and keeps the program's other requirements", () =>
    Effect.gen(function*() {
      class Config extends Effect.Tag("Config")<Config, { readonly n: number }>() {}
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

describe("the app's layer (the `layer` option of main and runMain)", () => {
  class Db extends Context.Tag("Db")<Db, { readonly save: (what: string) => Effect.Effect<void> }>() {}
  const makeDb = (record: (label: string) => Effect.Effect<void>) =>
    Layer.scoped(
      Db,
      Effect.acquireRelease(
        Effect.as(record("db opened"), { save: (what: string) => record(`saved ${what}`) }),
        () => record("db closed")
      )
    )

  it.effect("is built once the instance exists and released after step (c): after the threads that use it", () =>
    Effect.gen(function*() {
      const { record, labels, timeOf } = makeEvents()
      const program = Effect.gen(function*() {
        const db = yield* Db
        yield* Thread.nonDaemon(sleepThen("3 seconds", db.save("report")), { name: "report" })
        yield* Thread.daemon(Effect.never.pipe(Effect.onInterrupt(() => db.save("daemon's last words"))))
        return "main done"
      })
      const withLayer: Effect.Effect<string, Thread.ThreadError> = Threading.main(program, { layer: makeDb(record) })
      const { exit, endedAt } = yield* runVirtual(withLayer)
      expect(exit).toEqual(Exit.succeed("main done"))
      expect(labels()).toEqual(["db opened", "saved report", "saved daemon's last words", "db closed"])
      expect(timeOf("db closed")).toBe(3000)
      expect(endedAt).toBe(3000)
    }))

  it.effect("may start threads while it is built (it runs as the main thread)", () =>
    Effect.gen(function*() {
      const { record, labels } = makeEvents()
      const Heartbeat = Layer.scopedDiscard(
        Thread.daemon(Effect.never.pipe(Effect.onInterrupt(() => record("heartbeat stopped"))))
      )
      const { exit } = yield* runVirtual(
        Threading.main(Effect.map(Thread.current, (t) => t.name), { layer: Heartbeat })
      )
      expect(exit).toEqual(Exit.succeed("MainThread"))
      expect(labels()).toEqual(["heartbeat stopped"])
    }))

  it.effect("provided with Effect.provide inside the program instead, it is released before the wait", () =>
    Effect.gen(function*() {
      const { record, labels } = makeEvents()
      const program = Effect.flatMap(Db, (db) => Thread.nonDaemon(sleepThen("3 seconds", db.save("report"))))
      yield* runVirtual(Threading.main(Effect.provide(program, makeDb(record))))
      expect(labels()).toEqual(["db opened", "db closed", "saved report"])
    }))

  it.effect("a layer that fails makes main fail with its error, after the shutdown", () =>
    Effect.gen(function*() {
      const { exit } = yield* runVirtual(
        Threading.main(Effect.succeed("never runs"), { layer: Layer.fail("no database") })
      )
      expect(exit).toEqual(Exit.fail("no database"))
    }))
})

describe("mainGrace", () => {
  /** A main program whose finalizer takes 10 s, interrupted at 1 s; when do the hook and the daemon's finalizer run? */
  const interruptedAt1s = (options: Threading.Options) =>
    Effect.gen(function*() {
      const { record, timeOf } = makeEvents()
      const { console, err } = makeTestConsole()
      const start = yield* Clock.currentTimeMillis
      const at = (label: string) => timeOf(label)! - start
      const fiber = yield* Effect.fork(
        Threading.main(
          Effect.gen(function*() {
            yield* Thread.daemon(Effect.never.pipe(Effect.onInterrupt(() => record("daemon stopped"))))
            yield* Threading.atExit(record("hook"))
            return yield* Effect.never
          }).pipe(Effect.ensuring(sleepThen("10 seconds", record("main's finalizer done")))),
          options
        ).pipe(Effect.withConsole(console))
      )
      yield* TestClock.adjust("1 second")
      const interrupter = yield* Effect.fork(Fiber.interrupt(fiber))
      yield* TestClock.adjust("1 minute")
      expect(Exit.isInterrupted(yield* Fiber.join(interrupter))).toBe(true)
      return { hook: at("hook"), daemon: at("daemon stopped"), done: at("main's finalizer done"), err }
    })

  it.effect("bounds the wait for the interrupted main program's finalizers; the shutdown goes on, with a warning", () =>
    Effect.gen(function*() {
      const bounded = yield* interruptedAt1s({ mainGrace: "2 seconds" })
      expect([bounded.hook, bounded.daemon]).toEqual([3000, 3000])
      expect(bounded.done).toBe(11000) // left to run in the background
      expect(bounded.err).toEqual([
        "Warning: mainGrace (2s) elapsed; the main program's finalizers are still running"
      ])
    }))

  it.effect("by default (or Infinity), the shutdown waits for them, as Python does", () =>
    Effect.gen(function*() {
      for (const options of [{}, { mainGrace: Duration.infinity }]) {
        const unbounded = yield* interruptedAt1s(options)
        expect([unbounded.done, unbounded.hook, unbounded.daemon]).toEqual([11000, 11000, 11000])
        expect(unbounded.err).toEqual([])
      }
    }))

  it.effect("finalizers that end within it: no warning, nothing waits longer", () =>
    Effect.gen(function*() {
      const quick = yield* interruptedAt1s({ mainGrace: "1 minute" })
      expect([quick.done, quick.hook, quick.daemon]).toEqual([11000, 11000, 11000])
      expect(quick.err).toEqual([])
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
            Effect.zipRight(Effect.sleep("1 second"))
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

  it.effect("a failing atExit hook is reported on stderr and the others still run", () =>
    Effect.gen(function*() {
      const { record, labels } = makeEvents()
      const { console, err } = makeTestConsole()
      const { exit } = yield* runVirtual(
        Threading.main(Effect.gen(function*() {
          yield* Threading.atExit(record("first registered"))
          yield* Threading.atExit(Effect.fail("hook failed"))
          yield* Threading.atExit(Effect.dieMessage("hook died"))
        })).pipe(Effect.withConsole(console))
      )
      expect(exit).toEqual(Exit.void)
      expect(labels()).toEqual(["first registered"])
      expect(err).toHaveLength(2)
      expect(err[0]).toMatch(/^Exception ignored in atExit hook:\n.*hook died/s)
      expect(err[1]).toMatch(/^Exception ignored in atExit hook:\n.*hook failed/s)
    }))

  it.effect("shutdownTimeout: non-daemons still running are interrupted with the daemons, and named", () =>
    Effect.gen(function*() {
      const { record, labels, timeOf } = makeEvents()
      const { console, err } = makeTestConsole()
      const { exit, endedAt } = yield* runVirtual(
        Threading.main(
          Effect.gen(function*() {
            yield* Thread.spawn(Effect.never.pipe(Effect.onInterrupt(() => record("stuck stopped"))), { name: "stuck" })
            yield* Thread.spawn(sleepThen("2 seconds", record("quick done")), { name: "quick" })
            yield* Threading.atExit(record("hook"))
            return "ok"
          }),
          { shutdownTimeout: "10 seconds" }
        ).pipe(Effect.withConsole(console))
      )
      expect(exit).toEqual(Exit.succeed("ok"))
      expect(endedAt).toBe(10_000)
      expect(labels()).toEqual(["quick done", "hook", "stuck stopped"])
      expect(timeOf("stuck stopped")).toBe(10_000)
      expect(err).toEqual([
        "Warning: shutdownTimeout (10s) elapsed; interrupting non-daemon threads still running: stuck"
      ])
    }))

  it.effect("without shutdownTimeout, waits for a long non-daemon as long as it runs", () =>
    Effect.gen(function*() {
      const { endedAt } = yield* runVirtual(Threading.main(Thread.spawn(Effect.sleep("2 hours"))), "3 hours")
      expect(endedAt).toBe(2 * 3600 * 1000)
    }))

  it.effect("daemonGrace bounds the wait for a daemon that will not stop, and names it", () =>
    Effect.gen(function*() {
      const { console, err } = makeTestConsole()
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
        ).pipe(Effect.withConsole(console)),
        "10 seconds"
      )
      expect(exit).toEqual(Exit.void)
      expect(endedAt).toBe(4000)
      expect(timeOf("slow finalizer done")).toBe(2000)
      expect(err).toEqual([
        "Warning: daemonGrace (3s) elapsed; threads still running at exit: hanging-finalizer, uninterruptible"
      ])
    }))

  it.effect("warns about nothing when no thread is left to stop, even with a zero daemonGrace", () =>
    Effect.gen(function*() {
      const { console, err } = makeTestConsole()
      const { exit } = yield* runVirtual(
        Threading.main(Effect.flatMap(Thread.spawn(Effect.void), (t) => Thread.join(t)), { daemonGrace: 0 }).pipe(
          Effect.withConsole(console)
        )
      )
      expect(exit).toEqual(Exit.void)
      expect(err).toEqual([])
    }))

  it.effect("enumerate lists daemons still running their finalizers during step (c), main first, and none after", () =>
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
        yield* Thread.spawn(Deferred.succeed(running, undefined).pipe(Effect.zipRight(Effect.never)), { daemon: true })
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
      const { console, err } = makeTestConsole()
      const { endedAt } = yield* runVirtual(
        Threading.main(Thread.spawn(Thread.critical(Effect.never), { daemon: true })).pipe(
          Effect.withConsole(console)
        )
      )
      expect(endedAt).toBe(5000)
      expect(err[0]).toMatch(/daemonGrace \(5s\) elapsed; threads still running at exit: Thread-1/)
    }))
})

describe("excepthook is bounded (excepthookTimeout)", () => {
  const failingJob = Effect.asVoid(Thread.spawn(Effect.fail(new Error("job failure")), { name: "job" }))

  it.effect("a hook still running after excepthookTimeout is given up; the thread's failure is printed", () =>
    Effect.gen(function*() {
      const { console, err } = makeTestConsole()
      const { endedAt, exit } = yield* runVirtual(
        Threading.main(failingJob, { excepthook: () => Effect.never, excepthookTimeout: "2 seconds" }).pipe(
          Effect.withConsole(console)
        )
      )
      expect(exit).toEqual(Exit.void)
      // the failed non-daemon was waited for until then, not longer
      expect(endedAt).toBe(2000)
      expect(err).toHaveLength(1)
      expect(err[0]).toMatch(
        /^threading\.excepthook did not end within excepthookTimeout \(2s\); given up:\nException in thread job:\nError: job failure/
      )
    }))

  it.effect("a hook that ends in time is not given up, and nothing more is printed", () =>
    Effect.gen(function*() {
      const { console, err } = makeTestConsole()
      const { labels, record } = makeEvents()
      const { endedAt } = yield* runVirtual(
        Threading.main(failingJob, {
          excepthook: (thread) => sleepThen("1 second", record(`hook saw ${thread.name}`)),
          excepthookTimeout: "2 seconds"
        }).pipe(Effect.withConsole(console))
      )
      expect(labels()).toEqual(["hook saw job"])
      expect(endedAt).toBe(1000)
      expect(err).toEqual([])
    }))

  it.effect("Thread.interrupt of a thread in its hook gives the hook up at once, the failure printed", () =>
    Effect.gen(function*() {
      const { console, err } = makeTestConsole()
      const { endedAt } = yield* runVirtual(
        Threading.main(
          Effect.gen(function*() {
            const t = yield* Thread.spawn(Effect.fail("job failure"), { name: "job" })
            yield* Effect.sleep("1 second")
            yield* Thread.interrupt(t)
          }),
          { excepthook: () => Effect.never, excepthookTimeout: "1 hour" }
        ).pipe(Effect.withConsole(console))
      )
      expect(endedAt).toBe(1000)
      expect(err).toHaveLength(1)
      expect(err[0]).toMatch(
        /^threading\.excepthook was still running when its thread was stopped; given up:\nException in thread job:\nError: job failure/
      )
    }))
})

describe("excepthook", () => {
  it.effect("a thread that ends itself with Effect.interrupt ends quietly (Python's sys.exit() in a thread)", () =>
    Effect.gen(function*() {
      const { console, err } = makeTestConsole()
      const { record, labels } = makeEvents()
      const { exit } = yield* runVirtual(
        Threading.main(Effect.gen(function*() {
          const t = yield* Thread.spawn(
            Effect.andThen(record("before"), Effect.andThen(Effect.interrupt, record("never"))),
            { name: "quitter" }
          )
          yield* Thread.join(t)
          yield* record("main done")
        })).pipe(Effect.withConsole(console))
      )
      expect(exit).toEqual(Exit.void)
      expect(labels()).toEqual(["before", "main done"])
      expect(err).toEqual([])
    }))

  it.effect("by default prints `Exception in thread NAME:` and the cause on stderr; the others go on", () =>
    Effect.gen(function*() {
      const { console, err } = makeTestConsole()
      const { record, labels } = makeEvents()
      const { exit } = yield* runVirtual(
        Threading.main(Effect.gen(function*() {
          yield* Thread.spawn(Effect.fail(new Error("disk full")), { name: "writer" })
          yield* Thread.spawn(sleepThen("1 second", record("other thread done")))
          yield* Effect.sleep("2 seconds")
          yield* record("main done")
          return "main result"
        })).pipe(Effect.withConsole(console))
      )
      expect(exit).toEqual(Exit.succeed("main result"))
      expect(labels()).toEqual(["other thread done", "main done"])
      expect(err).toHaveLength(1)
      expect(err[0]).toMatch(/^Exception in thread writer:\nError: disk full/)
    }))

  it.effect("a thread whose step returns no Effect is reported, its finalizer runs, it holds nothing open", () =>
    // Conformance with the Effect 4 edition, where Effect 4.1's run loop skips the thread's last step in this case.
    Effect.gen(function*() {
      const { console, err } = makeTestConsole()
      const { record, labels } = makeEvents()
      const broken = Effect.flatMap(Effect.void, () => undefined as unknown as Effect.Effect<void>)
      const { exit } = yield* runVirtual(
        Threading.main(Effect.gen(function*() {
          const t = yield* Thread.spawn(Effect.ensuring(broken, record("finalizer")), { name: "broken" })
          yield* Thread.join(t)
          return (yield* Threading.enumerate).map((thread) => thread.name)
        })).pipe(Effect.withConsole(console))
      )
      expect(exit).toEqual(Exit.succeed(["MainThread"]))
      expect(labels()).toEqual(["finalizer"])
      expect(err).toHaveLength(1)
      expect(err[0]).toMatch(/^Exception in thread broken:\n.*Not a valid effect: undefined/)
    }))

  it.effect("a custom hook sees failing and dying threads, not interrupted ones", () =>
    Effect.gen(function*() {
      const seen: Array<string> = []
      const excepthook = (thread: Thread.Thread, cause: Cause.Cause<unknown>) =>
        Effect.sync(() => {
          seen.push(
            `${thread.name}: ${Cause.isDie(cause) ? "died" : Option.getOrUndefined(Cause.failureOption(cause))}`
          )
        })
      yield* runVirtual(Threading.main(
        Effect.gen(function*() {
          yield* Thread.spawn(Effect.fail("e1"), { name: "fails" })
          yield* Thread.spawn(Effect.dieMessage("bug"), { name: "dies" })
          const running = yield* Deferred.make<void>()
          const t = yield* Thread.spawn(Deferred.succeed(running, undefined).pipe(Effect.zipRight(Effect.never)), {
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
      const { console, err } = makeTestConsole()
      const { exit } = yield* runVirtual(
        Threading.main(
          Effect.flatMap(Thread.spawn(Effect.fail("thread error")), (t) => Thread.join(t)),
          { excepthook: () => Effect.dieMessage("hook is broken") }
        ).pipe(Effect.withConsole(console))
      )
      expect(exit).toEqual(Exit.void)
      expect(err).toHaveLength(1)
      expect(err[0]).toMatch(
        /^Exception in threading.excepthook:\n.*hook is broken.*Exception in thread Thread-1:\n.*thread error/s
      )
    }))
})

describe("registry", () => {
  it.effect("enumerate lists alive threads, main first, in start order; activeCount counts them", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(Threading.main(Effect.gen(function*() {
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
      yield* TestClock.adjust("5 seconds")
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
      class Db extends Context.Tag("Db")<Db, { readonly save: Effect.Effect<void> }>() {}
      const releaseOrder = (
        compose: (
          main: Layer.Layer<never, Thread.ThreadError, Db | Threading.Threading>,
          db: Layer.Layer<Db>
        ) => Layer.Layer<never, Thread.ThreadError> | Layer.Layer<Db | Threading.Threading, Thread.ThreadError>
      ) =>
        Effect.gen(function*() {
          const { record, labels } = makeEvents()
          const DbLive = Layer.scoped(
            Db,
            Effect.acquireRelease(Effect.succeed({ save: record("report saved") }), () => record("db closed"))
          )
          // A request's non-daemon work, still running when the layers are released.
          const Main = Layer.effectDiscard(
            Effect.flatMap(Db, (db) => Thread.nonDaemon(Effect.zipRight(Effect.sleep("2 seconds"), db.save)))
          )
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
      // As siblings in Layer.mergeAll, they are released in parallel: the database closes under the thread.
      expect(yield* releaseOrder((main, db) => main.pipe(Layer.provide(Layer.mergeAll(Threading.layer(), db)))))
        .toEqual(["db closed", "report saved"])
    }))

  it.scoped("inside a longer-lived scope, threads run until that scope closes", () =>
    Effect.gen(function*() {
      const { record, labels } = makeEvents()
      const context = yield* Layer.build(Threading.layer())
      yield* Thread.spawn(
        record("tick").pipe(Effect.repeat(Schedule.spaced("1 second"))),
        { daemon: true }
      ).pipe(Effect.provide(context))
      yield* TestClock.adjust("2500 millis")
      expect(labels()).toEqual(["tick", "tick", "tick"])
    }))
})

describe("options", () => {
  const invalid: ReadonlyArray<readonly [string, Threading.Options]> = [
    ["negative shutdownTimeout", { shutdownTimeout: -1 }],
    ["NaN shutdownTimeout", { shutdownTimeout: Number.NaN }],
    ["negative daemonGrace", { daemonGrace: -5 }],
    ["NaN daemonGrace", { daemonGrace: Number.NaN }],
    ["infinite daemonGrace", { daemonGrace: Duration.infinity }],
    ["unparsable daemonGrace", { daemonGrace: "soon" as Duration.DurationInput }],
    ["negative string", { shutdownTimeout: "-3 seconds" as Duration.DurationInput }],
    ["negative mainGrace", { mainGrace: -1 }],
    ["NaN mainGrace", { mainGrace: Number.NaN }],
    ["unparsable mainGrace", { mainGrace: "a while" as Duration.DurationInput }],
    ["negative string mainGrace", { mainGrace: "-1 second" as Duration.DurationInput }],
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
        const defect = Exit.isFailure(exit) ? Option.getOrUndefined(Cause.dieOption(exit.cause)) : undefined
        expect(defect).toBeInstanceOf(Thread.ThreadError)
        expect((defect as Thread.ThreadError).message).toMatch(
          /^invalid option (shutdownTimeout|daemonGrace|mainGrace|excepthook|excepthookTimeout): /
        )
      }))
  }

  it.effect("a `layer` option whose getter throws: main dies with a ThreadError naming it", () =>
    Effect.gen(function*() {
      const options = {
        get layer(): Layer.Layer<never> {
          throw new Error("no layer today")
        }
      }
      const exit = yield* Effect.exit(Threading.main(Effect.void, options))
      const defect = Exit.isFailure(exit) ? Option.getOrUndefined(Cause.dieOption(exit.cause)) : undefined
      expect((defect as Thread.ThreadError).message).toBe(
        "invalid option layer: reading it threw Error: no layer today"
      )
    }))

  it.effect("layer dies at construction with the same error", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(Effect.provide(Effect.void, Threading.layer({ daemonGrace: -1 })))
      const defect = Exit.isFailure(exit) ? Option.getOrUndefined(Cause.dieOption(exit.cause)) : undefined
      expect((defect as Thread.ThreadError).message).toBe(
        "invalid option daemonGrace: expected a non-negative duration (got -1)"
      )
    }))

  it.effect("accepts Duration values, millis and strings", () =>
    Effect.gen(function*() {
      const ok = [
        { shutdownTimeout: Duration.seconds(1), daemonGrace: 0 },
        { shutdownTimeout: Duration.infinity, daemonGrace: "1 second" as const },
        { shutdownTimeout: 1500 },
        { mainGrace: 0 },
        { mainGrace: "2 seconds" as const, daemonGrace: Duration.millis(10) },
        { mainGrace: Duration.infinity }
      ]
      for (const options of ok) {
        expect(yield* Threading.main(Effect.succeed("ran"), options)).toBe("ran")
      }
    }))
})
