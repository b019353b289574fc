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

/** The decision for the events `sent`, one after the other, the entry as given for the last one. */
const after = (sent: ReadonlyArray<signals.Event>, entry: signals.Entry): signals.Decision => {
  let received = signals.none
  for (const event of sent) received = signals.count(received, event)
  return signals.decide(received, entry, sent[sent.length - 1]!)
}

/** The events received after `sent`. */
const receivedAfter = (sent: ReadonlyArray<signals.Event>): signals.Received => sent.reduce(signals.count, signals.none)

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
    // Done: the entry's instance has ended, `launch`'s layer (maybe holding instances of its own) is released
    for (const phase of ["Joining", "AtExit", "Done"] as const) {
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

  it("during step (c), a signal exits at once (the exit is bounded already; it asks to end now)", () => {
    expect(after(["SIGINT"], running("Stopping", false))).toEqual({ code: 130, actions: [{ _tag: "Exit" }] })
    expect(after(["SIGTERM", "SIGINT"], running("Stopping", false))).toEqual({ code: 143, actions: [{ _tag: "Exit" }] })
  })

  it("SIGHUP is a stop signal like the others, exit code 129", () => {
    expect(after(["SIGHUP"], running("Running", true))).toEqual({ code: 129, actions: [{ _tag: "InterruptMain" }] })
    expect(tags(after(["SIGHUP", "SIGTERM"], running("Running", true)))).toEqual(["ArmDeadline"])
    expect(signals.handledSignals).toEqual(["SIGINT", "SIGTERM", "SIGHUP"])
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

  it("the deadline's watchdog fires a margin after it; the signals are given back once the next one would exit", () => {
    expect(signals.watchdogMarginMillis).toBe(1000)
    expect(signals.releasesSignals(signals.none, "Running")).toBe(false)
    expect(signals.releasesSignals(receivedAfter(["SIGTERM"]), "Running")).toBe(false)
    expect(signals.releasesSignals(receivedAfter(["SIGTERM"]), "Joining")).toBe(false)
    expect(signals.releasesSignals(receivedAfter(["SIGTERM", "SIGTERM"]), "Running")).toBe(true)
    expect(signals.releasesSignals(receivedAfter(["uncaughtException", "SIGINT"]), "Joining")).toBe(true)
    // during step (c) of the entry's instance: whatever came before, nothing included; not after it
    expect(signals.releasesSignals(signals.none, "Stopping")).toBe(true)
    expect(signals.releasesSignals(receivedAfter(["SIGTERM"]), "Stopping")).toBe(true)
    expect(signals.releasesSignals(signals.none, "Done")).toBe(false)
    expect(signals.releasesSignals(receivedAfter(["SIGTERM"]), "Done")).toBe(false)
    expect(signals.releasesSignals(receivedAfter(["SIGTERM", "SIGINT"]), "Done")).toBe(true)
    expect(signals.releasesSignals(signals.none, undefined)).toBe(false)
  })

  it("the watchdog ends the process with the first signal once the signals are given back, else SIGKILL", () => {
    expect(signals.watchdogSignal(receivedAfter(["SIGTERM"]), true)).toBe("SIGTERM")
    expect(signals.watchdogSignal(receivedAfter(["SIGINT", "SIGTERM"]), true)).toBe("SIGINT")
    // a listener would catch it, and a blocked main thread never runs the listener
    expect(signals.watchdogSignal(receivedAfter(["SIGTERM"]), false)).toBe("SIGKILL")
    // no signal to repeat: a fault first, or none at all (a program that ended by itself)
    expect(signals.watchdogSignal(receivedAfter(["uncaughtException"]), true)).toBe("SIGKILL")
    expect(signals.watchdogSignal(signals.none, true)).toBe("SIGKILL")
  })

  it("the teardown's exit code: the first signal's, else 0 or 1", () => {
    const sigterm = signals.count(signals.none, "SIGTERM")
    expect(signals.exitCode(signals.none, true)).toBe(0)
    expect(signals.exitCode(signals.none, false)).toBe(1)
    expect(signals.exitCode(sigterm, true)).toBe(143)
    expect(signals.exitCode(sigterm, false)).toBe(143)
  })

  it("the teardown's exit code after a fault first is 1, even once a signal came too", () => {
    expect(signals.exitCode(receivedAfter(["uncaughtException"]), true)).toBe(1)
    expect(signals.exitCode(receivedAfter(["unhandledRejection", "SIGTERM"]), true)).toBe(1)
    expect(signals.exitCode(receivedAfter(["SIGTERM", "uncaughtException"]), false)).toBe(143)
  })

  it("the teardown prints a failure, but not the interruption a signal asked for", () => {
    const sigint = signals.count(signals.none, "SIGINT")
    expect(signals.printsFailure(signals.none, true)).toBe(true)
    expect(signals.printsFailure(signals.none, false)).toBe(true)
    expect(signals.printsFailure(sigint, false)).toBe(true)
    expect(signals.printsFailure(sigint, true)).toBe(false)
  })
})

describe("a fault from outside Effect (uncaught exception, unhandled rejection) is an event like a signal", () => {
  const faults = ["uncaughtException", "unhandledRejection"] as const

  it("while the runtime loads, it exits at once with code 1", () => {
    for (const fault of faults) {
      expect(after([fault], { _tag: "Loading" })).toEqual({ code: 1, actions: [{ _tag: "Exit" }] })
    }
  })

  it("the first interrupts a running main program (the shutdown follows, as after a signal), exit code 1", () => {
    for (const fault of faults) {
      expect(after([fault], running("Running", true))).toEqual({ code: 1, actions: [{ _tag: "InterruptMain" }] })
    }
  })

  it("it never drains: a drainDelay is for a signal; a fault interrupts the main program at once", () => {
    const withDrain = running("Running", true, { drainMillis: 2000, draining: false })
    expect(after(["uncaughtException"], withDrain)).toEqual({ code: 1, actions: [{ _tag: "InterruptMain" }] })
    // a fault during a drain ends it, as a second signal does
    const draining = running("Running", true, { drainMillis: 2000, draining: true })
    expect(tags(after(["SIGTERM", "uncaughtException"], draining))).toEqual(["InterruptMain", "ArmDeadline"])
  })

  it("once the main program has ended, the first cuts the wait and arms the deadline, as a first signal does", () => {
    expect(after(["unhandledRejection"], running("Joining", false))).toEqual({
      code: 1,
      actions: [{ _tag: "ArmDeadline", millis: 6000 }]
    })
  })

  it("a second fault, or a signal after a fault, cuts the wait as the second signal does; the code stays 1", () => {
    expect(after(["uncaughtException", "uncaughtException"], running("Running", false))).toEqual({
      code: 1,
      actions: [{ _tag: "ArmDeadline", millis: 6000 }]
    })
    expect(after(["uncaughtException", "SIGTERM"], running("Joining", false))).toEqual({
      code: 1,
      actions: [{ _tag: "ArmDeadline", millis: 6000 }]
    })
    // and a fault after a signal: the signal's code
    expect(after(["SIGINT", "unhandledRejection"], running("Joining", false)).code).toBe(130)
  })

  it("during step (c), a fault arms the deadline (the step is bounded already; it does not cut the finalizers)", () => {
    expect(after(["uncaughtException"], running("Stopping", false))).toEqual({
      code: 1,
      actions: [{ _tag: "ArmDeadline", millis: 6000 }]
    })
  })

  it("the third event exits at once, whatever it is", () => {
    expect(tags(after(["uncaughtException", "SIGTERM", "uncaughtException"], running("Joining", false)))).toEqual([
      "Exit"
    ])
    expect(after(["unhandledRejection", "uncaughtException", "SIGINT"], running("Running", true)).code).toBe(1)
  })

  it("the event's own code, and which events are signals", () => {
    expect(faults.map(signals.codeOf)).toEqual([1, 1])
    expect(signals.handledSignals.map(signals.codeOf)).toEqual([130, 143, 129])
    expect(faults.map(signals.isSignal)).toEqual([false, false])
    expect(signals.handledSignals.map(signals.isSignal)).toEqual([true, true, true])
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
