/**
 * How the library reports: a thread's failure through the excepthook, and the
 * shutdown's warnings, written to stderr with `Console.error` (this edition
 * does not log them through the app's loggers, and prints no thread dump).
 * The texts themselves are `./reportText.ts`'s.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Console from "effect/Console"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import type * as Thread from "../Thread.js"
import type { ThreadingImpl } from "./instance.js"
import type { Cut } from "./lifecycle.js"
import * as text from "./reportText.js"
import { names, type ThreadImpl } from "./thread.js"
import { describe } from "./validate.js"

/**
 * Writes a report of the library — a failure no one else handles — to
 * stderr: `message`, then the pretty-printed `cause` if there is one.
 *
 * @internal
 */
export const report = (message: string, cause?: Cause.Cause<unknown>): Effect.Effect<void> =>
  Console.error(cause === undefined ? message : `${message}\n${Cause.pretty(cause)}`)

// -----------------------------------------------------------------------------
// A thread's failure
// -----------------------------------------------------------------------------

/**
 * Python's `threading.excepthook`: `Exception in thread NAME:` and the
 * cause, on stderr.
 *
 * @internal
 */
export const defaultExcepthook = (thread: Thread.Thread, cause: Cause.Cause<unknown>): Effect.Effect<void> =>
  report(text.exceptionInThread(thread.name), cause)

/**
 * Calls a user's excepthook: a hook that throws, or returns something that is
 * not an Effect, fails (dies) like a hook whose Effect fails.
 */
const callExcepthook = (
  hook: (thread: Thread.Thread, cause: Cause.Cause<unknown>) => Effect.Effect<void>,
  thread: ThreadImpl<unknown, unknown>,
  cause: Cause.Cause<unknown>
): Effect.Effect<void> =>
  Effect.suspend(() => {
    // `suspend` turns a throw into a defect.
    const result: unknown = hook(thread, cause)
    return Effect.isEffect(result)
      ? result as Effect.Effect<void>
      : Effect.die(new TypeError(`excepthook returned ${describe(result)}, not an Effect`))
  })

/**
 * Reports a thread's failure through its instance's excepthook; a failing
 * (or throwing) hook is itself reported, with the thread's failure (in one
 * write): nothing is lost. Never fails, so a thread's exit stays its own.
 *
 * @internal
 */
export const reportThreadFailure = (
  thread: ThreadImpl<unknown, unknown>,
  cause: Cause.Cause<unknown>
): Effect.Effect<void> =>
  callExcepthook(thread.instance.options.excepthook ?? defaultExcepthook, thread, cause).pipe(
    Effect.catchAllCause((hookCause) =>
      report(
        `${text.exceptionInExcepthook}\n${Cause.pretty(hookCause)}\n${text.exceptionInThread(thread.name)}`,
        cause
      )
    )
  )

// -----------------------------------------------------------------------------
// The shutdown's reports
// -----------------------------------------------------------------------------

/**
 * A warning of the shutdown: `Warning: MESSAGE` on stderr.
 *
 * @internal
 */
export const warn = (message: string): Effect.Effect<void> => Console.error(`Warning: ${message}`)

/**
 * Reports that `by` cut a wait of the shutdown of `self` short with the
 * threads `left` still running: the warning that says so.
 *
 * @internal
 */
export const reportCut = (
  self: ThreadingImpl,
  by: Cut,
  left: ReadonlyArray<Fiber.RuntimeFiber<unknown, unknown>>
): Effect.Effect<void> => {
  const options = self.options
  return warn(
    by === "signal"
      ? text.signalCutJoin(names(left))
      : by === "shutdownTimeout"
      ? text.shutdownTimeoutElapsed(Duration.format(options.shutdownTimeout!), names(left))
      : by === "daemonGrace"
      ? text.daemonGraceElapsed(Duration.format(options.daemonGrace), names(left))
      : text.mainGraceElapsed(Duration.format(options.mainGrace!))
  )
}
