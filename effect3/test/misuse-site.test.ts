/**
 * A misuse error names the caller's line (issue 20): `Cause.pretty` of the
 * `ThreadError` from `join` before `start`, `join` of the current thread, a
 * second `start`, `setDaemon` of a started thread, `await` before `start`
 * shows the file and line of the call in the user's code, as Python's
 * traceback does — not only the library's frames.
 */
import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect } from "effect"
import { Thread, Threading } from "effect-threading"

/** The line of the code that calls this (the line the test writes the misuse on). */
const thisLine = (): number => {
  const frame = new Error().stack!.split("\n")[2]!
  return Number(/misuse-site\.test\.ts:(\d+):\d+/.exec(frame)![1])
}

/** `Cause.pretty` of a failure, as a report prints it. */
const pretty = (error: unknown) => Cause.pretty(Cause.fail(error))

const at = (line: number) => new RegExp(`at .*test/misuse-site\\.test\\.ts:${line}:\\d+`)

describe("a misuse error names the caller's line", () => {
  it.effect("join before start", () =>
    Effect.gen(function*() {
      const t = yield* Thread.make(Effect.void)
      const [error, line] = [yield* Effect.flip(Thread.join(t)), thisLine()]
      expect(error.message).toBe("cannot join thread before it is started")
      expect(pretty(error)).toMatch(at(line))
    }).pipe(Threading.main))

  it.effect("await before start", () =>
    Effect.gen(function*() {
      const t = yield* Thread.make(Effect.void)
      const [error, line] = [yield* Effect.flip(Thread.await(t)), thisLine()]
      expect(pretty(error)).toMatch(at(line))
    }).pipe(Threading.main))

  it.effect("join of the current thread, from the thread itself", () =>
    Effect.gen(function*() {
      const t = yield* Thread.spawn(Effect.gen(function*() {
        const self = yield* Thread.current
        const [error, line] = [yield* Effect.flip(Thread.join(self)), thisLine()]
        return { error, line }
      }))
      const exit = yield* Thread.await(t)
      if (exit._tag !== "Success") throw new Error("expected the thread to succeed")
      expect(exit.value.error.message).toBe("cannot join current thread")
      expect(pretty(exit.value.error)).toMatch(at(exit.value.line))
    }).pipe(Threading.main))

  it.effect("a second start", () =>
    Effect.gen(function*() {
      const t = yield* Thread.spawn(Effect.void)
      const [error, line] = [yield* Effect.flip(Thread.start(t)), thisLine()]
      expect(error.message).toBe("threads can only be started once")
      expect(pretty(error)).toMatch(at(line))
    }).pipe(Threading.main))

  it.effect("setDaemon of a started thread, data-first and in a pipe", () =>
    Effect.gen(function*() {
      const t = yield* Thread.spawn(Effect.void)
      const [first, firstLine] = [yield* Effect.flip(Thread.setDaemon(t, true)), thisLine()]
      const [piped, pipedLine] = [yield* Effect.flip(t.pipe(Thread.setDaemon(true))), thisLine()]
      expect(first.message).toBe("cannot set daemon status of active thread")
      expect(pretty(first)).toMatch(at(firstLine))
      expect(pretty(piped)).toMatch(at(pipedLine))
    }).pipe(Threading.main))

  it.effect("a correct call fails nothing and takes no stack: the error path only", () =>
    Effect.gen(function*() {
      const t = yield* Thread.spawn(Effect.succeed(1))
      yield* Thread.join(t)
      expect(yield* Thread.await(t)).toMatchObject({ _tag: "Success", value: 1 })
    }).pipe(Threading.main))
})
