import * as Cause from "effect/Cause"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Logger from "effect/Logger"
import type * as Threading from "../Threading.js"
import * as internal from "./threading.js"

/** Exit codes of a process ended by a signal: 128 + the signal's number. */
const signalCodes = { SIGINT: 130, SIGTERM: 143 } as const

type Signal = keyof typeof signalCodes

/** The command that installs what `runMain` needs, for this edition. */
const installHint = "npm install @effect/platform-node@^4.1.0"

/**
 * Where `runMain`'s process is, as seen by its signal handler: the one home of
 * its signal state.
 *
 * - `Loading`: `@effect/platform-node` is being loaded; nothing runs yet.
 * - `Starting`: the runtime runs, the main thread has not started yet.
 * - `Running`: the instance exists; `signals` counts the signals received and
 *   `code` is the exit code the first one chose.
 */
type SignalState =
  | { readonly _tag: "Loading"; readonly code: number | undefined }
  | { readonly _tag: "Starting"; readonly code: number | undefined; readonly signals: number }
  | {
    readonly _tag: "Running"
    readonly instance: internal.ThreadingImpl
    readonly code: number | undefined
    readonly signals: number
  }

/**
 * What a signal does, by how many have arrived: the first interrupts the main
 * program (the shutdown follows); the second — or a first that arrives once
 * the shutdown has begun — stops the wait for the non-daemon threads; the
 * third exits at once.
 */
const onSignal = (state: SignalState, signal: Signal): SignalState => {
  const code = state.code ?? signalCodes[signal]
  if (state._tag === "Loading") {
    // Nothing has started yet: there is nothing to shut down.
    process.exit(code)
  }
  const signals = state.signals + 1
  if (signals >= 3) {
    process.exit(code)
  }
  if (state._tag === "Starting") {
    return { _tag: "Starting", code, signals }
  }
  const instance = state.instance
  if (signals === 1 && instance.mainThread.status === "started") {
    instance.mainThread.fiber!.interruptUnsafe()
  } else {
    Deferred.doneUnsafe(instance.skipJoin, Exit.void)
  }
  return { ...state, code, signals }
}

/**
 * `Threading.runMain`: `main` under `NodeRuntime.runMain`, with the signal
 * handling and teardown Python users expect (see `Threading.runMain`).
 *
 * @internal
 */
export const runMain = <A, E>(
  program: Effect.Effect<A, E, Threading.Threading>,
  options?: Threading.RunMainOptions
): void => {
  let state: SignalState = { _tag: "Loading", code: undefined }
  // NodeRuntime.runMain interrupts the root fiber on every signal and cannot
  // tell them apart; this listener counts them and picks the exit code.
  const listener = (signal: Signal) => {
    state = onSignal(state, signal)
  }
  process.on("SIGINT", listener)
  process.on("SIGTERM", listener)

  const withLogger = <X, Y>(effect: Effect.Effect<X, Y>): Effect.Effect<X, Y> =>
    options?.disablePrettyLogger === true
      ? effect
      : Effect.provide(effect, Logger.layer([Logger.consolePretty()]))

  // Loaded here, not at the top, so that importing the library does not need
  // @effect/platform-node: only runMain does.
  import("@effect/platform-node/NodeRuntime").then((NodeRuntime) => {
    state = { _tag: "Starting", code: state.code, signals: 0 }
    NodeRuntime.runMain(
      withLogger(internal.mainWith(program, options, (instance) => {
        const current = state
        state = { _tag: "Running", instance, code: current.code, signals: 0 }
        if (current._tag === "Starting" && current.signals > 0) {
          // A signal came while the runtime started: act on it now.
          state = onSignal({ ...state, code: undefined }, current.code === 143 ? "SIGTERM" : "SIGINT")
        }
      })),
      {
        disableErrorReporting: true,
        teardown: (exit) => {
          const code = state.code
          if (Exit.isFailure(exit) && (code === undefined || !Cause.hasInterruptsOnly(exit.cause))) {
            process.stderr.write(`${Cause.pretty(exit.cause)}\n`)
          }
          process.exit(code ?? (Exit.isSuccess(exit) ? 0 : 1))
        }
      }
    )
  }, (error: unknown) => {
    process.stderr.write(`Threading.runMain needs @effect/platform-node (${installHint}):\n${String(error)}\n`)
    process.exit(1)
  })
}
