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
import { runRecorded } from "./toolkit/helpers.js"
import { makeEvents, runVirtual } from "./utils.js"

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
