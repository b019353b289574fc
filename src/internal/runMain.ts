import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import type * as Threading from "../Threading.js"
import { ThreadError } from "./errors.js"
import * as options_ from "./options.js"
import * as servers from "./servers.js"
import * as internal from "./threading.js"

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
 * - `Running`: the instance exists; `program` is the fiber that runs it
 *   (`internal.mainWith`), whose interruption stops the main program.
 * - `Draining`: the first signal started the drain (`drainDelay`); `end`
 *   ends it early.
 *
 * `code` is the exit code the first signal chose.
 */
type EntryState =
  | { readonly _tag: "Loading"; readonly code: number | undefined }
  | { readonly _tag: "Starting"; readonly code: number | undefined }
  | {
    readonly _tag: "Running"
    readonly code: number | undefined
    readonly instance: internal.ThreadingImpl
    readonly program: Fiber.Fiber<unknown, unknown>
  }
  | {
    readonly _tag: "Draining"
    readonly code: number | undefined
    readonly instance: internal.ThreadingImpl
    readonly program: Fiber.Fiber<unknown, unknown>
    readonly end: () => void
  }

/**
 * What a signal does, by how many have arrived: the first interrupts the main
 * program (the shutdown follows), or, with a `drainDelay`, starts the drain
 * that interrupts it later; the second — or a first that arrives once the
 * shutdown has begun — ends the drain, stops the wait for the non-daemon
 * threads of every instance, and from then on the process exits within
 * `daemonGrace` + 1 s whatever is still running; the third exits at once.
 */
const onSignal = (state: EntryState, signal: Signal, drainDelay: Duration.Duration): EntryState => {
  const code = state.code ?? signalCodes[signal]
  if (state._tag === "Loading") {
    // Nothing has started yet: there is nothing to shut down.
    process.exit(code)
  }
  const signals = internal.receiveSignal(signal)
  if (signals >= 3) {
    process.exit(code)
  }
  if (state._tag === "Running" || state._tag === "Draining") {
    const { instance, program } = state
    if (signals === 1 && instance.mainThread.status === "started") {
      if (Duration.isGreaterThan(drainDelay, Duration.zero)) {
        return { _tag: "Draining", code, instance, program, end: drain(state, drainDelay, signal) }
      }
      program.interruptUnsafe()
    }
    if (state._tag === "Draining") state.end()
    if (signals >= 2 || instance.state._tag !== "Running") {
      armDeadline(instance.options.daemonGrace, code)
    }
    return { _tag: "Running", code, instance, program }
  }
  return { ...state, code }
}

/**
 * The drain (`drainDelay`): started by the first signal while the main
 * program runs, instead of interrupting it. The app goes on serving —
 * `Threading.shuttingDown` (the readiness route) already says it is
 * stopping, so that load balancers take it out — and the waiting line says
 * so; when `delay` has elapsed, or when the function returned is called (a
 * second signal), the main program is interrupted and the shutdown goes on
 * as without a drain.
 */
const drain = (
  { instance, program }: { readonly instance: internal.ThreadingImpl; readonly program: Fiber.Fiber<unknown, unknown> },
  delay: Duration.Duration,
  signal: Signal
): () => void => {
  const main = instance.mainThread.fiber!
  const again = signal === "SIGTERM" ? "send SIGTERM again to stop now" : "press Ctrl+C again to stop now"
  const fiber = Effect.runForkWith(main.context)(
    internal.shutdownReport(
      instance,
      "Warn",
      `Draining for ${Duration.format(delay)}: still serving while readiness reports the shutdown; ${again}`,
      { thread: instance.mainThread.name, drainDelay: Duration.format(delay) }
    ).pipe(
      Effect.andThen(Effect.sleep(delay)),
      Effect.ensuring(Effect.sync(() => program.interruptUnsafe()))
    )
  )
  return () => fiber.interruptUnsafe()
}

/** The bound after the signal that cut the wait: exit, whatever still runs. */
const armDeadline = (grace: Duration.Duration, code: number): void => {
  const millis = Duration.toMillis(grace) + 1000
  setTimeout(() => {
    process.stderr.write(`Exiting: still running ${Duration.format(Duration.millis(millis))} after the signal\n`)
    process.exit(code)
  }, millis).unref()
}

/**
 * Runs `effect` in a fiber of its own, which only the signal policy
 * (`onSignal`) interrupts: the root fiber does not pass on the interruption
 * `NodeRuntime.runMain` makes at every signal, which could not wait for a
 * drain.
 */
const shielded = <A, E>(effect: Effect.Effect<A, E>): Effect.Effect<A, E> =>
  Effect.uninterruptibleMask((restore) => Effect.flatMap(Effect.forkChild(restore(effect)), Fiber.join))

/**
 * Runs `program` as the main thread of a fresh instance under
 * `NodeRuntime.runMain`, with the app's `layer` built after the instance and
 * released after step (c), the signal handling and the teardown Python users
 * expect: `Threading.runMain` and `Threading.launch`.
 */
const runProcess = <A, E>(
  program: Effect.Effect<A, E, any>,
  options: Threading.RunMainOptions<any, any> | undefined,
  appLayer: Layer.Layer<any, any, any> | undefined
): void => {
  let state: EntryState = { _tag: "Loading", code: undefined }
  // A throwing getter makes the program die with a ThreadError naming the
  // option, as an invalid value does.
  const read = options_.resolveEntry(options)
  const drainDelay = read instanceof ThreadError ? Duration.zero : read.drainDelay
  // NodeRuntime.runMain interrupts the root fiber on every signal (`shielded`
  // keeps that from the program) and cannot tell them apart; this listener
  // counts them, picks the exit code and stops the program.
  const listener = (signal: Signal) => {
    state = onSignal(state, signal, drainDelay)
  }
  process.on("SIGINT", listener)
  process.on("SIGTERM", listener)

  const withLogger = <X, Y>(effect: Effect.Effect<X, Y>): Effect.Effect<X, Y> =>
    read instanceof ThreadError
      ? Effect.die(read)
      : read.disablePrettyLogger
      ? effect
      : Effect.provide(effect, Logger.layer([Logger.consolePretty()]))

  // Loaded here, not at the top, so that importing the library does not need
  // @effect/platform-node: only runMain does.
  import("@effect/platform-node/NodeRuntime").then((NodeRuntime) => {
    state = { _tag: "Starting", code: state.code }
    NodeRuntime.runMain(
      withLogger(shielded(internal.mainWith(program, options, appLayer, (instance) => {
        const signalled = internal.processState.signals > 0
        // Called in the fiber that runs the instance (`shielded`'s).
        state = { _tag: "Running", code: state.code, instance, program: Fiber.getCurrent()! }
        // A signal came while the runtime started: the program ends at once.
        if (signalled) instance.mainThread.fiber!.interruptUnsafe()
      }))),
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
  const read = options_.read(options, ["layer"])
  runProcess(
    program,
    options,
    read instanceof ThreadError
      ? Layer.effectDiscard(Effect.die(read)) as unknown as Layer.Layer<any, any, any>
      : read.layer
  )
}

/**
 * `Threading.launch`: a Layer app as the main program. The layer is built in
 * the instance's resources scope, so what it provides outlives every thread;
 * its Node servers answer with `Connection: close` during the drain (from
 * the first signal, with a `drainDelay`), stop accepting (and drop idle
 * connections) as soon as the shutdown starts, and their remaining
 * connections are closed — and reported — before the layer is released.
 *
 * @internal
 */
export const launch = <ROut, E>(
  layer: Layer.Layer<ROut, E, any>,
  options?: Threading.LaunchOptions
): void => {
  // With a drain, every answer from the first signal on closes its connection, so that keep-alive clients
  // reconnect elsewhere while the app still listens; without one, the answers in flight at the stop do.
  const entry = options_.resolveEntry(options)
  const drains = !(entry instanceof ThreadError) && Duration.isGreaterThan(entry.drainDelay, Duration.zero)
  const tracked = servers.track(() => drains && internal.processState.signals > 0)
  const app = Layer.effectDiscard(Effect.addFinalizer(() => tracked.closeAllConnections)).pipe(
    Layer.provideMerge(layer)
  )
  runProcess(Effect.never.pipe(Effect.onInterrupt(() => tracked.stopAccepting)), options, app)
}
