/**
 * How the library reports: a thread's failure through the excepthook, the
 * shutdown's warnings and the thread dump, through the app's loggers. The
 * texts themselves are `./reportText.ts`'s.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import * as References from "effect/References"
import type * as Thread from "../Thread.js"
import * as dump_ from "./dump.js"
import type { ThreadingImpl } from "./instance.js"
import type { Cut } from "./lifecycle.js"
import * as observability from "./observability.js"
import * as text from "./reportText.js"
import { currentThread, firstNames, names, type ThreadImpl } from "./thread.js"
import { describe } from "./validate.js"

/**
 * Logs a report of the library — a warning, the thread dump, a failure no one
 * else handles — through the app's loggers (`Effect.logWarning` /
 * `Effect.logError`), with `fields` as log annotations (`thread` among them)
 * and `cause` as the entry's cause. The built-in console loggers (Effect's
 * default one, `Logger.consolePretty`) write it to stderr
 * (`References.LogToStderr`), where Python prints its warnings and
 * tracebacks; a logger the app installs writes it where it writes the rest.
 *
 * A logger that throws cannot cut the shutdown short, nor lose the report:
 * the report is then written with `console.error`, with the logger's failure.
 *
 * @internal
 */
export const report = (
  level: "Warn" | "Error",
  message: string,
  fields: Readonly<Record<string, unknown>>,
  cause?: Cause.Cause<unknown>
): Effect.Effect<void> => {
  const log = level === "Warn" ? Effect.logWarning : Effect.logError
  return (cause === undefined ? log(message) : log(message, cause)).pipe(
    Effect.annotateLogs(fields),
    Effect.provideService(References.LogToStderr, true),
    Effect.catchCause((loggerCause) =>
      Effect.sync(() => {
        const report = cause === undefined ? message : `${message}\n${Cause.pretty(cause)}`
        globalThis.console.error(text.loggerFailed(report, Cause.pretty(loggerCause)))
      })
    )
  )
}

// -----------------------------------------------------------------------------
// A thread's failure
// -----------------------------------------------------------------------------

/**
 * Python's `threading.excepthook`: `Exception in thread NAME:` and the
 * cause, logged at level Error (see `report`).
 *
 * @internal
 */
export const defaultExcepthook = (thread: Thread.Thread, cause: Cause.Cause<unknown>): Effect.Effect<void> =>
  report("Error", text.exceptionInThread(thread.name), { thread: thread.name }, cause)

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
 * itself reported, then the thread's failure by the default hook.
 */
const runExcepthook = (
  hook: (thread: Thread.Thread, cause: Cause.Cause<unknown>) => Effect.Effect<void>,
  thread: ThreadImpl<unknown, unknown>,
  cause: Cause.Cause<unknown>
): Effect.Effect<void> =>
  callExcepthook(hook, thread, cause).pipe(
    Effect.catchCause((hookCause) =>
      Effect.andThen(
        report("Error", text.exceptionInExcepthook, { thread: thread.name }, hookCause),
        defaultExcepthook(thread, cause)
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
 * A user's excepthook, bounded: it runs in a fiber of its own (in the
 * thread's context: its logs carry the thread, its time is the instance's
 * `Clock`), which the thread waits for — at most `excepthookTimeout`. A hook
 * still running then is given up: interrupted (not waited for), with a
 * report that says so and the thread's failure by the default hook. The
 * thread's interruption while it waits (step (c), `Thread.interrupt`) gives
 * the hook up at once, in the same way — unless the failure came with the
 * thread's interruption (a daemon whose finalizer died at step (c)): the
 * hook then has its `excepthookTimeout`, and, if `daemonGrace` runs out
 * first, the cut's report gives it up (`runningHooks`). A hook can neither
 * hold the exit open nor hide the failure it was given.
 */
const boundedExcepthook = (
  hook: (thread: Thread.Thread, cause: Cause.Cause<unknown>) => Effect.Effect<void>,
  thread: ThreadImpl<unknown, unknown>,
  cause: Cause.Cause<unknown>
): Effect.Effect<void> =>
  Effect.withFiber((fiber) => {
    const timeout = thread.instance.options.excepthookTimeout
    const hookFiber = Effect.runForkWith(fiber.context)(runExcepthook(hook, thread, cause))
    const giveUp = (line: string): Effect.Effect<void> =>
      Effect.suspend(() => {
        if (!runningHooks.delete(thread)) return Effect.void
        hookFiber.interruptUnsafe()
        return Effect.andThen(report("Error", line, { thread: thread.name }), defaultExcepthook(thread, cause))
      })
    runningHooks.set(thread, giveUp(text.excepthookStopped))
    // One callback, resumed by the hook's end or the timer's, whichever comes first: a race would wait for its
    // loser where interruption is off (a thread's last step), and a hook may never yield to interruption.
    const ended = Effect.callback<boolean>((resume) => {
      const timer = Effect.runForkWith(fiber.context)(Effect.sleep(timeout))
      timer.addObserver(() => resume(Effect.succeed(false)))
      hookFiber.addObserver(() => {
        runningHooks.delete(thread)
        resume(Effect.succeed(true))
        timer.interruptUnsafe()
      })
      return Effect.sync(() => timer.interruptUnsafe())
    })
    const bounded = Effect.flatMap(
      ended,
      (done) => done ? Effect.void : giveUp(text.excepthookTimedOut(Duration.format(timeout)))
    )
    return Cause.hasInterrupts(cause)
      ? bounded
      : Effect.interruptible(bounded).pipe(
        Effect.onInterrupt(() => giveUp(text.excepthookStopped))
      )
  })

/**
 * Reports a thread's failure through its instance's excepthook; a failing
 * (or throwing) hook is itself reported, with the thread's failure, and a
 * user's hook is bounded (`boundedExcepthook`): nothing is lost. Never
 * fails, so a thread's exit stays its own.
 *
 * @internal
 */
export const reportThreadFailure = (
  thread: ThreadImpl<unknown, unknown>,
  cause: Cause.Cause<unknown>
): Effect.Effect<void> => {
  const hook = thread.instance.options.excepthook
  return Effect.andThen(
    observability.threadFailed(thread),
    hook === undefined ? defaultExcepthook(thread, cause) : boundedExcepthook(hook, thread, cause)
  )
}

/**
 * Gives up the excepthooks the threads `left` behind at exit are still in:
 * their failures are reported.
 */
const giveUpHooks = (left: ReadonlyArray<Fiber.Fiber<unknown, unknown>>): Effect.Effect<void> =>
  Effect.forEach(left, (fiber) => {
    const thread = fiber.getRef(currentThread)
    return (thread === undefined ? undefined : runningHooks.get(thread)) ?? Effect.void
  }, { discard: true })

// -----------------------------------------------------------------------------
// The shutdown's reports
// -----------------------------------------------------------------------------

/**
 * The logging services of `services` (loggers, minimum level), those it has:
 * what the shutdown's reports use when the app's layer provides them.
 *
 * @internal
 */
export const loggingOf = (services: Context.Context<never>): Context.Context<never> => {
  let logging = Context.empty()
  const loggers = Context.getOrUndefined(services, References.CurrentLoggers)
  if (loggers !== undefined) logging = Context.add(logging, References.CurrentLoggers, loggers)
  const level = Context.getOrUndefined(services, References.MinimumLogLevel)
  if (level !== undefined) logging = Context.add(logging, References.MinimumLogLevel, level)
  return logging
}

/**
 * A report of the shutdown of `self`, from its main thread, through the app
 * layer's loggers if it has some (`ThreadingImpl.logging`).
 *
 * @internal
 */
export const shutdownReport = (
  self: ThreadingImpl,
  level: "Warn" | "Error",
  message: string,
  cause?: Cause.Cause<unknown>,
  fields?: Readonly<Record<string, unknown>>
): Effect.Effect<void> =>
  Effect.provideContext(report(level, message, { ...fields, thread: self.mainThread.name }, cause), self.logging)

/**
 * A warning of the shutdown about `fibers`, with the names of the first 20
 * (`threads`) and how many there are (`threadCount`) as fields.
 *
 * @internal
 */
export const warn = (
  self: ThreadingImpl,
  message: string,
  fibers: ReadonlyArray<Fiber.Fiber<unknown, unknown>>
): Effect.Effect<void> =>
  Effect.provideContext(
    report("Warn", message, {
      thread: self.mainThread.name,
      threads: firstNames(fibers),
      threadCount: fibers.length
    }),
    self.logging
  )

/**
 * Logs the thread dump of `self` (`Threading.dump`, as `formatDump` prints
 * it, its first 100 threads) as one warning: what the shutdown is waiting
 * for when it cuts a wait.
 *
 * @internal
 */
export const logDump = (self: ThreadingImpl): Effect.Effect<void> =>
  Effect.withFiber((fiber) => {
    const dump = dump_.take(self, fiber, undefined)
    return Effect.provideContext(
      report("Warn", dump_.format(dump, dump_.loggedThreads), {
        thread: self.mainThread.name,
        threadCount: dump.threads.length
      }),
      self.logging
    )
  })

/**
 * Reports that `by` cut a wait of the shutdown short with the threads `left`
 * still running: the warning that says so, then the thread dump.
 *
 * @internal
 */
export const reportCut = (
  self: ThreadingImpl,
  by: Cut,
  left: ReadonlyArray<Fiber.Fiber<unknown, unknown>>
): Effect.Effect<void> => {
  const options = self.options
  const warning = by === "signal"
    ? warn(self, text.stopping(left.length), left)
    : by === "shutdownTimeout"
    ? warn(self, text.shutdownTimeoutElapsed(Duration.format(options.shutdownTimeout!), names(left)), left)
    : by === "daemonGrace"
    ? warn(self, text.daemonGraceElapsed(Duration.format(options.daemonGrace), names(left)), left)
    : shutdownReport(self, "Warn", text.mainGraceElapsed(Duration.format(options.mainGrace!)))
  return Effect.andThen(
    warning,
    by === "daemonGrace" ? Effect.andThen(logDump(self), giveUpHooks(left)) : logDump(self)
  )
}
