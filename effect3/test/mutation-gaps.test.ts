/**
 * Issue 18, tests first: behaviour that a mutation trial of the core found
 * checked by no test, or by one test only, pinned before the core is split
 * into modules. Through the public API only (`Thread`, `Threading`), on
 * TestClock, so that the tests survive the restructuring unchanged.
 *
 * - `Thread.cancel` of a timer that has already ended does nothing.
 * - A failing `atExit` hook does not stop the others.
 *
 * (The second signal and the post-signal deadline: test/process/second-signal.test.ts.)
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Option } from "effect"
import { Thread, Threading } from "effect-threading"
import { runRecorded } from "./toolkit/helpers.js"
import { makeEvents, makeTestConsole, runVirtual } from "./utils.js"

const successOf = <A, E>(exit: Exit.Exit<A, E> | undefined): A => {
  if (exit === undefined || Exit.isFailure(exit)) throw new Error(`expected a success, got ${exit}`)
  return exit.value
}

describe("Thread.cancel of a timer that has already ended does nothing", () => {
  it.effect("after it fired and its effect ended: no error, the result, the others and the program unchanged", () =>
    Effect.gen(function*() {
      const { record, events } = makeEvents()
      const { endedAt, err, exit, hooked } = yield* runRecorded(Effect.gen(function*() {
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
      expect(err).toEqual([])
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
      const { endedAt, exit } = yield* runRecorded(Effect.gen(function*() {
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

describe("a failing atExit hook does not stop the others", () => {
  it.effect("every hook runs once, last registered first; each failure is reported; step (c) follows", () =>
    Effect.gen(function*() {
      const { labels, record } = makeEvents()
      const { console, err } = makeTestConsole()
      const { exit } = yield* runVirtual(
        Threading.main(Effect.gen(function*() {
          yield* Thread.spawn(Effect.never.pipe(Effect.onInterrupt(() => record("daemon stopped"))), {
            daemon: true
          })
          yield* Threading.atExit(record("hook 1"))
          yield* Threading.atExit(record("hook 2").pipe(Effect.zipRight(Effect.fail("hook 2 failed"))))
          yield* Threading.atExit(record("hook 3"))
          yield* Threading.atExit(Effect.sync(() => {
            throw new Error("hook 4 threw")
          }))
          yield* Threading.atExit(record("hook 5"))
          return "main result"
        })).pipe(Effect.withConsole(console))
      )
      expect(exit).toEqual(Exit.succeed("main result"))
      expect(labels()).toEqual(["hook 5", "hook 3", "hook 2", "hook 1", "daemon stopped"])
      expect(err).toHaveLength(2)
      expect(err[0]).toMatch(/^Exception ignored in atExit hook:\n.*hook 4 threw/s)
      expect(err[1]).toMatch(/^Exception ignored in atExit hook:\n.*hook 2 failed/s)
    }))
})
