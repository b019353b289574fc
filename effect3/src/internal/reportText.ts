/**
 * What the library says: the texts of its reports (the excepthook's, the
 * shutdown's warnings, the waiting line, the exit deadline), as functions of
 * the facts they tell. Where each is logged and how is `./report.ts`'s
 * business. Plain TypeScript, the same file in both editions: a wording fixed
 * here is fixed in both.
 *
 * @internal
 */

/**
 * The most names a report lists.
 *
 * @internal
 */
export const maxNames = 20

/**
 * `999980` → `999,980`.
 *
 * @internal
 */
export const withThousands = (n: number): string => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",")

/**
 * The names a report lists: at most the first 20, then `and N more` (N with
 * thousands separators). `total` counts names not passed in.
 *
 * @internal
 */
export const nameList = (names: ReadonlyArray<string>, total: number = names.length): string => {
  const shown = names.slice(0, maxNames)
  const more = total - shown.length
  return more > 0 ? `${shown.join(", ")} and ${withThousands(more)} more` : shown.join(", ")
}

/**
 * `1 non-daemon thread`, `1,000 non-daemon threads`.
 *
 * @internal
 */
export const nonDaemonCount = (n: number): string => `${withThousands(n)} non-daemon thread${n === 1 ? "" : "s"}`

/**
 * Python's `threading.excepthook` header: `Exception in thread NAME:`.
 *
 * @internal
 */
export const exceptionInThread = (name: string): string => `Exception in thread ${name}:`

/** @internal */
export const exceptionInExcepthook = "Exception in threading.excepthook:"

/** @internal */
export const exceptionInAtExit = "Exception ignored in atExit hook:"

/**
 * What the waiting line asks for: the first signal again (after a fault, any
 * signal).
 *
 * @internal
 */
export const againHint = (firstSignal: string | undefined): string =>
  firstSignal === "SIGTERM" || firstSignal === "SIGHUP"
    ? `send ${firstSignal} again to stop them`
    : firstSignal === "uncaughtException" || firstSignal === "unhandledRejection"
    ? "send SIGTERM or press Ctrl+C to stop them"
    : "press Ctrl+C again to stop them"

/**
 * What the drain's line asks for to stop at once: the first signal again.
 *
 * @internal
 */
export const stopNowHint = (firstSignal: string | undefined): string =>
  firstSignal === "SIGTERM" || firstSignal === "SIGHUP"
    ? `send ${firstSignal} again to stop now`
    : "press Ctrl+C again to stop now"

/**
 * The line logged when the first signal starts a drain (`drainDelay`).
 *
 * @internal
 */
export const draining = (delay: string, firstSignal: string | undefined): string =>
  `Draining for ${delay}: still serving while readiness reports the shutdown; ${stopNowHint(firstSignal)}`

/**
 * The report of the connections `launch` closes before the app's layer is
 * released: `unanswered` of them had a request not answered yet, the others
 * one not fully received.
 *
 * @internal
 */
export const connectionsCut = (connections: number, unanswered: number): string => {
  const plural = (n: number, noun: string): string => `${withThousands(n)} ${noun}${n === 1 ? "" : "s"}`
  const parts = [
    unanswered > 0 ? `${plural(unanswered, "request")} not answered yet` : "",
    connections > unanswered ? `${plural(connections - unanswered, "request")} not fully received` : ""
  ].filter((part) => part !== "")
  return `Closing ${plural(connections, "connection")} left at exit: ${parts.join(", ")}; ` +
    `${connections === 1 ? "its client sees" : "their clients see"} the connection reset`
}

/**
 * The line logged when a signal starts the shutdown with non-daemon threads to
 * wait for.
 *
 * @internal
 */
export const waiting = (count: number, names: string, firstSignal: string | undefined): string =>
  `Waiting for ${nonDaemonCount(count)} (${names}); ${againHint(firstSignal)}`

/**
 * A signal cut the wait for the non-daemon threads (Effect 4 edition).
 *
 * @internal
 */
export const stopping = (count: number): string => `Stopping ${nonDaemonCount(count)}...`

/**
 * A signal cut the wait for the non-daemon threads (Effect 3 edition).
 *
 * @internal
 */
export const signalCutJoin = (names: string): string =>
  `signal received while waiting for non-daemon threads; interrupting non-daemon threads still running: ${names}`

/**
 * `shutdownTimeout` cut the wait for the non-daemon threads.
 *
 * @internal
 */
export const shutdownTimeoutElapsed = (timeout: string, names: string): string =>
  `shutdownTimeout (${timeout}) elapsed; interrupting non-daemon threads still running: ${names}`

/**
 * `daemonGrace` elapsed with interrupted threads still running.
 *
 * @internal
 */
export const daemonGraceElapsed = (grace: string, names: string): string =>
  `daemonGrace (${grace}) elapsed; threads still running at exit: ${names}`

/**
 * `mainGrace` elapsed with the main program's finalizers still running.
 *
 * @internal
 */
export const mainGraceElapsed = (grace: string): string =>
  `mainGrace (${grace}) elapsed; the main program's finalizers are still running`

/**
 * The exit deadline armed by a signal fired.
 *
 * @internal
 */
export const deadlineFired = (after: string): string => `Exiting: still running ${after} after the signal`

// -----------------------------------------------------------------------------
// Faults from outside Effect
// -----------------------------------------------------------------------------

/**
 * The report of a fault from outside Effect (`origin`: Node's name for it),
 * logged at level Error with the error (and its stack) as the cause.
 *
 * @internal
 */
export const uncaught = (origin: string, code: number): string =>
  `${origin === "unhandledRejection" ? "Unhandled promise rejection" : "Uncaught exception"} outside Effect; ` +
  `shutting down as after a signal (exit code ${code})`

/**
 * The fault's report when the process exits at once (a third event, or one
 * while the runtime loads), written to stderr before the error's stack.
 *
 * @internal
 */
export const uncaughtExit = (origin: string, code: number): string =>
  `${origin === "unhandledRejection" ? "Unhandled promise rejection" : "Uncaught exception"} outside Effect; ` +
  `exiting now (exit code ${code}):`

/**
 * What is said, on the other stream, when `stream` (`stdout` or `stderr`)
 * fails — its reader has gone (`EPIPE`: `node app.js | head -1`) — once.
 *
 * @internal
 */
export const streamClosed = (stream: string, code: string): string =>
  `${stream} is closed (${code}); what the program writes to it from now on is dropped, and it goes on`

/**
 * A user's excepthook that had not ended after `excepthookTimeout`: given up
 * (interrupted), the thread's failure is reported by the default hook after
 * this line.
 *
 * @internal
 */
export const excepthookTimedOut = (timeout: string): string =>
  `threading.excepthook did not end within excepthookTimeout (${timeout}); given up:`

/**
 * A user's excepthook still running when its thread was interrupted (by the
 * shutdown, or `Thread.interrupt`), or left behind at exit: given up, the
 * thread's failure is reported by the default hook after this line.
 *
 * @internal
 */
export const excepthookStopped = "threading.excepthook was still running when its thread was stopped; given up:"

/**
 * The watchdog's line, written from outside the main thread when it ends a
 * process whose JavaScript is blocked: `after` the deadline it guarded
 * began, by `signal`.
 *
 * @internal
 */
export const watchdogFired = (after: string, what: string, signal: string): string =>
  `Exiting (${signal}): still running ${after} after ${what}; JavaScript is blocked ` +
  `(a synchronous loop in a finalizer or hook?), so nothing more can run`

/**
 * A report written with `console.error` because the logger failed while
 * writing it.
 *
 * @internal
 */
export const loggerFailed = (report: string, loggerFailure: string): string =>
  `${report}\n(a logger failed while reporting it: ${loggerFailure})`
