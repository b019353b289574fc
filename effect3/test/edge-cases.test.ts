/**
 * Edge cases of the lifecycle (issue 11): empty names, `enumerate` during
 * shutdown, failures while being interrupted, `atExit` and non-daemon threads
 * once the hooks have begun, user callbacks that throw, and bounded warnings.
 * Each follows CPython or a choice listed in the README's "Differences from
 * Python".
 */
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Schedule } from "effect"
import { Thread, Threading } from "effect-threading"
import { nameList } from "../src/internal/reportText.js"
import { runRecorded } from "./toolkit/helpers.js"
import { makeEvents, makeTestConsole, runVirtual } from "./utils.js"

/** An options object whose property `key` throws when read. */
const throwingOption = (key: string): any =>
  Object.defineProperty({}, key, {
    enumerable: true,
    get() {
      throw new Error("getter bug")
    }
  })

/** Records a `ThreadError` refusal as `WHAT refused: MESSAGE`. */
const refused =
  (record: (label: string) => Effect.Effect<void>, what: string) =>
  <A, R>(self: Effect.Effect<A, Thread.ThreadError, R>): Effect.Effect<A | void, never, R> =>
    Effect.catchTag(self, "ThreadError", (e) => record(`${what} refused: ${e.message}`))

describe("an empty name counts as no name: Thread-N, as in CPython", () => {
  it.effect("make, spawn, daemon, nonDaemon, periodic, timer and makeTimer", () =>
    Effect.gen(function*() {
      const { exit } = yield* runVirtual(Threading.main(Effect.gen(function*() {
        const threads: ReadonlyArray<Thread.Thread> = [
          yield* Thread.make(Effect.void, { name: "" }),
          yield* Thread.spawn(Effect.void, { name: "" }),
          yield* Thread.daemon(Effect.void, { name: "" }),
          yield* Thread.nonDaemon(Effect.void, { name: "" }),
          yield* Thread.periodic(Effect.void, Schedule.recurs(0), { name: "" }),
          yield* Thread.timer("1 second", Effect.void, { name: "" }),
          yield* Thread.makeTimer("1 second", Effect.void, { name: "" })
        ]
        return threads.map((t) => t.name)
      })))
      expect(exit).toEqual(
        Exit.succeed(["Thread-1", "Thread-2", "Thread-3", "Thread-4", "Thread-5", "Thread-6", "Thread-7"])
      )
    }))
})

describe("enumerate lists the main thread first for the instance's whole life; activeCount counts it", () => {
  it.effect("in the program, in atExit hooks, during step (c) and after main has returned", () =>
    Effect.gen(function*() {
      const seen: Array<string> = []
      const see = (when: string) =>
        Effect.gen(function*() {
          const names = (yield* Threading.enumerate).map((t) => t.name).join(",")
          const count = yield* Threading.activeCount
          const alive = yield* Thread.isAlive(yield* Threading.mainThread)
          seen.push(`${when}: ${names} (${count}, main ${alive ? "alive" : "stopped"})`)
        })
      let instance: Threading.Threading | undefined
      const { exit } = yield* runVirtual(Threading.main(Effect.gen(function*() {
        instance = yield* Threading.Threading
        yield* Thread.daemon(Effect.never.pipe(Effect.onInterrupt(() => see("step (c)"))), { name: "d" })
        yield* Threading.atExit(see("atExit"))
        yield* see("program")
      })))
      expect(exit).toEqual(Exit.void)
      yield* Effect.provideService(see("after"), Threading.Threading, instance!)
      expect(seen).toEqual([
        "program: MainThread,d (2, main alive)",
        "atExit: MainThread,d (2, main stopped)",
        "step (c): MainThread,d (2, main stopped)",
        "after: MainThread (1, main stopped)"
      ])
    }))

  it.effect("with Threading.layer too, after its scope has closed", () =>
    Effect.gen(function*() {
      const instance = yield* Threading.Threading.pipe(Effect.provide(Threading.layer()))
      const names = yield* Effect.provideService(Threading.enumerate, Threading.Threading, instance)
      const count = yield* Effect.provideService(Threading.activeCount, Threading.Threading, instance)
      expect(names.map((t) => t.name)).toEqual(["MainThread"])
      expect(count).toBe(1)
    }))
})

describe("a thread that fails or dies while being interrupted is reported", () => {
  it.effect("daemons whose finalizer dies, or lets a refused spawn escape, at step (c); not a plain interruption", () =>
    Effect.gen(function*() {
      const { exit, hooked } = yield* runRecorded(Effect.gen(function*() {
        yield* Thread.daemon(Effect.never.pipe(Effect.ensuring(Effect.die(new Error("flush failed")))), {
          name: "flusher"
        })
        yield* Thread.daemon(
          Effect.never.pipe(Effect.onInterrupt(() => Effect.orDie(Thread.spawn(Effect.void)))),
          { name: "respawner" }
        )
        yield* Thread.daemon(Effect.never.pipe(Effect.ensuring(Effect.void)), { name: "quiet" })
      }))
      expect(exit).toEqual(Exit.void)
      expect(hooked.map((h) => h.thread).sort()).toEqual(["flusher", "respawner"])
      expect(hooked.find((h) => h.thread === "flusher")?.error).toEqual(new Error("flush failed"))
      expect(hooked.find((h) => h.thread === "respawner")?.error).toEqual(
        new Thread.ThreadError({ message: "can't create new thread at interpreter shutdown" })
      )
    }))

  it.effect("a thread stopped by Thread.interrupt whose finalizer fails", () =>
    Effect.gen(function*() {
      const { hooked } = yield* runRecorded(Effect.gen(function*() {
        const started = yield* Deferred.make<void>()
        const t = yield* Thread.spawn(
          Deferred.succeed(started, undefined).pipe(
            Effect.zipRight(Effect.never),
            Effect.ensuring(Effect.die("cleanup failed"))
          ),
          { name: "worker" }
        )
        yield* Deferred.await(started)
        yield* Thread.interrupt(t)
      }))
      expect(hooked).toEqual([{ thread: "worker", error: "cleanup failed" }])
    }))
})

describe("atExit once the hooks have begun", () => {
  it.effect("fails with ThreadError from a hook or a finalizer at step (c), and the hook never runs", () =>
    Effect.gen(function*() {
      const { record, labels } = makeEvents()
      const { exit } = yield* runVirtual(Threading.main(Effect.gen(function*() {
        yield* Threading.atExit(Threading.atExit(record("late hook ran")).pipe(refused(record, "from a hook")))
        yield* Thread.daemon(
          Effect.never.pipe(
            Effect.onInterrupt(() => Threading.atExit(record("late hook ran")).pipe(refused(record, "at step (c)")))
          )
        )
      })))
      expect(exit).toEqual(Exit.void)
      expect(labels()).toEqual([
        "from a hook refused: can't register atexit after shutdown",
        "at step (c) refused: can't register atexit after shutdown"
      ])
    }))

  it.effect("still works from a non-daemon thread while step (a) waits for it", () =>
    Effect.gen(function*() {
      const { record, labels } = makeEvents()
      yield* runVirtual(Threading.main(
        Thread.spawn(Effect.sleep("1 second").pipe(Effect.zipRight(Threading.atExit(record("hook from step (a)")))))
      ))
      expect(labels()).toEqual(["hook from step (a)"])
    }))
})

describe("user callbacks that throw are reported like failing effects", () => {
  it.effect("an excepthook that throws: both printed, and await gives the thread's own exit", () =>
    Effect.gen(function*() {
      const { console, err } = makeTestConsole()
      const { exit } = yield* runVirtual(
        Threading.main(
          Effect.flatMap(Thread.spawn(Effect.fail("thread error"), { name: "worker" }), (t) => Thread.await(t)),
          {
            excepthook: () => {
              throw new Error("hook bug")
            }
          }
        ).pipe(Effect.withConsole(console))
      )
      expect(exit).toEqual(Exit.succeed(Exit.fail("thread error")))
      expect(err).toHaveLength(1)
      expect(err[0]).toMatch(
        /^Exception in threading.excepthook:\nError: hook bug.*\nException in thread worker:\n.*thread error/s
      )
    }))

  it.effect("an excepthook that returns no Effect is reported the same way", () =>
    Effect.gen(function*() {
      const { console, err } = makeTestConsole()
      yield* runVirtual(
        Threading.main(
          Effect.flatMap(Thread.spawn(Effect.fail("thread error"), { name: "worker" }), (t) => Thread.join(t)),
          { excepthook: (() => undefined) as any }
        ).pipe(Effect.withConsole(console))
      )
      expect(err).toHaveLength(1)
      expect(err[0]).toMatch(/^Exception in threading.excepthook:\n.*not an Effect.*Exception in thread worker:\n/s)
    }))

  it.effect("Thread.periodic goes on after a failing run whose excepthook throws", () =>
    Effect.gen(function*() {
      const { console, err } = makeTestConsole()
      let run = 0
      const job = Effect.suspend(() => ++run === 1 ? Effect.fail("first run failed") : Effect.void)
      yield* runVirtual(
        Threading.main(
          Effect.gen(function*() {
            yield* Thread.periodic(job, Schedule.spaced("1 second"), { name: "janitor" })
            yield* Effect.sleep("2500 millis")
          }),
          {
            excepthook: () => {
              throw new Error("hook bug")
            }
          }
        ).pipe(Effect.withConsole(console))
      )
      expect(run).toBe(3)
      expect(err).toHaveLength(1)
      expect(err[0]).toMatch(/hook bug.*Exception in thread janitor:\n.*first run failed/s)
    }))

  it.effect("options whose getters throw: a ThreadError naming the option", () =>
    Effect.gen(function*() {
      const message =
        /^invalid option (name|daemon|timeout|immediate|stopOnError|interval): reading it threw Error: getter bug$/
      const errors = yield* Threading.main(Effect.gen(function*() {
        const t = yield* Thread.spawn(Effect.void)
        const flip = <A>(effect: () => Effect.Effect<A, Thread.ThreadError, Threading.Threading>) =>
          Effect.map(Effect.flip(Effect.suspend(effect)), (e) => e.message)
        return [
          yield* flip(() => Thread.spawn(Effect.void, throwingOption("name"))),
          yield* flip(() => Thread.daemon(Effect.void, throwingOption("name"))),
          yield* flip(() => Thread.nonDaemon(Effect.void, throwingOption("name"))),
          yield* flip(() => Thread.periodic(Effect.void, Schedule.forever, throwingOption("immediate"))),
          yield* flip(() => Thread.timer("1 second", Effect.void, throwingOption("daemon"))),
          yield* flip(() => Thread.makeTimer("1 second", Effect.void, throwingOption("name"))),
          yield* flip(() => Thread.join(t, throwingOption("timeout")))
        ]
      }))
      expect(errors).toHaveLength(7)
      for (const error of errors) expect(error).toMatch(message)
    }))

  it.effect("Thread.make dies with that ThreadError (its error channel is never)", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(
        Threading.main(Effect.suspend(() => Thread.make(Effect.void, throwingOption("name"))))
      )
      expect(exit).toEqual(
        Exit.die(new Thread.ThreadError({ message: "invalid option name: reading it threw Error: getter bug" }))
      )
    }))

  it.effect("main and layer die with that ThreadError, without running the program", () =>
    Effect.gen(function*() {
      let ran = false
      const program = Effect.sync(() => ran = true)
      const expected = Exit.die(
        new Thread.ThreadError({ message: "invalid option daemonGrace: reading it threw Error: getter bug" })
      )
      expect(yield* Effect.exit(Effect.suspend(() => Threading.main(program, throwingOption("daemonGrace")))))
        .toEqual(expected)
      expect(
        yield* Effect.exit(
          Effect.suspend(() => Effect.provide(program, Threading.layer(throwingOption("daemonGrace"))))
        )
      )
        .toEqual(expected)
      expect(ran).toBe(false)
    }))

  it.effect("atExit with something that is not an Effect fails with a ThreadError", () =>
    Effect.gen(function*() {
      const error = yield* Threading.main(Effect.flip(Threading.atExit((() => {}) as unknown as Effect.Effect<void>)))
      expect(error).toEqual(new Thread.ThreadError({ message: "atExit expects an Effect (got a function)" }))
    }))
})

describe("a non-daemon thread cannot start once the atExit hooks have begun (CPython 3.12)", () => {
  it.effect("refused from a hook and from a daemon; a daemon may still start, and is stopped at step (c)", () =>
    Effect.gen(function*() {
      const { record, labels } = makeEvents()
      const { exit } = yield* runVirtual(Threading.main(Effect.gen(function*() {
        const hooksBegan = yield* Deferred.make<void>()
        yield* Thread.daemon(
          Deferred.await(hooksBegan).pipe(
            Effect.zipRight(Thread.nonDaemon(record("non-daemon from a daemon ran"))),
            refused(record, "nonDaemon from a daemon"),
            Effect.zipRight(Effect.never)
          )
        )
        yield* Threading.atExit(Effect.gen(function*() {
          yield* Thread.spawn(record("spawned non-daemon ran")).pipe(refused(record, "spawn"))
          yield* Thread.timer("1 second", record("timer fired")).pipe(refused(record, "timer"))
          yield* Thread.daemon(
            Effect.never.pipe(Effect.onInterrupt(() => record("daemon from a hook stopped")))
          )
          yield* Deferred.succeed(hooksBegan, undefined)
          yield* Effect.sleep("2 seconds")
        }))
      })))
      expect(exit).toEqual(Exit.void)
      expect(labels()).toEqual([
        "spawn refused: can't create new thread at interpreter shutdown",
        "timer refused: can't create new thread at interpreter shutdown",
        "nonDaemon from a daemon refused: can't create new thread at interpreter shutdown",
        "daemon from a hook stopped"
      ])
    }))
})

describe("warnings name at most 20 threads", () => {
  it("then `and N more`, N with thousands separators", () => {
    const names = (n: number) => Array.from({ length: n }, (_, i) => `T${i + 1}`)
    expect(nameList(names(3))).toBe("T1, T2, T3")
    expect(nameList(names(20))).toBe(names(20).join(", "))
    expect(nameList(names(21))).toBe(`${names(20).join(", ")} and 1 more`)
    expect(nameList(names(1_000_000))).toBe(`${names(20).join(", ")} and 999,980 more`)
  })

  it.effect("in the shutdownTimeout and daemonGrace warnings", () =>
    Effect.gen(function*() {
      const { console, err } = makeTestConsole()
      const first20 = (prefix: string) => Array.from({ length: 20 }, (_, i) => `${prefix}${i + 1}`).join(", ")
      yield* runVirtual(
        Threading.main(
          Effect.gen(function*() {
            for (let i = 1; i <= 25; i++) {
              yield* Thread.nonDaemon(Effect.never, { name: `n${i}` })
              yield* Thread.daemon(Thread.critical(Effect.never), { name: `d${i}` })
            }
          }),
          { shutdownTimeout: "1 second", daemonGrace: "1 second" }
        ).pipe(Effect.withConsole(console)),
        "1 minute"
      )
      expect(err).toEqual([
        `Warning: shutdownTimeout (1s) elapsed; interrupting non-daemon threads still running: ${
          first20("n")
        } and 5 more`,
        `Warning: daemonGrace (1s) elapsed; threads still running at exit: ${first20("d")} and 5 more`
      ])
    }))
})
