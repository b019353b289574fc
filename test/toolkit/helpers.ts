/**
 * Helpers for the toolkit tests: run a program as a main thread on TestClock
 * with a recording console, a recording logger (the library's reports) and
 * an excepthook that records what it is given.
 */
import { Cause, Effect } from "effect"
import type { Duration, Exit } from "effect"
import { Threading } from "effect-threading"
import { makeTestConsole, makeTestLogger, runVirtual, withConsole } from "../utils.js"

/** One call of the excepthook: the thread's name and the cause's squashed error. */
export interface Hooked {
  readonly thread: string
  readonly error: unknown
}

/**
 * Runs `program` with `Threading.main` on TestClock up to `horizon`, with a
 * recording console, a recording logger and a recording excepthook.
 * `reports` are the messages logged (the library's warnings, the dump).
 * `exit`/`endedAt` are `undefined` if the program had not ended by the horizon.
 */
export const runRecorded = <A, E>(
  program: Effect.Effect<A, E, Threading.Threading>,
  horizon: Duration.Input = "1 hour",
  options?: Omit<Threading.Options, "excepthook">
) =>
  Effect.gen(function*() {
    const { console, out } = makeTestConsole()
    const logger = makeTestLogger()
    const hooked: Array<Hooked> = []
    const excepthook = (thread: { readonly name: string }, cause: Cause.Cause<unknown>) =>
      Effect.sync(() => void hooked.push({ thread: thread.name, error: Cause.squash(cause) }))
    const { exit, endedAt } = yield* runVirtual(
      Threading.main(program, { ...options, excepthook }).pipe(withConsole(console), logger.withLogger),
      horizon
    )
    return { exit: exit as Exit.Exit<A, E> | undefined, endedAt, hooked, reports: logger.messages(), out }
  })
