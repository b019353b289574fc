/**
 * The scheduled loop shared by `Thread.periodic` and scheduled singletons:
 * run an effect on a `Schedule`, a failed run reported through the current
 * thread's excepthook while the schedule goes on (unless `stopOnError`).
 *
 * Scheduled singletons add two things: a check before each run (their
 * lease, `ScheduledOptions.beforeEach`), and quiet outages (`scheduledQuietly`) —
 * while runs keep failing (their database is down, say), the first failure
 * is reported as always, the next ones are only counted, the attempts back off
 * on a `Schedule`, and the outage's end is logged once, with its count and
 * length: one report per outage instead of one stack per attempt.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Pull from "effect/Pull"
import * as Ref from "effect/Ref"
import * as Schedule from "effect/Schedule"
import { reportThreadFailure } from "./report.js"
import { currentThread } from "./thread.js"

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
      (cause) => Cause.hasInterruptsOnly(cause) ? Effect.failCause(cause) : report(cause)
    )

const report = <E>(cause: Cause.Cause<E>): Effect.Effect<void, E> =>
  Effect.flatMap(
    currentThread,
    (thread) => thread === undefined ? Effect.failCause(cause) : reportThreadFailure(thread, cause)
  )

/** @internal */
export interface ScheduledOptions {
  /** `false`: wait the schedule's first delay before the first run. Default `true`. */
  readonly immediate?: boolean | undefined
  /** `true`: the first failure ends the loop (and the thread). Default `false`. */
  readonly stopOnError?: boolean | undefined
  /** Runs before each run; it may stop the thread instead of returning. */
  readonly beforeEach?: Effect.Effect<void> | undefined
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
  const once = runOnce(effect, options?.stopOnError === true)
  const run = options?.beforeEach === undefined ? once : Effect.andThen(options.beforeEach, once)
  return options?.immediate === false ? Effect.schedule(run, schedule) : Effect.repeat(run, schedule)
}

/**
 * `scheduled` with quiet outages: while runs keep failing, each next attempt
 * waits at least the next delay of `backoff` (started afresh at each
 * outage's first failure); the first failure is reported through the
 * excepthook, the next ones are counted, and the outage's end — a run that
 * succeeds, or the thread stopped during it — is logged once.
 *
 * @internal
 */
export const scheduledQuietly = <A, E, R, Out, ES, R2>(
  effect: Effect.Effect<A, E, R>,
  schedule: Schedule.Schedule<Out, unknown, ES, R2>,
  backoff: Schedule.Schedule<unknown, unknown>,
  options?: Omit<ScheduledOptions, "stopOnError">
): Effect.Effect<void, E | ES, R | R2> =>
  Effect.suspend(() => {
    const outage = Ref.makeUnsafe<Outage | undefined>(undefined)
    const run = Effect.andThen(options?.beforeEach ?? Effect.void, runQuietly(effect, outage))
    const both = Schedule.max([schedule, backoffWhileFailing(backoff)])
    return (options?.immediate === false ? Effect.schedule(run, both) : Effect.repeat(run, both)).pipe(
      Effect.asVoid,
      Effect.onInterrupt(() => Effect.flatMap(Ref.get(outage), (o) => o === undefined ? Effect.void : ended(o, false)))
    )
  })

/** An outage: runs failing one after the other. */
interface Outage {
  readonly since: number
  readonly failures: number
  readonly last: Cause.Cause<unknown>
}

/** One run, telling the backoff whether it failed (`true`); reports the outage's first failure and its end. */
const runQuietly = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
  outage: Ref.Ref<Outage | undefined>
): Effect.Effect<boolean, E, R> =>
  Effect.flatMap(Effect.exit(effect), (exit) => {
    if (Exit.isSuccess(exit)) {
      return Effect.flatMap(Ref.getAndSet(outage, undefined), (o) =>
        o === undefined ? Effect.succeed(false) : Effect.as(ended(o, true), false))
    }
    const cause = exit.cause
    if (Cause.hasInterruptsOnly(cause)) {
      return Effect.failCause(cause)
    }
    return Effect.flatMap(Clock.currentTimeMillis, (now) =>
      Effect.flatMap(
        Ref.modify(outage, (o): [boolean, Outage] =>
          o === undefined
            ? [true, { since: now, failures: 1, last: cause }]
            : [false, { since: o.since, failures: o.failures + 1, last: cause }]),
        (first) =>
          first ? Effect.as(report(cause), true) : Effect.succeed(true)
      ))
  })

/** The outage's end, logged once: `recovered` (a run succeeded) or the thread stopped during it. */
const ended = (o: Outage, recovered: boolean): Effect.Effect<void> =>
  Effect.flatMap(Clock.currentTimeMillis, (now) =>
    Effect.flatMap(currentThread, (thread) => {
      const runs = `${o.failures} failed ${o.failures === 1 ? "run" : "runs"}`
      const length = Duration.format(Duration.millis(Math.max(0, now - o.since)))
      const last = Cause.pretty(o.last).split("\n")[0]
      const message = recovered
        ? `Thread ${thread?.name} recovered after ${runs} in ${length} (the first one was reported; last error: ${last})`
        : `Thread ${thread?.name} stopped during an outage: ${runs} in ${length} (the first one was reported; last error: ${last})`
      return Effect.logWarning(message).pipe(Effect.annotateLogs({ thread: thread?.name, failedRuns: o.failures }))
    }))

/**
 * The extra delay while runs fail: `backoff`'s next delay, from its start at
 * each outage's first failure; none after a success (input `false`) or once
 * `backoff` ends. Never ends itself.
 */
const backoffWhileFailing = (
  backoff: Schedule.Schedule<unknown, unknown>
): Schedule.Schedule<Duration.Duration, unknown> =>
  Schedule.fromStep(Effect.sync(() => {
    type Step = (now: number, input: unknown) => Pull.Pull<[unknown, Duration.Duration], never, unknown>
    let current: Step | undefined
    const none = Effect.succeed<[Duration.Duration, Duration.Duration]>([Duration.zero, Duration.zero])
    return (now: number, failed: unknown) => {
      if (failed !== true) {
        current = undefined
        return none
      }
      return Effect.flatMap(current === undefined ? Schedule.toStep(backoff) : Effect.succeed(current), (step) => {
        current = step
        return step(now, failed).pipe(
          Effect.map(([, delay]): [Duration.Duration, Duration.Duration] => [delay, delay]),
          Pull.catchDone(() => none)
        )
      })
    }
  }))
