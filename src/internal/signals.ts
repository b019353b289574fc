/**
 * The signal policy of the entry points (`runMain`, `launch`), as pure
 * functions: the signals received (`count`) and what the entry looks like give
 * the actions to carry out (`decide`). The Node adapter (`./node.ts`) only
 * listens and carries them out; this module knows nothing of `process`, and is
 * tested without it. Plain TypeScript, the same file in both editions.
 *
 * The rule, by how many signals have arrived (SIGINT and SIGTERM count alike;
 * the first one picks the exit code, 128 + its number):
 *
 * | signal | runtime loading | main program running (or its finalizers)                         | main program ended: shutdown under way    |
 * | ------ | --------------- | ---------------------------------------------------------------- | ----------------------------------------- |
 * | 1st    | exit at once    | interrupt it (the shutdown follows), or start the drain          | cut the non-daemon wait, arm the deadline |
 * | 2nd    | —               | end the drain if any; cut the non-daemon wait, arm the deadline | cut the non-daemon wait, arm the deadline |
 * | 3rd    | —               | exit at once                                                     | exit at once                              |
 *
 * The drain (`drainDelay`, Effect 4 edition): the first signal lets the main
 * program run on for that long (a readiness probe already says the app is
 * stopping), then interrupts it; a second signal ends it at once.
 *
 * "Cut the non-daemon wait" applies to every instance of the process for which
 * `lifecycle.signalCutsJoin` says so; the deadline ends the process
 * `daemonGrace` + 1 s after the signal that armed it, whatever still runs.
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
export const exitCodes = { SIGINT: 130, SIGTERM: 143 } as const

/** @internal */
export type Signal = keyof typeof exitCodes

/**
 * The signals the process has received: how many, and the first (which picks
 * the exit code and the waiting line's hint).
 *
 * @internal
 */
export interface Received {
  readonly count: number
  readonly first: Signal | undefined
}

/** @internal */
export const none: Received = { count: 0, first: undefined }

/**
 * The entry point as a signal finds it.
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
 * The signals received once `signal` is counted too.
 *
 * @internal
 */
export const count = (received: Received, signal: Signal): Received => ({
  count: received.count + 1,
  first: received.first ?? signal
})

/**
 * What the adapter does for a signal, besides counting it and cutting the
 * waits `lifecycle.signalCutsJoin` says (which every signal does, for every
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
  /** The exit code the process ends with (the first signal's). */
  readonly code: number
  readonly actions: ReadonlyArray<Action>
}

/**
 * How long after `daemonGrace` the deadline armed by a signal fires: room for
 * the shutdown's last reports and the teardown.
 *
 * @internal
 */
export const deadlineMarginMillis = 1000

const interruptMain: Action = { _tag: "InterruptMain" }
const exit: Action = { _tag: "Exit" }

/**
 * The policy: what the entry point does for the last of the signals
 * `received` (counted with `count`), given the `entry` as it is.
 *
 * @internal
 */
export const decide = (received: Received, entry: Entry): Decision => {
  const code = exitCodes[received.first ?? "SIGINT"]
  // While loading, nothing has started yet: there is nothing to shut down.
  if (entry._tag === "Loading" || received.count >= 3) return { code, actions: [exit] }
  const actions: Array<Action> = []
  if (entry._tag === "Running") {
    if (entry.mainRunning && received.count === 1) {
      actions.push(entry.drainMillis > 0 ? { _tag: "StartDrain", millis: entry.drainMillis } : interruptMain)
    } else if (entry.mainRunning && entry.draining) {
      actions.push(interruptMain)
    }
    if (signalCutsJoin(received.count, entry.phase)) {
      actions.push({ _tag: "ArmDeadline", millis: entry.daemonGraceMillis + deadlineMarginMillis })
    }
  }
  return { code, actions }
}

/**
 * Whether a main program that starts after `received` starts interrupted: a
 * signal came while the runtime was starting, so the program ends at once.
 *
 * @internal
 */
export const startsInterrupted = (received: Received): boolean => received.count > 0

/**
 * The exit code of an entry point's process: the first signal's, else 0 on
 * success and 1 on failure.
 *
 * @internal
 */
export const exitCode = (received: Received, succeeded: boolean): number =>
  received.first !== undefined ? exitCodes[received.first] : succeeded ? 0 : 1

/**
 * Whether the teardown prints the main program's failure: always, but for an
 * interruption that a signal asked for.
 *
 * @internal
 */
export const printsFailure = (received: Received, interruptedOnly: boolean): boolean =>
  received.first === undefined || !interruptedOnly
