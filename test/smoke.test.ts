import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Schedule } from "effect"
import { Thread, Threading } from "effect-threading"
import { makeEvents, makeTestConsole, runVirtual } from "./utils.js"

describe("smoke", () => {
  it.effect("seed example 2 under TestClock", () =>
    Effect.gen(function*() {
      const { record, labels } = makeEvents()
      const { console, err } = makeTestConsole()
      const program = Effect.gen(function*() {
        const d = yield* Thread.make(record("daemon").pipe(Effect.repeat(Schedule.spaced("1 second")), Effect.onInterrupt(() => record("daemon stopped"))), { daemon: true })
        const n = yield* Thread.make(record("non-daemon").pipe(Effect.zipRight(Effect.sleep("1 second")), Effect.repeatN(4)))
        yield* Thread.start(d)
        yield* Thread.start(n)
        yield* Thread.join(n)
        yield* record("main exits")
        return 42
      })
      const { exit, endedAt } = yield* runVirtual(Threading.main(program).pipe(Effect.withConsole(console)))
      expect(exit).toEqual(Exit.succeed(42))
      expect(endedAt).toBe(5000)
      expect(labels().at(-1)).toBe("daemon stopped")
      expect(err).toEqual([])
    }))
})
