import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import type * as Threading from "../Threading.js"
import { ThreadError } from "./errors.js"
import { maxTimerMillis } from "./messages.js"
import * as internal from "./threading.js"
import * as validate from "./validate.js"

/** Exit codes of a process ended by a signal: 128 + the signal's number. */
const signalCodes = { SIGINT: 130, SIGTERM: 143 } as const

type Signal = keyof typeof signalCodes

/**
 * Where an entry point's process is, as its signal handler sees it: the one
 * home of its signal state (the count of signals is shared by every instance
 * of the process: `internal.processState`).
 *
 * - `Loading`: `@effect/platform-node` is being loaded; nothing runs yet.
 * - `Starting`: the runtime runs, the main thread has not started yet.
 * - `Running`: the instance exists.
 *
 * `code` is the exit code the first signal chose.
 */
type EntryState =
  | { readonly _tag: "Loading"; readonly code: number | undefined }
  | { readonly _tag: "Starting"; readonly code: number | undefined }
  | { readonly _tag: "Running"; readonly code: number | undefined; readonly instance: internal.ThreadingImpl }

/**
 * What a signal does, by how many have arrived: the first interrupts the main
 * program (the shutdown follows); the second — or a first that arrives once
 * the shutdown has begun — stops the wait for the non-daemon threads of every
 * instance, and from then on the process exits within `daemonGrace` + 1 s
 * whatever is still running; the third exits at once.
 */
const onSignal = (state: EntryState, signal: Signal): EntryState => {
  const code = state.code ?? signalCodes[signal]
  if (state._tag === "Loading") {
    // Nothing has started yet: there is nothing to shut down.
    process.exit(code)
  }
  const signals = internal.receiveSignal()
  if (signals >= 3) {
    process.exit(code)
  }
  if (state._tag === "Running") {
    const instance = state.instance
    if (signals === 1 && instance.mainThread.status === "started") {
      instance.mainThread.fiber!.unsafeInterruptAsFork(FiberId.none)
    }
    if (signals >= 2 || instance.phase !== "running") {
      armDeadline(instance.options.daemonGrace, code)
    }
  }
  return { ...state, code }
}

/** The bound after the signal that cut the wait: exit, whatever still runs. */
const armDeadline = (grace: Duration.Duration, code: number): void => {
  // At most what a timer holds (beyond it, Node fires it at once): the exit then comes earlier, still within the bound.
  const millis = Math.min(Duration.toMillis(grace) + 1000, maxTimerMillis)
  setTimeout(() => {
    process.stderr.write(`Exiting: still running ${Duration.format(Duration.millis(millis))} after the signal\n`)
    process.exit(code)
  }, millis).unref()
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
  let state: EntryState = { _tag: "Loading", code: undefined }
  // NodeRuntime.runMain interrupts the root fiber on the first signal and then
  // stops listening; this listener counts the signals and picks the exit code.
  const listener = (signal: Signal) => {
    state = onSignal(state, signal)
  }
  process.on("SIGINT", listener)
  process.on("SIGTERM", listener)

  // Loaded here, not at the top, so that importing the library does not need
  // @effect/platform-node: only runMain does.
  import("@effect/platform-node/NodeRuntime").then((NodeRuntime) => {
    state = { _tag: "Starting", code: state.code }
    // Bad input (validate.ts) makes the program die with the ThreadError
    // naming it, before anything runs: exit code 1, the error on stderr.
    const read = validate.runMain(program, options)
    const main = read instanceof ThreadError ? Effect.die(read) : internal.mainWith(
      program,
      read.options,
      read.layer,
      (instance) => {
        const signalled = internal.processState.signals > 0
        state = { _tag: "Running", code: state.code, instance }
        // A signal came while the runtime started: the program ends at once.
        if (signalled) instance.mainThread.fiber!.unsafeInterruptAsFork(FiberId.none)
      }
    )
    NodeRuntime.runMain(
      main,
      {
        disableErrorReporting: true,
        disablePrettyLogger: !(read instanceof ThreadError) && read.disablePrettyLogger === true,
        teardown: (exit) => {
          const code = state.code
          if (Exit.isFailure(exit) && (code === undefined || !Cause.isInterruptedOnly(exit.cause))) {
            process.stderr.write(`${Cause.pretty(exit.cause)}\n`)
          }
          process.exit(code ?? (Exit.isSuccess(exit) ? 0 : 1))
        }
      }
    )
  }, (error: unknown) => {
    process.stderr.write(
      "Threading.runMain needs the optional peer dependencies @effect/platform and @effect/platform-node:\n" +
        "  npm install @effect/platform@^0.97 @effect/platform-node@^0.108\n" +
        `${String(error)}\n`
    )
    process.exit(1)
  })
}
