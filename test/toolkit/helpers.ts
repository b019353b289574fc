/**
 * Helpers for the toolkit tests: run a program as a main thread on TestClock
 * with a recording console and an excepthook that records what it is given.
 */
import { Cause, Effect } from "effect"
import type { Duration, Exit } from "effect"
import { Threading } from "effect-threading"
import { makeTestConsole, runVirtual, withConsole } from "../utils.js"

/** One call of the excepthook: the thread's name and the cause's squashed error. */
export interface Hooked {
  readonly thread: string
  readonly error: unknown
}

/**
 * Runs `program` with `Threading.main` on TestClock up to `horizon`, with a
 * recording console and a recording excepthook. `exit`/`endedAt` are
 * `undefined` if the program had not ended by the horizon.
 */
export const runRecorded = <A, E>(
  program: Effect.Effect<A, E, Threading.Threading>,
  horizon: Duration.Input = "1 hour",
  options?: Omit<Threading.Options, "excepthook">
) =>
  Effect.gen(function*() {
    const { console, err, out } = makeTestConsole()
    const hooked: Array<Hooked> = []
    const excepthook = (thread: { readonly name: string }, cause: Cause.Cause<unknown>) =>
      Effect.sync(() => void hooked.push({ thread: thread.name, error: Cause.squash(cause) }))
    const { exit, endedAt } = yield* runVirtual(
      Threading.main(program, { ...options, excepthook }).pipe(withConsole(console)),
      horizon
    )
    return { exit: exit as Exit.Exit<A, E> | undefined, endedAt, hooked, err, out }
  })
