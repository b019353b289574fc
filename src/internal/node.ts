/**
 * The Node entry points, `Threading.runMain` and `Threading.launch`: a thin
 * adapter that runs `mainWith` under `NodeRuntime.runMain`, listens to the
 * process's signals and to the faults from outside Effect (`./faults.ts`:
 * uncaught exceptions, a closed stdout) and carries out what the signal
 * policy (`./signals.ts`) decides — interrupt the main program, arm the exit
 * deadline, exit — and the teardown (the exit code, the failure printed) —
 * and the drain (`drainDelay`). What must hold while JavaScript is blocked
 * (`./watchdog.ts`) it arms as the policy says. `launch` also tracks the Node
 * servers a Layer app opens (`./servers.ts`).
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import type * as Threading from "../Threading.js"
import { mainWith } from "./entry.js"
import { ThreadError } from "./errors.js"
import * as faults from "./faults.js"
import { entryInstance, received, receiveSignal, type ThreadingImpl } from "./instance.js"
import { maxTimerMillis } from "./messages.js"
import { shutdownReport } from "./report.js"
import * as text from "./reportText.js"
import * as servers from "./servers.js"
import { StoppingHook } from "./shutdown.js"
import * as signals from "./signals.js"
import * as validate from "./validate.js"
import * as watchdog from "./watchdog.js"

/** The command that installs what `runMain` needs, for this edition. */
const installHint = "npm install @effect/platform-node@^4.1.0"

/**
 * Where the adapter is:
 *
 * - `Loading`: `@effect/platform-node` is being loaded (a signal then exits
 *   at once: nothing has started).
 * - `Starting`: the runtime runs; the fiber that runs the program has not
 *   been forked yet.
 * - `Running`: `program` is the fiber that runs `mainWith` (its interruption
 *   stops the main program, waiting for its finalizers at most `mainGrace`).
 * - `Draining`: the same, and `drain`, the fiber of the drain under way.
 */
type Adapter =
  | { readonly _tag: "Loading" }
  | { readonly _tag: "Starting" }
  | { readonly _tag: "Running"; readonly program: Fiber.Fiber<unknown, unknown> }
  | {
    readonly _tag: "Draining"
    readonly program: Fiber.Fiber<unknown, unknown>
    readonly drain: Fiber.Fiber<unknown, unknown>
  }

/** The entry point as the signal policy sees it. */
const entryOf = (adapter: Adapter, drainDelay: Duration.Duration): signals.Entry => {
  if (adapter._tag === "Loading") return { _tag: "Loading" }
  const instance = entryInstance()
  return instance === undefined || adapter._tag === "Starting" ? { _tag: "Starting" } : {
    _tag: "Running",
    phase: instance.phase,
    mainRunning: instance.mainThread.status === "started",
    daemonGraceMillis: Duration.toMillis(instance.options.daemonGrace),
    drainMillis: Duration.toMillis(drainDelay),
    draining: adapter._tag === "Draining" && adapter.drain.pollUnsafe() === undefined
  }
}

/** Carries out what the policy decided for an event (`received`, counted): the adapter as it is next. */
const carryOut = (adapter: Adapter, decision: signals.Decision, received: signals.Received): Adapter => {
  for (const action of decision.actions) {
    switch (action._tag) {
      case "InterruptMain":
        if (adapter._tag === "Draining") adapter.drain.interruptUnsafe()
        if (adapter._tag === "Running" || adapter._tag === "Draining") adapter.program.interruptUnsafe()
        break
      case "StartDrain": {
        const instance = entryInstance()
        if ((adapter._tag === "Running" || adapter._tag === "Draining") && instance !== undefined) {
          adapter = {
            _tag: "Draining",
            program: adapter.program,
            drain: drain(instance, adapter.program, action.millis)
          }
        }
        break
      }
      case "ArmDeadline":
        armDeadline(action.millis, decision.code, received)
        break
      case "Exit":
        process.exit(decision.code)
    }
  }
  return adapter
}

/**
 * The drain (`drainDelay`), started by the first signal while the main
 * program runs, instead of interrupting it: the app goes on serving —
 * `Threading.shuttingDown` (the readiness probe) already says it is stopping,
 * so that load balancers take it out — and one line says so; when `millis`
 * have elapsed (on the instance's `Clock`), the main program is interrupted
 * and the shutdown goes on as without a drain. A second signal interrupts
 * the drain and the program at once (`InterruptMain`).
 */
const drain = (
  instance: ThreadingImpl,
  program: Fiber.Fiber<unknown, unknown>,
  millis: number
): Fiber.Fiber<unknown, unknown> => {
  const delay = Duration.millis(millis)
  const line = text.draining(Duration.format(delay), received().first)
  return Effect.runForkWith(instance.mainThread.fiber!.context)(
    shutdownReport(instance, "Warn", line, undefined, { drainDelay: Duration.format(delay) }).pipe(
      Effect.andThen(Effect.sleep(delay)),
      Effect.andThen(Effect.sync(() => program.interruptUnsafe()))
    )
  )
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
 * Reports a fault from outside Effect: through the app's loggers, as the
 * shutdown's reports are (in the context of the fiber that runs the program,
 * which outlives the main program); written to stderr at once if the
 * process exits now or there is no instance yet.
 */
const reportFault = (adapter: Adapter, error: unknown, origin: signals.Fault, decision: signals.Decision): void => {
  const cause = Cause.die(error)
  const instance = entryInstance()
  const exits = decision.actions.some((action) => action._tag === "Exit")
  const context = adapter._tag === "Running" || adapter._tag === "Draining" ? adapter.program.context : undefined
  if (exits || instance === undefined || context === undefined) {
    const line = exits ? text.uncaughtExit(origin, decision.code) : text.uncaught(origin, decision.code)
    process.stderr.write(`${line}\n${Cause.pretty(cause)}\n`)
  } else {
    Effect.runForkWith(context)(
      shutdownReport(instance, "Error", text.uncaught(origin, decision.code), cause, { fault: origin })
    )
  }
}

/**
 * Runs `program` as the main thread of a fresh instance under
 * `NodeRuntime.runMain`, with the app's `layer` built after the instance and
 * released after step (c), the signal handling and the teardown Python users
 * expect: `Threading.runMain` and `Threading.launch`.
 */
const runProcess = <A, E>(
  program: Effect.Effect<A, E, any>,
  input: validate.NodeEntry | ThreadError
): void => {
  let adapter: Adapter = { _tag: "Loading" }
  const drainDelay = input instanceof ThreadError ? Duration.zero : input.drainDelay
  // NodeRuntime.runMain interrupts the root fiber on every signal (`shielded`
  // keeps that from the program) and cannot tell them apart; this listener
  // counts them (and the faults) and does what the policy says.
  const onEvent = (event: signals.Event, error?: unknown) => {
    const next = signals.count(received(), event)
    // First of all: what follows may run the shutdown on, synchronously, up to a hook that blocks JavaScript
    // (and a signal caught meanwhile would reach no listener once they are removed).
    releaseSignals(next)
    const decision = signals.decide(next, entryOf(adapter, drainDelay), event)
    // a fault is reported before anything it causes
    if (!signals.isSignal(event)) reportFault(adapter, error, event, decision)
    adapter = carryOut(adapter, decision, receiveSignal(event))
  }
  for (const signal of signals.handledSignals) process.on(signal, onEvent)
  if (input instanceof ThreadError || input.uncaught === "shutdown") {
    faults.listenUncaught((error, origin) => onEvent(origin, error))
  }
  faults.guardStdio()

  // Bad input (`validate.ts`) makes the program die with the ThreadError
  // naming it, before anything runs: exit code 1, the error on stderr.
  const withLogger = <X, Y>(main: (input: validate.NodeEntry) => Effect.Effect<X, Y>): Effect.Effect<X, Y> =>
    input instanceof ThreadError
      ? Effect.die(input)
      : input.disablePrettyLogger
      ? main(input)
      : Effect.provide(main(input), Logger.layer([Logger.consolePretty()]))

  /**
   * Runs `effect` in a fiber of its own, which only the signal policy
   * interrupts (the root fiber does not pass on the interruption
   * `NodeRuntime.runMain` makes at every signal, which could not wait for a
   * drain), and records it as the adapter's `program`.
   */
  const shielded = <X, Y>(effect: Effect.Effect<X, Y>): Effect.Effect<X, Y> =>
    Effect.uninterruptibleMask((restore) =>
      Effect.flatMap(Effect.forkChild(restore(effect)), (fiber) => {
        adapter = { _tag: "Running", program: fiber }
        return Fiber.join(fiber)
      })
    )

  // Loaded here, not at the top, so that importing the library does not need
  // @effect/platform-node: only runMain does.
  import("@effect/platform-node/NodeRuntime").then((NodeRuntime) => {
    adapter = { _tag: "Starting" }
    const main = (input: validate.NodeEntry) =>
      Effect.provideService(mainWith(program as Effect.Effect<A, E>, input, true), StoppingHook, onStopping)
    NodeRuntime.runMain(withLogger((input) => shielded(main(input))), {
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
): void => runProcess(program, validate.runMain(program, options))

/**
 * `Threading.launch`: a Layer app as the main program. The layer is built in
 * the instance's resources scope, so what it provides outlives every thread;
 * its Node servers answer with `Connection: close` during the drain (from the
 * first signal, with a `drainDelay`), stop accepting (and drop idle
 * connections) as soon as the shutdown starts, and their remaining
 * connections are closed — and reported — before the layer is released.
 *
 * @internal
 */
export const launch = <ROut, E>(
  layer: Layer.Layer<ROut, E, any>,
  options?: Threading.LaunchOptions
): void => {
  // Checked before the servers are tracked: bad input starts nothing.
  const input = validate.launch(layer, options)
  if (input instanceof ThreadError) return runProcess(Effect.void, input)
  // With a drain, every answer from the first signal on closes its connection, so that keep-alive clients
  // reconnect elsewhere while the app still listens; without one, the answers in flight at the stop do.
  const drains = Duration.isGreaterThan(input.drainDelay, Duration.zero)
  const tracked = servers.track(() => drains && received().count > 0)
  const app = Layer.effectDiscard(Effect.addFinalizer(() => tracked.closeAllConnections)).pipe(
    Layer.provideMerge(layer)
  )
  runProcess(Effect.never.pipe(Effect.onInterrupt(() => tracked.stopAccepting)), { ...input, layer: app })
}
