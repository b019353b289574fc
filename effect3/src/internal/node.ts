/**
 * The Node entry point, `Threading.runMain`: a thin adapter that runs
 * `mainWith` under `NodeRuntime.runMain`, listens to the process's signals and
 * carries out what the signal policy (`./signals.ts`) decides — interrupt the
 * main program, arm the exit deadline, exit — and the teardown (the exit code,
 * the failure printed).
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
import { entryInstance, received, receiveSignal } from "./instance.js"
import { maxTimerMillis } from "./messages.js"
import * as text from "./reportText.js"
import * as signals from "./signals.js"
import * as validate from "./validate.js"

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

/** Carries out what the policy decided for a signal. */
const carryOut = (decision: signals.Decision): void => {
  for (const action of decision.actions) {
    switch (action._tag) {
      case "InterruptMain":
        entryInstance()?.mainThread.fiber?.unsafeInterruptAsFork(FiberId.none)
        break
      case "StartDrain": // never decided without a drainDelay
        break
      case "ArmDeadline":
        armDeadline(action.millis, decision.code)
        break
      case "Exit":
        process.exit(decision.code)
    }
  }
}

/**
 * The bound after the signal that cut the wait: exit, whatever still runs. At
 * most what a Node timer holds (beyond it, Node fires it at once): the exit
 * then comes earlier, still within the bound.
 */
const armDeadline = (decided: number, code: number): void => {
  const millis = Math.min(decided, maxTimerMillis)
  setTimeout(() => {
    process.stderr.write(`${text.deadlineFired(Duration.format(Duration.millis(millis)))}\n`)
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
  const input = validate.runMain(program, options)
  let adapter: Adapter = { _tag: "Loading" }
  // NodeRuntime.runMain interrupts the root fiber on the first signal and then
  // stops listening; this listener counts every signal and does what the
  // policy says.
  const listener = (signal: signals.Signal) => carryOut(signals.decide(receiveSignal(signal), entryOf(adapter)))
  process.on("SIGINT", listener)
  process.on("SIGTERM", listener)

  // Loaded here, not at the top, so that importing the library does not need
  // @effect/platform-node: only runMain does.
  import("@effect/platform-node/NodeRuntime").then((NodeRuntime) => {
    adapter = { _tag: "Loaded" }
    // Bad input (`validate.ts`) makes the program die with the ThreadError
    // naming it, before anything runs: exit code 1, the error on stderr.
    const main = input instanceof ThreadError
      ? Effect.die(input)
      : mainWith(program as Effect.Effect<A, E>, input, true)
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
