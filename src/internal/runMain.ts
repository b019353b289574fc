import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import type * as Threading from "../Threading.js"
import { ThreadError } from "./errors.js"
import { maxTimerMillis } from "./messages.js"
import * as servers from "./servers.js"
import * as internal from "./threading.js"
import * as validate from "./validate.js"

/** Exit codes of a process ended by a signal: 128 + the signal's number. */
const signalCodes = { SIGINT: 130, SIGTERM: 143 } as const

type Signal = keyof typeof signalCodes

/** The command that installs what `runMain` needs, for this edition. */
const installHint = "npm install @effect/platform-node@^4.1.0"

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
  const signals = internal.receiveSignal(signal)
  if (signals >= 3) {
    process.exit(code)
  }
  if (state._tag === "Running") {
    const instance = state.instance
    if (signals === 1 && instance.mainThread.status === "started") {
      instance.mainThread.fiber!.interruptUnsafe()
    }
    if (signals >= 2 || instance.state._tag !== "Running") {
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
 * Runs `program` as the main thread of a fresh instance under
 * `NodeRuntime.runMain`, with the app's `layer` built after the instance and
 * released after step (c), the signal handling and the teardown Python users
 * expect: `Threading.runMain` and `Threading.launch`.
 */
const runProcess = <A, E>(
  program: Effect.Effect<A, E, any>,
  input: validate.Entry | ThreadError,
  appLayer: Layer.Layer<any, any, any> | undefined
): void => {
  let state: EntryState = { _tag: "Loading", code: undefined }
  // NodeRuntime.runMain interrupts the root fiber on every signal and cannot
  // tell them apart; this listener counts them and picks the exit code.
  const listener = (signal: Signal) => {
    state = onSignal(state, signal)
  }
  process.on("SIGINT", listener)
  process.on("SIGTERM", listener)

  // Bad input (validate.ts) makes the program die with the ThreadError naming
  // it, before anything runs: exit code 1, the error on stderr.
  const withLogger = <X, Y>(main: (entry: validate.Entry) => Effect.Effect<X, Y>): Effect.Effect<X, Y> =>
    input instanceof ThreadError
      ? Effect.die(input)
      : input.disablePrettyLogger
      ? main(input)
      : Effect.provide(main(input), Logger.layer([Logger.consolePretty()]))

  // Loaded here, not at the top, so that importing the library does not need
  // @effect/platform-node: only runMain does.
  import("@effect/platform-node/NodeRuntime").then((NodeRuntime) => {
    state = { _tag: "Starting", code: state.code }
    NodeRuntime.runMain(
      withLogger((entry) =>
        internal.mainWith(program, entry.options, appLayer, (instance) => {
          const signalled = internal.processState.signals > 0
          state = { _tag: "Running", code: state.code, instance }
          // A signal came while the runtime started: the program ends at once.
          if (signalled) instance.mainThread.fiber!.interruptUnsafe()
        })
      ),
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

/**
 * `Threading.runMain`.
 *
 * @internal
 */
export const runMain = <A, E>(
  program: Effect.Effect<A, E, any>,
  options?: Threading.RunMainOptions<any, any>
): void => {
  const input = validate.runMain(program, options)
  runProcess(program, input, input instanceof ThreadError ? undefined : input.layer)
}

/**
 * `Threading.launch`: a Layer app as the main program. The layer is built in
 * the instance's resources scope, so what it provides outlives every thread;
 * its Node servers stop accepting (and drop idle connections) as soon as the
 * shutdown starts, and their remaining connections are closed before the
 * layer is released.
 *
 * @internal
 */
export const launch = <ROut, E>(
  layer: Layer.Layer<ROut, E, any>,
  options?: Threading.LaunchOptions
): void => {
  const input = validate.launch(layer, options)
  if (input instanceof ThreadError) return runProcess(Effect.void, input, undefined)
  const tracked = servers.track()
  const app = Layer.effectDiscard(Effect.addFinalizer(() => Effect.sync(tracked.closeAllConnections))).pipe(
    Layer.provideMerge(layer)
  )
  runProcess(
    Effect.never.pipe(Effect.onInterrupt(() => Effect.sync(tracked.stopAccepting))),
    input,
    app
  )
}
