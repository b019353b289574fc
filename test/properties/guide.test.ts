/**
 * The upstream TestClock behaviours (effect 4.1) that docs/testing.md's
 * "Effect 4 and TestClock" section describes and `effect-threading/testing`
 * (TestThreading) works around, pinned so that a change in Effect shows up
 * here first. The guide's examples themselves are ```ts runnable blocks, run
 * as tests by test/package/docs-snippets.test.ts.
 */
import { expect, it } from "@effect/vitest"
import { Clock, Effect, Fiber } from "effect"
import { Thread, Threading } from "effect-threading"
import { TestClock } from "effect/testing"

const settle = Effect.replicateEffect(Effect.yieldNow, 100, { discard: true })

// -----------------------------------------------------------------------------
// Upstream behaviours (effect 4.1) that the guide works around
// -----------------------------------------------------------------------------

it.effect("upstream: before its first wake-up, adjust does not wait for a program that was just forked", () =>
  Effect.gen(function*() {
    const fiber = yield* Effect.forkChild(
      Threading.main(Thread.spawn(Effect.sleep("3 seconds"))).pipe(Effect.andThen(Clock.currentTimeMillis))
    )
    // No settling: the thread reaches its sleep after the clock has moved, so it wakes 3 s after that.
    yield* TestClock.adjust("3 seconds")
    expect(fiber.pollUnsafe()).toBeUndefined()
    yield* TestClock.adjust("3 seconds")
    expect(yield* Fiber.join(fiber)).toBe(6000)
  }))

it.effect("upstream: a wake-up waits for the fibers it resumes and the threads they start", () =>
  Effect.gen(function*() {
    const chain = (depth: number): Effect.Effect<void, never, Threading.Threading> =>
      depth === 0 ? Effect.sleep("1 second") : Effect.sleep("1 second").pipe(
        Effect.andThen(Thread.spawn(chain(depth - 1))),
        Effect.orDie,
        Effect.asVoid
      )
    const fiber = yield* Effect.forkChild(Threading.main(chain(4)).pipe(Effect.andThen(Clock.currentTimeMillis)))
    yield* settle // only the first instant needs it: each later sleep is registered during a wake-up
    yield* TestClock.adjust("5 seconds")
    expect(yield* Fiber.join(fiber)).toBe(5000)
  }))

it.effect("upstream: on a fresh TestClock, a first sleep in an interrupted fiber's finalizer ends the finalizer", () =>
  Effect.gen(function*() {
    const log: Array<string> = []
    const note = (what: string) =>
      Effect.flatMap(Clock.currentTimeMillis, (ms) => Effect.sync(() => log.push(`${ms / 1000}s ${what}`)))
    const flush = note("flush begins").pipe(
      Effect.andThen(Effect.sleep("1 second")),
      Effect.andThen(note("flush ends"))
    )
    const fiber = yield* Effect.forkChild(Threading.main(Effect.gen(function*() {
      const t = yield* Thread.spawn(Effect.never.pipe(Effect.ensuring(flush)))
      yield* Effect.yieldNow
      yield* Thread.interrupt(t)
      yield* note("interrupt returned")
    })))
    yield* settle
    yield* TestClock.adjust("5 seconds")
    yield* Fiber.join(fiber)
    // Without `TestClock.adjust(0)` first: the clock's "not advancing" warning is forked, on the first sleep,
    // in an interruptible region, where the pending interruption ends the finalizer.
    expect(log).toEqual(["0s flush begins", "0s interrupt returned"])
  }))
