import * as Data from "effect/Data"

/**
 * The error for misuse of a thread, with the same message Python's
 * `threading` module raises (`RuntimeError: ...`) for the same mistake.
 *
 * @since 0.1.0
 * @category errors
 */
export class ThreadError extends Data.TaggedError("ThreadError")<{
  readonly message: string
}> {}

/** @internal */
export const messages = {
  startedTwice: "threads can only be started once",
  joinBeforeStart: "cannot join thread before it is started",
  joinCurrent: "cannot join current thread",
  daemonOfActive: "cannot set daemon status of active thread",
  atShutdown: "can't create new thread at interpreter shutdown",
  atExitAfterShutdown: "can't register atexit after shutdown"
} as const

/** @internal */
export const make = (message: string): ThreadError => new ThreadError({ message })

/**
 * The stack of a call to `fn`, from its caller's frame on (V8's
 * `Error.captureStackTrace`; `undefined` elsewhere): taken when a call is seen
 * to be a misuse as it is made, so that the error names the user's line
 * rather than the library's. It costs a stack walk: only on that path.
 *
 * @internal
 */
export const callSite = (fn: Function): string | undefined => {
  const holder: { stack?: string } = {}
  const capture = (Error as { captureStackTrace?: (target: object, fn: Function) => void }).captureStackTrace
  if (capture === undefined) return undefined
  capture(holder, fn)
  // `fn` not on the stack (a data-last call applied later by `pipe`): no frames, no site.
  return holder.stack?.includes("\n") ? holder.stack : undefined
}

/**
 * A `ThreadError` for a misuse, whose stack is the call's (`callSite`) when
 * there is one: `Cause.pretty` then shows the caller's file and line.
 *
 * @internal
 */
export const misuse = (message: string, site: string | undefined): ThreadError => {
  const error = make(message)
  if (site !== undefined) {
    const frames = site.indexOf("\n")
    error.stack = `${error.name}: ${message}${frames === -1 ? "" : site.slice(frames)}`
  }
  return error
}
