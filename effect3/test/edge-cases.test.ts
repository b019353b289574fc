/**
 * Edge cases of the lifecycle (issue 11): empty names, `enumerate` during
 * shutdown, failures while being interrupted, `atExit` and non-daemon threads
 * once the hooks have begun, user callbacks that throw, and bounded warnings.
 * Each follows CPython or a choice listed in the README's "Differences from
 * Python".
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Schedule } from "effect"
import { Thread, Threading } from "effect-threading"
import { runVirtual } from "./utils.js"

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
