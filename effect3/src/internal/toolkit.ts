/**
 * The background toolkit: the uses the seed names for daemon threads
 * (logging, monitoring, periodic maintenance) and Python's `threading.Timer`,
 * as small pieces built on `spawn`/`make`/`start` and Effect's own `Schedule`,
 * `Deferred` and `Duration`.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import type * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import type * as Option from "effect/Option"
import type * as Schedule from "effect/Schedule"
import type * as Thread from "../Thread.js"
import type * as Threading from "../Threading.js"
import * as errors from "./errors.js"
import type { ThreadingImpl } from "./instance.js"
import { reportThreadFailure } from "./report.js"
import { currentThread, ThreadImpl } from "./thread.js"
import { makeWith, spawnWith, start } from "./threadOps.js"
import * as validate from "./validate.js"

// -----------------------------------------------------------------------------
// daemon / nonDaemon
// -----------------------------------------------------------------------------

/**
 * `spawn` with the daemon flag set. The input is checked when the effect runs
 * (not by spreading the options at call time), so that a throwing getter is a
 * `ThreadError`, not an exception.
 */
const spawnWithFlag = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
  options: Thread.ShorthandOptions | undefined,
  daemon: boolean
): Effect.Effect<Thread.Thread<A, E>, errors.ThreadError, Threading.Threading | R> =>
  Effect.suspend(() => {
    const read = validate.shorthand(daemon ? "Thread.daemon" : "Thread.nonDaemon", effect, options)
    return read instanceof errors.ThreadError ? Effect.fail(read) : spawnWith(effect, { name: read.name, daemon })
  })

/** @internal */
export const daemon = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
  options?: Thread.ShorthandOptions
): Effect.Effect<Thread.Thread<A, E>, errors.ThreadError, Threading.Threading | R> =>
  spawnWithFlag(effect, options, true)

/** @internal */
export const nonDaemon = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
  options?: Thread.ShorthandOptions
): Effect.Effect<Thread.Thread<A, E>, errors.ThreadError, Threading.Threading | R> =>
  spawnWithFlag(effect, options, false)

// -----------------------------------------------------------------------------
// periodic
// -----------------------------------------------------------------------------

/**
 * One run of a periodic thread's effect. A failure or defect is reported
 * through the instance's excepthook and swallowed, so the schedule goes on;
 * with `stopOnError` it is kept and ends the thread (whose own body then
 * reports it, once). Interruption is never swallowed: it is how the thread
 * stops at shutdown.
 */
const runOnce = <A, E, R>(effect: Effect.Effect<A, E, R>, stopOnError: boolean): Effect.Effect<void, E, R> =>
  stopOnError ?
    Effect.asVoid(effect) :
    Effect.catchAllCause(
      Effect.asVoid(effect),
      (cause) =>
        Cause.isInterruptedOnly(cause) ? Effect.failCause(cause) : Effect.flatMap(
          FiberRef.get(currentThread),
          (thread) => thread === undefined ? Effect.failCause(cause) : reportThreadFailure(thread, cause)
        )
    )

/** @internal */
export const periodic = <A, E, R, Out, R2>(
  effect: Effect.Effect<A, E, R>,
  schedule: Schedule.Schedule<Out, unknown, R2>,
  options?: Thread.PeriodicOptions
): Effect.Effect<Thread.Thread<Out, E>, errors.ThreadError, Threading.Threading | R | R2> =>
  Effect.suspend(() => {
    const read = validate.periodic(effect, schedule, options)
    if (read instanceof errors.ThreadError) return Effect.fail(read)
    const run = runOnce(effect, read.stopOnError === true)
    const loop = read.immediate === false ? Effect.schedule(run, schedule) : Effect.repeat(run, schedule)
    return spawnWith(loop, { name: read.name, daemon: read.daemon ?? true })
  })

// -----------------------------------------------------------------------------
// Timer
// -----------------------------------------------------------------------------

/** @internal */
export const TimerTypeId: Thread.TimerTypeId = Symbol.for("effect-threading/Timer") as Thread.TimerTypeId

/**
 * A `Thread` whose target waits `interval` for its `cancelled` signal and
 * runs the function only if the wait timed out: Python's `Timer.run`,
 * `self.finished.wait(self.interval)` then `if not self.finished.is_set()`.
 *
 * @internal
 */
export class TimerImpl<A, E> extends ThreadImpl<Option.Option<A>, E> implements Thread.Timer<A, E> {
  readonly [TimerTypeId]: Thread.TimerTypeId = TimerTypeId
  constructor(
    instance: ThreadingImpl,
    name: string,
    daemon: boolean,
    target: Effect.Effect<Option.Option<A>, E, any>,
    context: Context.Context<never>,
    readonly interval: Duration.Duration,
    readonly cancelled: Deferred.Deferred<void>
  ) {
    super(instance, name, daemon, target, context)
  }
  // Python's repr uses the class name: <Timer(Thread-1, started 7)>.
  override get className(): string {
    return "Timer"
  }
  override toJSON(): unknown {
    return { ...(super.toJSON() as object), interval: this.interval.toJSON() }
  }
}

/** @internal */
export const isTimer = (u: unknown): u is Thread.Timer<unknown, unknown> =>
  typeof u === "object" && u !== null && TimerTypeId in u

/** `makeTimer`, its refusals naming `entry`. */
const newTimer = <A, E, R>(
  entry: string,
  interval: Duration.DurationInput,
  effect: Effect.Effect<A, E, R>,
  options: Thread.MakeOptions | undefined
): Effect.Effect<Thread.Timer<A, E>, errors.ThreadError, Threading.Threading | R> =>
  Effect.suspend(() => {
    const input = validate.makeTimer(entry, interval, effect, options)
    if (input instanceof errors.ThreadError) return Effect.fail(input)
    const { interval: decoded, options: read } = input
    return Effect.gen(function*() {
      const cancelled = yield* Deferred.make<void>()
      const target: Effect.Effect<Option.Option<A>, E, R> = Deferred.await(cancelled).pipe(
        Effect.timeoutTo({ duration: decoded, onSuccess: () => false, onTimeout: () => true }),
        Effect.flatMap((fire) => fire ? Effect.asSome(effect) : Effect.succeedNone)
      )
      // `make` gives the name, the inherited daemon flag and the context.
      return yield* makeWith(
        target,
        read,
        (instance, name, daemon, context) =>
          new TimerImpl<A, E>(instance, name, daemon, target, context, decoded, cancelled)
      )
    })
  })

/** @internal */
export const makeTimer = <A, E, R>(
  interval: Duration.DurationInput,
  effect: Effect.Effect<A, E, R>,
  options?: Thread.MakeOptions
): Effect.Effect<Thread.Timer<A, E>, errors.ThreadError, Threading.Threading | R> =>
  newTimer("Thread.makeTimer", interval, effect, options)

/** @internal */
export const timer = <A, E, R>(
  interval: Duration.DurationInput,
  effect: Effect.Effect<A, E, R>,
  options?: Thread.MakeOptions
): Effect.Effect<Thread.Timer<A, E>, errors.ThreadError, Threading.Threading | R> =>
  Effect.tap(newTimer("Thread.timer", interval, effect, options), start)

/** @internal */
export const cancel = <A, E>(self: Thread.Timer<A, E>): Effect.Effect<void> => {
  const invalid = validate.timer("Thread.cancel", self)
  return invalid === undefined
    ? Effect.asVoid(Deferred.succeed((self as TimerImpl<A, E>).cancelled, undefined))
    : Effect.die(invalid)
}
