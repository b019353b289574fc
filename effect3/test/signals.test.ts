/**
 * The signal policy (src/internal/signals.ts) and the phase rules it uses
 * (src/internal/lifecycle.ts), as pure functions: no process, no signal sent.
 * The process tests (test/process/signals.test.ts) check that the Node
 * adapter carries the decisions out.
 */
import { describe, expect, it } from "vitest"
import * as lifecycle from "../src/internal/lifecycle.js"
import * as signals from "../src/internal/signals.js"

const running = (
  phase: lifecycle.Phase,
  mainRunning: boolean,
  drain: { readonly drainMillis: number; readonly draining: boolean } = { drainMillis: 0, draining: false }
): signals.Entry => ({ _tag: "Running", phase, mainRunning, daemonGraceMillis: 5000, ...drain })

/** The decision for the signals `sent`, one after the other, the entry as given for the last one. */
const after = (sent: ReadonlyArray<signals.Signal>, entry: signals.Entry): signals.Decision => {
  let received = signals.none
  for (const signal of sent) received = signals.count(received, signal)
  return signals.decide(received, entry)
}

const tags = (decision: signals.Decision) => decision.actions.map((action) => action._tag)

describe("the signal policy", () => {
  it("while the runtime loads, a signal exits at once with its code", () => {
    expect(after(["SIGTERM"], { _tag: "Loading" })).toEqual({ code: 143, actions: [{ _tag: "Exit" }] })
    expect(after(["SIGINT"], { _tag: "Loading" })).toEqual({ code: 130, actions: [{ _tag: "Exit" }] })
  })

  it("before the main program starts, a first signal does nothing but be counted: the program starts interrupted", () => {
    expect(after(["SIGTERM"], { _tag: "Starting" })).toEqual({ code: 143, actions: [] })
    expect(signals.startsInterrupted(signals.count(signals.none, "SIGTERM"))).toBe(true)
    expect(signals.startsInterrupted(signals.none)).toBe(false)
  })

  it("the first signal interrupts a running main program, and arms no deadline", () => {
    expect(after(["SIGTERM"], running("Running", true))).toEqual({ code: 143, actions: [{ _tag: "InterruptMain" }] })
  })

  it("a first signal once the main program has ended cuts the wait: it arms the deadline, daemonGrace + 1 s", () => {
    for (const phase of ["Joining", "AtExit", "Stopping"] as const) {
      expect(after(["SIGINT"], running(phase, false))).toEqual({
        code: 130,
        actions: [{ _tag: "ArmDeadline", millis: 6000 }]
      })
    }
  })

  it("the second signal arms the deadline even while the instance still runs (the main program's finalizers)", () => {
    expect(tags(after(["SIGINT", "SIGINT"], running("Running", true)))).toEqual(["ArmDeadline"])
    expect(tags(after(["SIGINT", "SIGINT"], running("Running", false)))).toEqual(["ArmDeadline"])
    expect(tags(after(["SIGINT", "SIGINT"], running("Joining", false)))).toEqual(["ArmDeadline"])
  })

  it("with a drainDelay, the first signal starts the drain instead of interrupting the main program", () => {
    expect(after(["SIGTERM"], running("Running", true, { drainMillis: 2000, draining: false }))).toEqual({
      code: 143,
      actions: [{ _tag: "StartDrain", millis: 2000 }]
    })
    // the main program has ended by itself: nothing to drain, the wait is cut as without a drain
    expect(tags(after(["SIGTERM"], running("Joining", false, { drainMillis: 2000, draining: false })))).toEqual([
      "ArmDeadline"
    ])
  })

  it("a second signal during the drain ends it (the main program is interrupted) and cuts the wait", () => {
    const draining = running("Running", true, { drainMillis: 2000, draining: true })
    expect(tags(after(["SIGTERM", "SIGTERM"], draining))).toEqual(["InterruptMain", "ArmDeadline"])
    // once the drain has ended, the main program was interrupted already
    const drained = running("Running", true, { drainMillis: 2000, draining: false })
    expect(tags(after(["SIGTERM", "SIGTERM"], drained))).toEqual(["ArmDeadline"])
  })

  it("the third signal exits at once, whatever runs", () => {
    for (const entry of [running("Running", true), running("Stopping", false), { _tag: "Starting" } as const]) {
      expect(tags(after(["SIGTERM", "SIGTERM", "SIGTERM"], entry))).toEqual(["Exit"])
    }
  })

  it("the first signal picks the exit code", () => {
    expect(after(["SIGINT", "SIGTERM"], running("Joining", false)).code).toBe(130)
    expect(after(["SIGTERM", "SIGINT", "SIGINT"], running("Joining", false)).code).toBe(143)
    expect(signals.count(signals.count(signals.none, "SIGTERM"), "SIGINT")).toEqual({ count: 2, first: "SIGTERM" })
  })

  it("the teardown's exit code: the first signal's, else 0 or 1", () => {
    const sigterm = signals.count(signals.none, "SIGTERM")
    expect(signals.exitCode(signals.none, true)).toBe(0)
    expect(signals.exitCode(signals.none, false)).toBe(1)
    expect(signals.exitCode(sigterm, true)).toBe(143)
    expect(signals.exitCode(sigterm, false)).toBe(143)
  })

  it("the teardown prints a failure, but not the interruption a signal asked for", () => {
    const sigint = signals.count(signals.none, "SIGINT")
    expect(signals.printsFailure(signals.none, true)).toBe(true)
    expect(signals.printsFailure(signals.none, false)).toBe(true)
    expect(signals.printsFailure(sigint, false)).toBe(true)
    expect(signals.printsFailure(sigint, true)).toBe(false)
  })
})

describe("the phase rules", () => {
  const phases: ReadonlyArray<lifecycle.Phase> = ["Running", "Joining", "AtExit", "Stopping", "Done"]
  const table = <A>(f: (phase: lifecycle.Phase) => A) => Object.fromEntries(phases.map((p) => [p, f(p)]))

  it("which threads may start", () => {
    expect(table((p) => lifecycle.canStart(p, false))).toEqual({
      Running: true,
      Joining: true,
      AtExit: false,
      Stopping: false,
      Done: false
    })
    expect(table((p) => lifecycle.canStart(p, true))).toEqual({
      Running: true,
      Joining: true,
      AtExit: true,
      Stopping: false,
      Done: false
    })
  })

  it("when an atExit hook may be registered, and when the instance is stopping", () => {
    expect(table(lifecycle.canRegisterAtExit)).toEqual({
      Running: true,
      Joining: true,
      AtExit: false,
      Stopping: false,
      Done: false
    })
    expect(table(lifecycle.isStopping)).toEqual({
      Running: false,
      Joining: false,
      AtExit: false,
      Stopping: true,
      Done: true
    })
  })

  it("which signal cuts the wait for the non-daemon threads", () => {
    expect(table((p) => lifecycle.signalCutsJoin(1, p))).toEqual({
      Running: false,
      Joining: true,
      AtExit: true,
      Stopping: true,
      Done: true
    })
    expect(phases.every((p) => lifecycle.signalCutsJoin(2, p) && lifecycle.signalCutsJoin(3, p))).toBe(true)
  })
})
