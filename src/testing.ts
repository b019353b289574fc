/**
 * Test helpers for thread code, imported from `effect-threading/testing` as
 * Effect's own `TestClock` is imported from `effect/testing`.
 *
 * @since 1.0.0
 * @module
 */

/**
 * Runs thread programs on Effect 4's `TestClock` without rituals: `run` a
 * program to a horizon and get what it printed and reported, or `fork` it
 * and move the clock with `adjust`.
 *
 * @example
 * ```ts
 * import { expect, it } from "@effect/vitest"
 * import { Effect } from "effect"
 * import { Thread } from "effect-threading"
 * import { TestThreading } from "effect-threading/testing"
 *
 * it.effect("main returns when the last non-daemon thread ends", () =>
 *   Effect.gen(function*() {
 *     const report = yield* TestThreading.run(Effect.gen(function*() {
 *       yield* Thread.spawn(Effect.never, { daemon: true })
 *       yield* Thread.spawn(Effect.sleep("3 seconds"))
 *     }))
 *     expect(report.endedAt).toBe(3000)
 *   }))
 * ```
 *
 * @since 1.0.0
 */
export * as TestThreading from "./TestThreading.js"
