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
import * as FiberId from "effect/FiberId"
import type * as Thread from "../Thread.js"
import type { ThreadingImpl } from "./instance.js"
import type { Cut } from "./lifecycle.js"
import * as text from "./reportText.js"
import { currentThread, names, type ThreadImpl } from "./thread.js"
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
 * Calls `hook` for the failure of `thread`; a failing (or throwing) hook is
 * itself reported, with the thread's failure (in one write).
 */
const runExcepthook = (
  hook: (thread: Thread.Thread, cause: Cause.Cause<unknown>) => Effect.Effect<void>,
  thread: ThreadImpl<unknown, unknown>,
  cause: Cause.Cause<unknown>
): Effect.Effect<void> =>
  callExcepthook(hook, thread, cause).pipe(
    Effect.catchAllCause((hookCause) =>
      report(
        `${text.exceptionInExcepthook}\n${Cause.pretty(hookCause)}\n${text.exceptionInThread(thread.name)}`,
        cause
      )
    )
  )

/**
 * The user's excepthooks still running, by thread, with what gives each up:
 * the step (c) cut by `daemonGrace` reports the failures of the threads it
 * leaves behind in their hook (`reportCut`). Whoever takes a thread out of
 * it gives its hook up; the hook that ends takes itself out.
 */
const runningHooks = new WeakMap<ThreadImpl<unknown, unknown>, Effect.Effect<void>>()

/**
 * A user's excepthook, bounded: it runs in a fiber of its own (forked as a
 * daemon: the thread's fiber refs, its `Clock`), which the thread waits for —
 * at most `excepthookTimeout`. A hook still running then is given up:
 * interrupted (not waited for), with a report that says so and the thread's
 * failure, in one write. The thread's interruption while it waits (step (c),
 * `Thread.interrupt`) gives the hook up at once, in the same way — unless the
 * failure came with the thread's interruption (a daemon whose finalizer died
 * at step (c)): the hook then has its `excepthookTimeout`, and, if
 * `daemonGrace` runs out first, the cut's report gives it up
 * (`runningHooks`). A hook can neither hold the exit open nor hide the
 * failure it was given.
 */
const boundedExcepthook = (
  hook: (thread: Thread.Thread, cause: Cause.Cause<unknown>) => Effect.Effect<void>,
  thread: ThreadImpl<unknown, unknown>,
  cause: Cause.Cause<unknown>
): Effect.Effect<void> =>
  Effect.gen(function*() {
    const timeout = thread.instance.options.excepthookTimeout
    // forked where interruption is off (a thread's last step): interruptible again, so that giving up stops them
    const hookFiber = yield* Effect.forkDaemon(Effect.interruptible(runExcepthook(hook, thread, cause)))
    const timer = yield* Effect.forkDaemon(Effect.interruptible(Effect.sleep(timeout)))
    const giveUp = (line: string): Effect.Effect<void> =>
      Effect.suspend(() => {
        if (!runningHooks.delete(thread)) return Effect.void
        hookFiber.unsafeInterruptAsFork(FiberId.none)
        return report(`${line}\n${text.exceptionInThread(thread.name)}`, cause)
      })
    runningHooks.set(thread, giveUp(text.excepthookStopped))
    // One callback, resumed by the hook's end or the timer's, whichever comes first: a race would wait for its
    // loser where interruption is off, and a hook may never yield to interruption.
    const ended = Effect.async<boolean>((resume) => {
      timer.addObserver(() => resume(Effect.succeed(false)))
      hookFiber.addObserver(() => {
        runningHooks.delete(thread)
        resume(Effect.succeed(true))
        timer.unsafeInterruptAsFork(FiberId.none)
      })
      return Effect.sync(() => timer.unsafeInterruptAsFork(FiberId.none))
    })
    const bounded = Effect.flatMap(
      ended,
      (done) => done ? Effect.void : giveUp(text.excepthookTimedOut(Duration.format(timeout)))
    )
    return yield* Cause.isInterrupted(cause)
      ? bounded
      : Effect.interruptible(bounded).pipe(Effect.onInterrupt(() => giveUp(text.excepthookStopped)))
  })

/**
 * Reports a thread's failure through its instance's excepthook; a failing
 * (or throwing) hook is itself reported, with the thread's failure (in one
 * write), and a user's hook is bounded (`boundedExcepthook`): nothing is
 * lost. Never fails, so a thread's exit stays its own.
 *
 * @internal
 */
export const reportThreadFailure = (
  thread: ThreadImpl<unknown, unknown>,
  cause: Cause.Cause<unknown>
): Effect.Effect<void> => {
  const hook = thread.instance.options.excepthook
  return hook === undefined ? defaultExcepthook(thread, cause) : boundedExcepthook(hook, thread, cause)
}

/**
 * Gives up the excepthooks the threads `left` behind at exit are still in:
 * their failures are reported.
 */
const giveUpHooks = (left: ReadonlyArray<Fiber.RuntimeFiber<unknown, unknown>>): Effect.Effect<void> =>
  Effect.forEach(left, (fiber) => {
    const thread = fiber.getFiberRef(currentThread)
    return (thread === undefined ? undefined : runningHooks.get(thread)) ?? Effect.void
  }, { discard: true })

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
  const warning = warn(
    by === "signal"
      ? text.signalCutJoin(names(left))
      : by === "shutdownTimeout"
      ? text.shutdownTimeoutElapsed(Duration.format(options.shutdownTimeout!), names(left))
      : by === "daemonGrace"
      ? text.daemonGraceElapsed(Duration.format(options.daemonGrace), names(left))
      : text.mainGraceElapsed(Duration.format(options.mainGrace!))
  )
  return by === "daemonGrace" ? Effect.andThen(warning, giveUpHooks(left)) : warning
}
