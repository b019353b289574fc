/**
 * The scheduled loop shared by `Thread.periodic` and scheduled singletons:
 * run an effect on a `Schedule`, a failed run reported through the current
 * thread's excepthook while the schedule goes on (unless `stopOnError`).
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import type * as Schedule from "effect/Schedule"
import { currentThread, reportThreadFailure } from "./threading.js"

/**
 * One run of a scheduled thread's effect. A failure or defect is reported
 * through the instance's excepthook and swallowed, so the schedule goes on;
 * with `stopOnError` it is kept and ends the thread (whose own body then
 * reports it, once). Interruption is never swallowed: it is how the thread
 * stops at shutdown.
 *
 * @internal
 */
export const runOnce = <A, E, R>(effect: Effect.Effect<A, E, R>, stopOnError: boolean): Effect.Effect<void, E, R> =>
  stopOnError ?
    Effect.asVoid(effect) :
    Effect.catchCause(
      Effect.asVoid(effect),
      (cause) =>
        Cause.hasInterruptsOnly(cause) ? Effect.failCause(cause) : Effect.flatMap(
          currentThread,
          (thread) => thread === undefined ? Effect.failCause(cause) : reportThreadFailure(thread, cause)
        )
    )

/** @internal */
export interface ScheduledOptions {
  /** `false`: wait the schedule's first delay before the first run. Default `true`. */
  readonly immediate?: boolean | undefined
  /** `true`: the first failure ends the loop (and the thread). Default `false`. */
  readonly stopOnError?: boolean | undefined
}

/**
 * `effect` on `schedule`: at once and then as the schedule says (or, with
 * `immediate: false`, after its first delay), each run as `runOnce` does.
 *
 * @internal
 */
export const scheduled = <A, E, R, Out, ES, R2>(
  effect: Effect.Effect<A, E, R>,
  schedule: Schedule.Schedule<Out, unknown, ES, R2>,
  options?: ScheduledOptions
): Effect.Effect<Out, E | ES, R | R2> => {
  const run = runOnce(effect, options?.stopOnError === true)
  return options?.immediate === false ? Effect.schedule(run, schedule) : Effect.repeat(run, schedule)
}
