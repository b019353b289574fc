/**
 * The Node entry points, `Threading.runMain` and `Threading.launch`: a thin
 * adapter that runs `mainWith` under `NodeRuntime.runMain`, listens to the
 * process's signals and carries out what the signal policy (`./signals.ts`)
 * decides — interrupt the main program, arm the exit deadline, exit — and the
 * teardown (the exit code, the failure printed). `launch` also tracks the Node
 * servers a Layer app opens (`./servers.ts`).
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import type * as Threading from "../Threading.js"
import { mainWith } from "./entry.js"
import { ThreadError } from "./errors.js"
import { entryInstance, received, receiveSignal } from "./instance.js"
import * as options_ from "./options.js"
import * as text from "./reportText.js"
import * as servers from "./servers.js"
import * as signals from "./signals.js"

/** The command that installs what `runMain` needs, for this edition. */
const installHint = "npm install @effect/platform-node@^4.1.0"

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
    daemonGraceMillis: Duration.toMillis(instance.options.daemonGrace)
  }
}

/** Carries out what the policy decided for a signal. */
const carryOut = (decision: signals.Decision): void => {
  for (const action of decision.actions) {
    switch (action._tag) {
      case "InterruptMain":
        entryInstance()?.mainThread.fiber?.interruptUnsafe()
        break
      case "ArmDeadline":
        armDeadline(action.millis, decision.code)
        break
      case "Exit":
        process.exit(decision.code)
    }
  }
}

/** The bound after the signal that cut the wait: exit, whatever still runs. */
const armDeadline = (millis: number, code: number): void => {
  setTimeout(() => {
    process.stderr.write(`${text.deadlineFired(Duration.format(Duration.millis(millis)))}\n`)
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
  options: Threading.RunMainOptions<any, any> | undefined,
  appLayer: Layer.Layer<any, any, any> | undefined
): void => {
  let adapter: Adapter = { _tag: "Loading" }
  // NodeRuntime.runMain interrupts the root fiber on every signal and cannot
  // tell them apart; this listener counts them and does what the policy says.
  const listener = (signal: signals.Signal) => carryOut(signals.decide(receiveSignal(signal), entryOf(adapter)))
  process.on("SIGINT", listener)
  process.on("SIGTERM", listener)

  // A throwing getter makes the program die with a ThreadError naming the
  // option, as an invalid value does.
  const read = options_.read(options, ["disablePrettyLogger"])
  const withLogger = <X, Y>(effect: Effect.Effect<X, Y>): Effect.Effect<X, Y> =>
    read instanceof ThreadError
      ? Effect.die(read)
      : read.disablePrettyLogger === true
      ? effect
      : Effect.provide(effect, Logger.layer([Logger.consolePretty()]))

  // Loaded here, not at the top, so that importing the library does not need
  // @effect/platform-node: only runMain does.
  import("@effect/platform-node/NodeRuntime").then((NodeRuntime) => {
    adapter = { _tag: "Loaded" }
    NodeRuntime.runMain(withLogger(mainWith(program, options, appLayer, true)), {
      disableErrorReporting: true,
      teardown: (exit) => {
        const signalled = received()
        if (Exit.isFailure(exit) && signals.printsFailure(signalled, Cause.hasInterruptsOnly(exit.cause))) {
          process.stderr.write(`${Cause.pretty(exit.cause)}\n`)
        }
        process.exit(signals.exitCode(signalled, Exit.isSuccess(exit)))
      }
    })
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
  const tracked = servers.track()
  const app = Layer.effectDiscard(Effect.addFinalizer(() => Effect.sync(tracked.closeAllConnections))).pipe(
    Layer.provideMerge(layer)
  )
  runProcess(
    Effect.never.pipe(Effect.onInterrupt(() => Effect.sync(tracked.stopAccepting))),
    options,
    app
  )
}
