import * as Cause from "effect/Cause"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import type * as Threading from "../Threading.js"
import { ThreadError } from "./errors.js"
import * as options_ from "./options.js"
import * as internal from "./threading.js"

/** Exit codes of a process ended by a signal: 128 + the signal's number. */
const signalCodes = { SIGINT: 130, SIGTERM: 143 } as const

type Signal = keyof typeof signalCodes

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
  let runtimeLoaded = false
  let instance: internal.ThreadingImpl | undefined
  let signalCode: number | undefined
  let signals = 0

  // NodeRuntime.runMain interrupts the root fiber on the first signal and then
  // stops listening; this listener tells the signals apart and handles the
  // ones that follow.
  const onSignal = (signal: Signal) => {
    signals++
    signalCode ??= signalCodes[signal]
    if (signals >= 3) {
      process.exit(signalCode)
    }
    if (instance === undefined) {
      // Nothing has started yet: there is nothing to shut down.
      if (!runtimeLoaded) process.exit(signalCode)
      return
    }
    if (signals === 1 && instance.mainThread.status === "started") {
      // The main program is running: interrupt it; shutdown follows.
      instance.mainThread.fiber!.unsafeInterruptAsFork(FiberId.none)
    } else {
      // Shutdown has begun, or this is the second signal: stop waiting for
      // the non-daemon threads; step (c) interrupts them with the daemons.
      Deferred.unsafeDone(instance.skipJoin, Exit.void)
    }
  }
  process.on("SIGINT", onSignal)
  process.on("SIGTERM", onSignal)

  // Loaded here, not at the top, so that importing the library does not need
  // @effect/platform-node: only runMain does.
  import("@effect/platform-node/NodeRuntime").then((NodeRuntime) => {
    runtimeLoaded = true
    // A throwing getter makes the program die with a ThreadError naming the
    // option, as an invalid value does.
    const read = options_.read(options, ["disablePrettyLogger"])
    const main = read instanceof ThreadError ? Effect.die(read) : internal.mainWith(program, options, (started) => {
      instance = started
    })
    NodeRuntime.runMain(
      main,
      {
        disableErrorReporting: true,
        disablePrettyLogger: !(read instanceof ThreadError) && read.disablePrettyLogger === true,
        teardown: (exit) => {
          if (Exit.isFailure(exit) && (signalCode === undefined || !Cause.isInterruptedOnly(exit.cause))) {
            process.stderr.write(`${Cause.pretty(exit.cause)}\n`)
          }
          process.exit(signalCode ?? (Exit.isSuccess(exit) ? 0 : 1))
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
