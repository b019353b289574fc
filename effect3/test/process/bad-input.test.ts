/**
 * Issue 4, case 9: invalid option values fail at once, with an error naming
 * the option, when `main` or `layer` is built — never a hang. On TestClock
 * (no time passes at all), then once as a real process through `runMain`.
 */
import { afterEach, describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Exit, Option, Ref } from "effect"
import { Thread, Threading } from "effect-threading"
import * as fc from "effect/FastCheck"
import { runVirtual } from "../utils.js"
import { endOf, killAll, startTs } from "./harness.js"

afterEach(killAll)

/** Negative numbers (of milliseconds, including -Infinity) and NaN. */
const badNumber = fc.oneof(fc.double({ max: -Number.MIN_VALUE }), fc.constant(Number.NaN))
const optionName = fc.constantFrom("shutdownTimeout" as const, "daemonGrace" as const, "mainGrace" as const)

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

/** The defect of a `ThreadError` death, or `undefined` for any other exit. */
const threadErrorOf = (exit: Exit.Exit<unknown, unknown> | undefined) => {
  if (exit === undefined || Exit.isSuccess(exit)) return undefined
  const defect = Option.getOrUndefined(Cause.dieOption(exit.cause))
  return defect instanceof Thread.ThreadError ? defect : undefined
}

describe("invalid options", () => {
  it.effect.prop("Threading.main dies with a ThreadError naming the option, without running the program", {
    name: optionName,
    value: badNumber
  }, ({ name, value }) =>
    Effect.gen(function*() {
      const ran = yield* Ref.make(false)
      // Horizon 0: the exit must be there without any time passing.
      const { exit } = yield* runVirtual(Threading.main(Ref.set(ran, true), { [name]: value }), 0)
      const error = threadErrorOf(exit)
      expect(error?.message).toMatch(new RegExp(`^invalid option ${name}: expected a non-negative duration`))
      expect(yield* Ref.get(ran)).toBe(false)
    }))

  it.effect.prop("Threading.layer dies with a ThreadError naming the option when built", {
    name: optionName,
    value: badNumber
  }, ({ name, value }) =>
    Effect.gen(function*() {
      const ran = yield* Ref.make(false)
      const program = Ref.set(ran, true).pipe(Effect.provide(Threading.layer({ [name]: value })))
      const { exit } = yield* runVirtual(program, 0)
      const error = threadErrorOf(exit)
      expect(error?.message).toMatch(new RegExp(`^invalid option ${name}: expected a non-negative duration`))
      expect(yield* Ref.get(ran)).toBe(false)
    }))

  it.effect.each(
    [
      ["negative duration string", { daemonGrace: "-5 seconds" }, "daemonGrace"],
      ["NaN duration string", { shutdownTimeout: "NaN seconds" }, "shutdownTimeout"],
      ["unknown unit", { shutdownTimeout: "5 fortnights" }, "shutdownTimeout: expected a Duration"],
      ["infinite daemonGrace", { daemonGrace: Number.POSITIVE_INFINITY }, "daemonGrace: expected a finite duration"],
      ["negative bigint", { daemonGrace: BigInt(-1) }, "daemonGrace"],
      ["excepthook that is not a function", { excepthook: "print" }, "excepthook"]
    ] as const
  )("%s: dies at once with a ThreadError naming the option", ([, options, message]) =>
    Effect.gen(function*() {
      const { exit } = yield* runVirtual(Threading.main(Effect.void, options as Threading.Options), 0)
      expect(threadErrorOf(exit)?.message).toMatch(new RegExp(`^invalid option ${escape(message)}`))
    }))

  it.effect("valid edge values are accepted: zero, and an infinite shutdownTimeout", () =>
    Effect.gen(function*() {
      const { exit } = yield* runVirtual(
        Threading.main(Effect.succeed("ran"), { daemonGrace: 0, shutdownTimeout: Number.POSITIVE_INFINITY }),
        0
      )
      expect(exit).toEqual(Exit.succeed("ran"))
    }))
})

describe("runMain with an invalid option (real process)", () => {
  it.each(
    [
      ["daemonGrace: -1", "negative", "daemonGrace"],
      ["shutdownTimeout: NaN", "nan", "shutdownTimeout"]
    ] as const
  )("%s: exit 1 with the error on stderr; the program does not run", {
    timeout: 30_000
  }, async (_, mode, name) => {
    const p = startTs("test/fixtures/bad-option.ts", mode)
    const ended = await endOf(p)
    expect(ended.code).toBe(1)
    expect(p.out()).toEqual([])
    expect(p.err()).toMatch(new RegExp(`^ThreadError: invalid option ${name}: expected a non-negative duration`, "m"))
  })
})

describe("bad input from plain JavaScript (real process, issue 18)", () => {
  it.each(
    [
      [
        "Thread.spawn(() => 1)",
        "target",
        "ThreadError: Thread.spawn expects an Effect as its target argument (got a function); pass the Effect itself"
      ],
      [
        "Thread.spawn(() => 1, { daemon: true })",
        "daemon-target",
        "ThreadError: Thread.spawn expects an Effect as its target argument (got a function); pass the Effect itself"
      ],
      [
        "runMain(program, { shutdownTimeOut })",
        "unknown-key",
        "ThreadError: invalid option shutdownTimeOut: not an option of Threading.runMain " +
        "(did you mean shutdownTimeout?)"
      ],
      [
        "runMain(program, { daemonGrace: \"30 days\" })",
        "too-long",
        "ThreadError: invalid option daemonGrace: expected at most 2147483647 milliseconds"
      ]
    ] as const
  )("%s: exit 1 at once with the error on stderr; nothing runs, nothing spins", {
    timeout: 30_000
  }, async (_, mode, message) => {
    const p = startTs("test/fixtures/bad-input.ts", mode)
    // Bounded: before issue 18, `target` spun at 100% CPU forever in step (a).
    const ended = await endOf(p, 15_000)
    expect(p.err()).toMatch(new RegExp(`^${escape(message)}`, "m"))
    expect(ended.code).toBe(1)
    expect(p.out()).toEqual([])
  })

  it("daemonGrace just under a timer's limit: the exit deadline after a signal (grace + 1 s) does not fire at once", {
    timeout: 30_000
  }, async () => {
    const p = startTs("test/fixtures/bad-input.ts", "long-grace")
    await p.waitFor("ready")
    p.kill("SIGTERM")
    const ended = await endOf(p)
    expect(p.out()).toEqual(["ready", "finalizer done"])
    expect(ended.code).toBe(143)
    expect(p.err()).not.toMatch(/TimeoutOverflowWarning|Exiting: still running/)
  })
})
