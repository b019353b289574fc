import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
import { Thread } from "effect-threading"
import { makeEvents } from "../utils.js"
import { runRecorded } from "./helpers.js"

describe("Thread.daemon", () => {
  it.effect("starts a daemon that never holds the program open and is interrupted at its end", () =>
    Effect.gen(function*() {
      const { record, events } = makeEvents()
      const { exit, endedAt } = yield* runRecorded(Effect.gen(function*() {
        const t = yield* Thread.daemon(
          Effect.never.pipe(Effect.onInterrupt(() => record("daemon stopped"))),
          { name: "bg" }
        )
        yield* Effect.sleep("2 seconds")
        return [t.name, t.daemon, yield* Thread.isAlive(t)] as const
      }))
      expect(exit).toEqual(Exit.succeed(["bg", true, true]))
      expect(endedAt).toBe(2000)
      expect(events).toEqual([[2000, "daemon stopped"]])
    }))
})

describe("Thread.nonDaemon", () => {
  it.effect("starts a non-daemon even from a daemon thread; the program waits for it", () =>
    Effect.gen(function*() {
      const { record, events } = makeEvents()
      const { exit, endedAt } = yield* runRecorded(Effect.gen(function*() {
        const d = yield* Thread.daemon(
          Thread.nonDaemon(Effect.sleep("3 seconds").pipe(Effect.andThen(record("work saved"))))
        )
        const inner = yield* Thread.await(d)
        return Exit.isSuccess(inner) ? inner.value.daemon : undefined
      }))
      expect(exit).toEqual(Exit.succeed(false))
      expect(endedAt).toBe(3000)
      expect(events).toEqual([[3000, "work saved"]])
    }))

  it.effect("threads made inside it inherit its flag, even when a daemon started it", () =>
    Effect.gen(function*() {
      const { exit } = yield* runRecorded(Effect.gen(function*() {
        const d = yield* Thread.daemon(
          Effect.flatMap(Thread.nonDaemon(Thread.make(Effect.void), { name: "worker" }), Thread.await)
        )
        const viaDaemon = yield* Thread.await(d)
        const made = Exit.isSuccess(viaDaemon) && Exit.isSuccess(viaDaemon.value) ? viaDaemon.value.value : undefined
        return [made?.name, made?.daemon] as const
      }))
      expect(exit).toEqual(Exit.succeed(["Thread-2", false]))
    }))
})
