/**
 * The Node entry point, `Threading.runMain`: a thin adapter that runs
 * `mainWith` under `NodeRuntime.runMain`, listens to the process's signals and
 * to the faults from outside Effect (`./faults.ts`: uncaught exceptions, a
 * closed stdout) and carries out what the signal policy (`./signals.ts`)
 * decides — interrupt the main program, arm the exit deadline, exit — and the
 * teardown (the exit code, the failure printed). What must hold while
 * JavaScript is blocked (`./watchdog.ts`) it arms as the policy says.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import type * as Threading from "../Threading.js"
import { mainWith } from "./entry.js"
import { ThreadError } from "./errors.js"
import * as faults from "./faults.js"
import { entryInstance, received, receiveSignal, type ThreadingImpl } from "./instance.js"
import { maxTimerMillis } from "./messages.js"
import { report } from "./report.js"
import * as text from "./reportText.js"
import { StoppingHook } from "./shutdown.js"
import * as signals from "./signals.js"
import * as validate from "./validate.js"
import * as watchdog from "./watchdog.js"

/** The command that installs what `runMain` needs, for this edition. */
const installHint = "npm install @effect/platform@^0.97 @effect/platform-node@^0.108"

/**
 * Where the adapter is: loading `@effect/platform-node` (a signal then exits at
 * once: nothing has started), or running it.
 */
type Adapter = { readonly _tag: "Loading" } | { readonly _tag: "Loaded" }

/** The entry point as the signal policy sees it. */
const entryOf = (adapter: Adapter): signals.Entry => {
  if (adapter._tag === "Loading") return { _tag: "Loading" }
  const instance = entryInstance()
  return instance === undefined ? { _tag: "Starting" } : {
    _tag: "Running",
    phase: instance.phase,
    mainRunning: instance.mainThread.status === "started",
    daemonGraceMillis: Duration.toMillis(instance.options.daemonGrace),
    // `drainDelay` is in the Effect 4 edition only
    drainMillis: 0,
    draining: false
  }
}

/** Carries out what the policy decided for an event (`received`, counted). */
const carryOut = (decision: signals.Decision, received: signals.Received): void => {
  for (const action of decision.actions) {
    switch (action._tag) {
      case "InterruptMain":
        entryInstance()?.mainThread.fiber?.unsafeInterruptAsFork(FiberId.none)
        break
      case "StartDrain": // never decided without a drainDelay
        break
      case "ArmDeadline":
        armDeadline(action.millis, decision.code, received)
        break
      case "Exit":
        process.exit(decision.code)
    }
  }
}

/**
 * The bound after the event that cut the wait: exit, whatever still runs —
 * and, should JavaScript be blocked then, the watchdog a little later. At
 * most what a Node timer holds (beyond it, Node fires it at once): the exit
 * then comes earlier, still within the bound.
 */
const armDeadline = (decided: number, code: number, received: signals.Received): void => {
  const millis = Math.min(decided, maxTimerMillis - signals.watchdogMarginMillis)
  setTimeout(() => {
    process.stderr.write(`${text.deadlineFired(Duration.format(Duration.millis(millis)))}\n`)
    process.exit(code)
  }, millis).unref()
  armWatchdog(millis + signals.watchdogMarginMillis, "the signal", received)
}

/** The watchdog (`./watchdog.ts`), `millis` after `what`, with the signal the policy says. */
const armWatchdog = (decided: number, what: string, received: signals.Received): watchdog.Disarm => {
  const millis = Math.min(decided, maxTimerMillis)
  const signal = signals.watchdogSignal(received, signals.releasesSignals(received, entryInstance()?.phase))
  return watchdog.arm(millis, signal, text.watchdogFired(Duration.format(Duration.millis(millis)), what, signal))
}

/**
 * Gives the signals back to the operating system for good once the policy
 * says so, from the second event on (idempotent): before the event is acted
 * on.
 */
const releaseSignals = (received: signals.Received): void => {
  if (signals.releasesSignals(received, entryInstance()?.phase)) watchdog.releaseSignals(signals.handledSignals)
}

/**
 * What the entry does as step (c) of its instance begins (`StoppingHook`):
 * gives the signals back to the operating system, and, if threads are to be
 * stopped, arms the watchdog for `daemonGrace` + a margin — the bounds that
 * hold even if a finalizer blocks JavaScript. When (c) ends, the watchdog is
 * disarmed and the listeners come back (unless a second event came
 * meanwhile): after (c), `launch`'s layer is released, and a signal then
 * cuts the waits of the instances it holds.
 */
const onStopping = (self: ThreadingImpl, threads: number): watchdog.Disarm => {
  if (self !== entryInstance() || !signals.releasesSignals(received(), self.phase)) return noDisarm
  const restore = watchdog.releaseSignals(signals.handledSignals)
  const disarm = threads === 0
    ? noDisarm
    : armWatchdog(
      Duration.toMillis(self.options.daemonGrace) + signals.watchdogMarginMillis,
      "step (c) began",
      received()
    )
  return () => {
    disarm()
    if (!signals.releasesSignals(received(), "Done")) restore()
  }
}

const noDisarm: watchdog.Disarm = () => {}

/**
 * Reports a fault from outside Effect on stderr, as the library's other
 * reports are (`Console.error`): at once, written straight to stderr, if the
 * process exits now or there is no instance yet.
 */
const reportFault = (error: unknown, origin: signals.Fault, decision: signals.Decision): void => {
  const cause = Cause.die(error)
  const exits = decision.actions.some((action) => action._tag === "Exit")
  if (exits || entryInstance() === undefined) {
    const line = exits ? text.uncaughtExit(origin, decision.code) : text.uncaught(origin, decision.code)
    process.stderr.write(`${line}\n${Cause.pretty(cause)}\n`)
  } else {
    Effect.runFork(report(text.uncaught(origin, decision.code), cause))
  }
}

/**
 * `Threading.runMain`: `main` under `NodeRuntime.runMain`, with the app's
 * `layer` built after the instance and released after step (c), and the
 * signal handling and teardown Python users expect (see `Threading.runMain`).
 *
 * @internal
 */
export const runMain = <A, E>(
  program: Effect.Effect<A, E, any>,
  options?: Threading.RunMainOptions<any, any>
): void => {
  const input = validate.runMain(program, options)
  let adapter: Adapter = { _tag: "Loading" }
  // NodeRuntime.runMain interrupts the root fiber on the first signal and then
  // stops listening; this listener counts every signal (and fault) and does
  // what the policy says.
  const onEvent = (event: signals.Event, error?: unknown) => {
    const next = signals.count(received(), event)
    // First of all: what follows may run the shutdown on, synchronously, up to a hook that blocks JavaScript
    // (and a signal caught meanwhile would reach no listener once they are removed).
    releaseSignals(next)
    const decision = signals.decide(next, entryOf(adapter), event)
    // a fault is reported before anything it causes
    if (!signals.isSignal(event)) reportFault(error, event, decision)
    carryOut(decision, receiveSignal(event))
  }
  for (const signal of signals.handledSignals) process.on(signal, onEvent)
  if (input instanceof ThreadError || input.uncaught === "shutdown") {
    faults.listenUncaught((error, origin) => onEvent(origin, error))
  }
  faults.guardStdio()

  // Loaded here, not at the top, so that importing the library does not need
  // @effect/platform-node: only runMain does.
  import("@effect/platform-node/NodeRuntime").then((NodeRuntime) => {
    adapter = { _tag: "Loaded" }
    // Bad input (`validate.ts`) makes the program die with the ThreadError
    // naming it, before anything runs: exit code 1, the error on stderr.
    const main = input instanceof ThreadError
      ? Effect.die(input)
      : Effect.provideService(mainWith(program as Effect.Effect<A, E>, input, true), StoppingHook, onStopping)
    NodeRuntime.runMain(main, {
      disableErrorReporting: true,
      disablePrettyLogger: !(input instanceof ThreadError) && input.disablePrettyLogger,
      teardown: (exit) => {
        const signalled = received()
        if (Exit.isFailure(exit) && signals.printsFailure(signalled, Cause.isInterruptedOnly(exit.cause))) {
          process.stderr.write(`${Cause.pretty(exit.cause)}\n`)
        }
        process.exit(signals.exitCode(signalled, Exit.isSuccess(exit)))
      }
    })
  }, (error: unknown) => {
    process.stderr.write(
      "Threading.runMain needs the optional peer dependencies @effect/platform and @effect/platform-node:\n" +
        `  ${installHint}\n` +
        `${String(error)}\n`
    )
    process.exit(1)
  })
}
