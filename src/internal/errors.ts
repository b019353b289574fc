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
