/**
 * The signal policy of the entry points (`runMain`, `launch`), as pure
 * functions: the events received (`count`) and what the entry looks like give
 * the actions to carry out (`decide`). An event is a signal (SIGINT, SIGTERM,
 * SIGHUP) or a fault from outside Effect (an uncaught exception, an unhandled
 * rejection: `Fault`), which the entry treats as a signal whose exit code is
 * 1. The Node adapter (`./node.ts`) only listens and carries the actions out;
 * this module knows nothing of `process`, and is tested without it. Plain
 * TypeScript, the same file in both editions.
 *
 * The rule, by how many events have arrived (they all count alike; the first
 * one picks the exit code: 128 + a signal's number, 1 for a fault):
 *
 * | event | runtime loading | main program running (or its finalizers)                         | main program ended: (a), (b), after (c)   | during (c)                  |
 * | ----- | --------------- | ---------------------------------------------------------------- | ----------------------------------------- | --------------------------- |
 * | 1st   | exit at once    | interrupt it (the shutdown follows), or start the drain          | cut the non-daemon wait, arm the deadline | a signal: exit at once      |
 * | 2nd   | —               | end the drain if any; cut the non-daemon wait, arm the deadline | cut the non-daemon wait, arm the deadline | a fault: arm the deadline   |
 * | 3rd   | —               | exit at once                                                     | exit at once                              | exit at once                |
 *
 * The drain (`drainDelay`, Effect 4 edition): the first signal lets the main
 * program run on for that long (a readiness probe already says the app is
 * stopping), then interrupts it; a second event ends it at once. A fault
 * never drains: it interrupts the main program at once.
 *
 * "Cut the non-daemon wait" applies to every instance of the process for which
 * `lifecycle.signalCutsJoin` says so; the deadline ends the process
 * `daemonGrace` + 1 s after the event that armed it, whatever still runs.
 *
 * What must hold while JavaScript is blocked (a finalizer in a synchronous
 * loop: Node runs no listener then) is planned here too: while the next
 * signal would exit at once (`releasesSignals`), the adapter gives the
 * signals back to the operating system, whose default ends the process even
 * then; and a watchdog outside the main thread ends the process
 * `watchdogMarginMillis` after a deadline the main thread did not keep, with
 * `watchdogSignal`. ("After (c)" is the release of `launch`'s layer, which
 * may hold instances of its own: a signal there cuts their waits.)
 *
 * @internal
 */
import { type Phase, signalCutsJoin } from "./lifecycle.js"

/**
 * The signals an entry point handles, with the exit code each gives
 * (128 + the signal's number, as a shell reports a process it ended).
 *
 * @internal
 */
export const exitCodes = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const

/** @internal */
export type Signal = keyof typeof exitCodes

/**
 * The signals an entry point listens to.
 *
 * @internal
 */
export const handledSignals: ReadonlyArray<Signal> = ["SIGINT", "SIGTERM", "SIGHUP"]

/**
 * A fault from outside Effect, by Node's name for its origin: an exception no
 * code caught (a timer's callback threw), a promise rejection no code handled.
 *
 * @internal
 */
export type Fault = "uncaughtException" | "unhandledRejection"

/**
 * What an entry point reacts to: a signal, or a fault.
 *
 * @internal
 */
export type Event = Signal | Fault

/**
 * The exit code of a process whose first event was a fault.
 *
 * @internal
 */
export const faultExitCode = 1

/** @internal */
export const isSignal = (event: Event): event is Signal => event in exitCodes

/**
 * The exit code an event gives when it comes first.
 *
 * @internal
 */
export const codeOf = (event: Event): number => isSignal(event) ? exitCodes[event] : faultExitCode

/**
 * The events the process has received: how many, and the first (which picks
 * the exit code and the waiting line's hint).
 *
 * @internal
 */
export interface Received {
  readonly count: number
  readonly first: Event | undefined
}

/** @internal */
export const none: Received = { count: 0, first: undefined }

/**
 * The entry point as an event finds it.
 *
 * - `Loading`: `@effect/platform-node` is being loaded; nothing runs yet.
 * - `Starting`: the runtime runs, the main program has not started yet (it
 *   starts interrupted: `startsInterrupted`).
 * - `Running`: the entry's instance exists, in `phase`; `mainRunning` tells
 *   whether its main program is still running; `drainMillis` is its
 *   `drainDelay` (0: none), `draining` whether a drain is under way.
 *
 * @internal
 */
export type Entry =
  | { readonly _tag: "Loading" }
  | { readonly _tag: "Starting" }
  | {
    readonly _tag: "Running"
    readonly phase: Phase
    readonly mainRunning: boolean
    readonly daemonGraceMillis: number
    readonly drainMillis: number
    readonly draining: boolean
  }

/**
 * The events received once `event` is counted too.
 *
 * @internal
 */
export const count = (received: Received, event: Event): Received => ({
  count: received.count + 1,
  first: received.first ?? event
})

/**
 * What the adapter does for an event, besides counting it and cutting the
 * waits `lifecycle.signalCutsJoin` says (which every event does, for every
 * instance of the process: `instance.receiveSignal`), in order.
 *
 * - `InterruptMain`: interrupt the entry's main program (ending the drain, if
 *   one is under way).
 * - `StartDrain`: let the main program run on for `millis`, then interrupt it.
 * - `ArmDeadline`: exit with the decision's `code` after `millis`, whatever
 *   still runs.
 * - `Exit`: exit with the decision's `code` now.
 *
 * @internal
 */
export type Action =
  | { readonly _tag: "InterruptMain" }
  | { readonly _tag: "StartDrain"; readonly millis: number }
  | { readonly _tag: "ArmDeadline"; readonly millis: number }
  | { readonly _tag: "Exit" }

/** @internal */
export interface Decision {
  /** The exit code the process ends with (the first event's). */
  readonly code: number
  readonly actions: ReadonlyArray<Action>
}

/**
 * How long after `daemonGrace` the deadline armed by an event fires: room for
 * the shutdown's last reports and the teardown.
 *
 * @internal
 */
export const deadlineMarginMillis = 1000

/**
 * How long after a deadline the main thread should have kept — one armed by
 * an event, or the end of step (c), `daemonGrace` after it began — the
 * watchdog ends the process: the main thread is then blocked (a synchronous
 * loop), or the deadline would have ended it.
 *
 * @internal
 */
export const watchdogMarginMillis = 1000

const interruptMain: Action = { _tag: "InterruptMain" }
const exit: Action = { _tag: "Exit" }

/**
 * The policy: what the entry point does for `event`, the last of the events
 * `received` (counted with `count`), given the `entry` as it is.
 *
 * @internal
 */
export const decide = (received: Received, entry: Entry, event: Event): Decision => {
  const code = codeOf(received.first ?? event)
  // While loading, nothing has started yet: there is nothing to shut down.
  if (entry._tag === "Loading" || received.count >= 3) return { code, actions: [exit] }
  const actions: Array<Action> = []
  if (entry._tag === "Running") {
    const deadline: Action = { _tag: "ArmDeadline", millis: entry.daemonGraceMillis + deadlineMarginMillis }
    // During step (c) the exit is bounded already; a signal asks to end now (the adapter has given the
    // signals back to the operating system then, which does it even while JavaScript is blocked).
    if (entry.phase === "Stopping") return { code, actions: [isSignal(event) ? exit : deadline] }
    if (entry.mainRunning && received.count === 1) {
      actions.push(
        entry.drainMillis > 0 && isSignal(event) ? { _tag: "StartDrain", millis: entry.drainMillis } : interruptMain
      )
    } else if (entry.mainRunning && entry.draining) {
      actions.push(interruptMain)
    }
    if (signalCutsJoin(received.count, entry.phase)) actions.push(deadline)
  }
  return { code, actions }
}

/**
 * Whether the adapter gives the signals back to the operating system (removes
 * every listener of `handledSignals`), so that the next one ends the process
 * even while JavaScript is blocked: while the next signal would exit at once
 * anyway — from the second event on, and during step (c) of the entry's
 * instance (the listeners come back when it ends, unless a second event came
 * meanwhile). A process ended so is killed by that signal (a shell shows
 * 128 + its number).
 *
 * @internal
 */
export const releasesSignals = (received: Received, phase: Phase | undefined): boolean =>
  received.count >= 2 || phase === "Stopping"

/**
 * The signal the watchdog ends the process with: the first signal received,
 * if the signals have been given back to the operating system (the process
 * then ends as that signal's default does, which a shell shows as the exit
 * code the teardown would have given); otherwise (a listener would catch it,
 * and a blocked main thread never runs it) `SIGKILL`.
 *
 * @internal
 */
export const watchdogSignal = (received: Received, released: boolean): Signal | "SIGKILL" =>
  released && received.first !== undefined && isSignal(received.first) ? received.first : "SIGKILL"

/**
 * Whether a main program that starts after `received` starts interrupted: an
 * event came while the runtime was starting, so the program ends at once.
 *
 * @internal
 */
export const startsInterrupted = (received: Received): boolean => received.count > 0

/**
 * The exit code of an entry point's process: the first event's, else 0 on
 * success and 1 on failure.
 *
 * @internal
 */
export const exitCode = (received: Received, succeeded: boolean): number =>
  received.first !== undefined ? codeOf(received.first) : succeeded ? 0 : 1

/**
 * Whether the teardown prints the main program's failure: always, but for an
 * interruption that an event asked for.
 *
 * @internal
 */
export const printsFailure = (received: Received, interruptedOnly: boolean): boolean =>
  received.first === undefined || !interruptedOnly
