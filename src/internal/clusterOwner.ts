/**
 * What runs on the owner of a singleton, while the engine says this runner
 * owns it (`Sharding.registerSingleton`'s `run`): ownership periods, each
 *
 * 1. a fencing token taken in storage (only by the holder of the shard's
 *    lock; retried quietly while the storage is down),
 * 2. a `SingletonImpl` daemon thread started with it,
 * 3. the lease watched: the thread checks it before each scheduled run and
 *    `ThreadingCluster.fencingToken` before returning a token, and a watchdog
 *    wakes when it would lapse. A lapsed lease (the runner was frozen past
 *    the lock expiration) stops the period before its next step, reported
 *    once; a new period starts if the engine confirms the lock again,
 *    otherwise the engine stops the singleton here;
 * 4. its end: the thread interrupted (finalizers run), the period recorded as
 *    released, logged with the reason.
 *
 * Ownership changes are log entries (`Info` in a real cluster, `Debug` for the
 * embedded default) and metrics: `threading.singleton.owned` (1 while running
 * here), `threading.singleton.handovers` (periods that took over from an
 * earlier owner), `threading.singleton.stale` (periods stopped for a lapsed
 * lease).
 *
 * @internal
 */
import type * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import type * as ShardId from "effect/cluster/ShardId"
import type * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Metric from "effect/Metric"
import * as Option from "effect/Option"
import type * as fence from "./clusterFence.js"
import type { Support } from "./clusterLayers.js"
import type { ThreadingImpl } from "./instance.js"
import { isStopping } from "./lifecycle.js"
import { type Period, SingletonImpl } from "./singletonThread.js"
import { start } from "./threadOps.js"

/** A singleton registered from this runner. @internal */
export interface Owned {
  readonly instance: ThreadingImpl
  readonly support: Support
  /** The singleton threads running on this runner now (the cluster's). */
  readonly running: Set<SingletonImpl<unknown, unknown>>
  readonly key: fence.Key
  readonly shard: ShardId.ShardId
  /** The thread's target for a period (its lease check before each scheduled run). */
  readonly target: (period: Period) => Effect.Effect<unknown, unknown, unknown>
  readonly context: Context.Context<never>
}

/** @internal */
export const metricNames = {
  owned: "threading.singleton.owned",
  handovers: "threading.singleton.handovers",
  stale: "threading.singleton.stale"
} as const

const owned = Metric.gauge(metricNames.owned, {
  description: "1 while this runner runs the singleton, 0 otherwise"
})
const handovers = Metric.counter(metricNames.handovers, {
  description: "Ownership periods begun on this runner that took the singleton over from an earlier owner",
  incremental: true
})
const stale = Metric.counter(metricNames.stale, {
  description: "Ownership periods stopped on this runner because its lease on the singleton's shard had lapsed",
  incremental: true
})

const attributes = (s: Owned) => ({ "singleton.name": s.key.name, "singleton.shard_group": s.key.shardGroup })

const log = (
  s: Owned,
  level: "Info" | "Debug" | "Warn",
  message: string,
  fields: Record<string, unknown> = {},
  cause?: Cause.Cause<unknown>
) =>
  (cause === undefined
    ? Effect.logWithLevel(level)(`singleton ${s.key.name}: ${message}`)
    : Effect.logWithLevel(level)(`singleton ${s.key.name}: ${message}`, cause)).pipe(
      Effect.annotateLogs({ singleton: s.key.name, shardGroup: s.key.shardGroup, runner: s.support.runner, ...fields })
    )

const ago = (ms: number) => Duration.format(Duration.millis(Math.max(0, Math.round(ms))))

const isShuttingDown = (instance: ThreadingImpl): boolean => isStopping(instance.phase)

// -----------------------------------------------------------------------------
// The lease
// -----------------------------------------------------------------------------

/** How long ago the lease was last confirmed, when that is longer than the lock expiration; `undefined` while it holds. */
const lapsedFor = (s: Owned): Effect.Effect<number | undefined> => {
  const lease = s.support.lease
  if (lease === undefined) return Effect.succeed(undefined)
  return Effect.flatMap(
    lease.confirmedAt(s.shard.toString()),
    (at) =>
      Effect.map(
        Clock.currentTimeMillis,
        (now) => at === undefined ? lease.expirationMillis : now - at >= lease.expirationMillis ? now - at : undefined
      )
  )
}

/** Why a period stopped before the engine stopped the singleton here. */
type Stop =
  | { readonly _tag: "Lapsed"; readonly lastConfirmedMillisAgo: number }
  | { readonly _tag: "Refused" }

/** Stops the period: tells `ownerRun`, and interrupts the fiber this runs in (the thread, or one it forked). */
const stopPeriod = (stopped: Deferred.Deferred<Stop>, stop: Stop): Effect.Effect<never> =>
  Effect.andThen(Deferred.succeed(stopped, stop), Effect.interrupt)

/** The period's lease check, run inside its thread: stops the period once lapsed. */
const checkLease = (s: Owned, stopped: Deferred.Deferred<Stop>): Effect.Effect<void> =>
  s.support.lease === undefined ?
    Effect.void :
    Effect.flatMap(lapsedFor(s), (ms) =>
      ms === undefined ? Effect.void : stopPeriod(stopped, { _tag: "Lapsed", lastConfirmedMillisAgo: ms }))

/** The period's guarded write: the lease, then the token in storage; a refusal stops the period. */
const guard = (s: Owned, token: bigint, stopped: Deferred.Deferred<Stop>): Period["guard"] => (write) =>
  Effect.andThen(
    checkLease(s, stopped),
    Effect.flatMap(s.support.fence.guard(s.key, token, write), (written) =>
      Option.isSome(written) ? Effect.succeed(written.value) : stopPeriod(stopped, { _tag: "Refused" }))
  )

/** Wakes when the lease would lapse; completes `stopped` if it has. */
const watchdog = (s: Owned, stopped: Deferred.Deferred<Stop>): Effect.Effect<void> => {
  const lease = s.support.lease
  if (lease === undefined) return Effect.never
  const loop: Effect.Effect<void> = Effect.flatMap(
    lease.confirmedAt(s.shard.toString()),
    (at) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => {
        const left = at === undefined ? 0 : at + lease.expirationMillis - now
        return left > 0
          ? Effect.andThen(Effect.sleep(Duration.millis(left)), loop)
          : Effect.asVoid(Deferred.succeed(stopped, {
            _tag: "Lapsed",
            lastConfirmedMillisAgo: at === undefined ? lease.expirationMillis : now - at
          }))
      })
  )
  return loop
}

/** Waits until the engine confirms this runner's lock on the shard after `since`. */
const reconfirmed = (s: Owned, since: number): Effect.Effect<void> =>
  Effect.flatMap(s.support.lease!.confirmedAt(s.shard.toString()), (at) =>
    at !== undefined && at > since
      ? Effect.void
      : Effect.andThen(Effect.sleep(Duration.millis(s.support.pollMillis)), reconfirmed(s, since)))

// -----------------------------------------------------------------------------
// The token
// -----------------------------------------------------------------------------

/** The delay after the n-th failed attempt to take a token: 400 ms, doubling, at most 10 s. */
const retryDelay = (failures: number) => Duration.millis(Math.min(200 * 2 ** Math.min(failures, 6), 10_000))

/**
 * The period's token. While the storage fails, retried on a backoff, the
 * outage reported once with its end; while this runner does not hold the
 * shard's lock (the engine's view is behind the storage's, or the lease has
 * lapsed), looked for again every `pollMillis`, reported once.
 */
const takeToken = (s: Owned): Effect.Effect<bigint> =>
  Effect.gen(function*() {
    let failures = 0
    let waiting = false
    const started = yield* Clock.currentTimeMillis
    const attempt: Effect.Effect<bigint | undefined, unknown> = Effect.flatMap(
      lapsedFor(s),
      (lapsed) => lapsed === undefined ? s.support.fence.take(s.key, s.shard) : Effect.succeed(undefined)
    )
    for (;;) {
      const exit = yield* Effect.exit(attempt)
      if (Exit.isSuccess(exit) && exit.value !== undefined) {
        if (failures > 0) {
          const now = yield* Clock.currentTimeMillis
          yield* log(
            s,
            "Warn",
            `its fencing token could be taken again after ${failures} failed attempts in ${ago(now - started)}`
          )
        }
        return exit.value
      }
      if (Exit.isFailure(exit)) {
        if (failures++ === 0) {
          yield* log(
            s,
            "Warn",
            "its fencing token cannot be taken: the storage is unavailable; retrying with backoff (reported again when it succeeds)",
            {},
            exit.cause
          )
        }
        yield* Effect.sleep(retryDelay(failures))
        continue
      }
      if (!waiting) {
        waiting = true
        yield* log(
          s,
          "Warn",
          "the engine started it here, but this runner does not hold its shard lock in storage (any more): not started until it does, or the engine stops it here"
        )
      }
      yield* Effect.sleep(Duration.millis(s.support.pollMillis))
    }
  })

// -----------------------------------------------------------------------------
// Ownership periods
// -----------------------------------------------------------------------------

/** Why a period ended, as the log tells it. */
const lossReason = (s: Owned): Effect.Effect<string> =>
  isShuttingDown(s.instance)
    ? Effect.succeed("this runner is shutting down")
    : s.support.lease === undefined
    ? Effect.succeed("the cluster stopped it here")
    : Effect.map(s.support.lease.storageHealthy, (healthy) =>
      healthy
        ? "the cluster moved it (runners joined or left)"
        : "its shard lock could not be refreshed (the storage is unavailable)")

/** The period's end, logged: stopped early (`stop`), or by the engine. */
const endLog = (s: Owned, token: bigint, ran: number, stop: Stop | undefined): Effect.Effect<void> => {
  const fields = { fencingToken: String(token) }
  if (stop === undefined) {
    return Effect.flatMap(
      lossReason(s),
      (reason) =>
        log(s, s.support.logLevel, `no longer runs here: ${reason} (fencing token ${token}, ran ${ago(ran)})`, fields)
    )
  }
  const why = stop._tag === "Lapsed"
    ? `this runner's lease on its shard lapsed (last confirmed ${ago(stop.lastConfirmedMillisAgo)} ago, lock ` +
      `expiration ${ago(s.support.lease!.expirationMillis)}: the runner was frozen or cut off)`
    : "a guarded write was refused: a later owner has taken it (ThreadingCluster.fenced)"
  return Effect.andThen(
    Metric.update(Metric.withAttributes(stale, attributes(s)), 1),
    log(s, "Warn", `stopped here before its next step: ${why}; fencing token ${token}, ran ${ago(ran)}`, fields)
  )
}

/**
 * One period: take a token, start the thread, and wait. Returns when the
 * period stopped early (lease lapsed, write refused: the thread stopped);
 * otherwise runs until interrupted — the engine stops the singleton here —
 * and ends the thread (finalizers) with it. A thread that ends by itself is
 * not restarted within its period.
 */
const period = (s: Owned): Effect.Effect<Stop> =>
  Effect.gen(function*() {
    const token = yield* takeToken(s)
    const stopped = yield* Deferred.make<Stop>()
    const period: Period = { token, checkLease: checkLease(s, stopped), guard: guard(s, token, stopped) }
    const thread = new SingletonImpl(s.instance, s.key.name, s.target(period), s.context, s.key.shardGroup, period)
    // The instance is shutting down: no thread; wait to be stopped.
    if (Exit.isFailure(yield* Effect.exit(start(thread)))) return yield* Effect.never
    const fiber = thread.fiber!
    const since = yield* Clock.currentTimeMillis
    s.running.add(thread)
    yield* Metric.update(Metric.withAttributes(owned, attributes(s)), 1)
    if (token > BigInt(1)) yield* Metric.update(Metric.withAttributes(handovers, attributes(s)), 1)
    yield* log(s, s.support.logLevel, `runs here now (runner ${s.support.runner}, fencing token ${token})`, {
      fencingToken: String(token)
    })
    const end = (stop: Stop | undefined) =>
      Fiber.interrupt(fiber).pipe(
        Effect.andThen(Effect.sync(() => s.running.delete(thread))),
        Effect.andThen(Metric.update(Metric.withAttributes(owned, attributes(s)), 0)),
        Effect.andThen(s.support.fence.release(s.key, token).pipe(Effect.timeout("2 seconds"), Effect.ignore)),
        Effect.andThen(Effect.flatMap(Clock.currentTimeMillis, (now) => endLog(s, token, now - since, stop)))
      )
    return yield* Effect.raceFirst(
      Fiber.await(fiber).pipe(Effect.andThen(Effect.never)),
      Effect.andThen(Effect.forkChild(watchdog(s, stopped)), Deferred.await(stopped))
    ).pipe(
      Effect.onExit((exit) => end(Exit.isSuccess(exit) ? exit.value : undefined))
    )
  })

/**
 * What the cluster runs on the owner (`Sharding.registerSingleton`'s
 * `run`): once the cluster has settled, ownership periods — one, unless a
 * lease lapses and the engine then confirms the lock again. Interrupted when
 * the engine stops the singleton here (ownership moved, the runner shuts
 * down).
 *
 * @internal
 */
export const ownerRun = (s: Owned): Effect.Effect<void> =>
  Effect.andThen(
    s.support.settled,
    Effect.forever(
      Effect.flatMap(period(s), () =>
        Effect.flatMap(Clock.currentTimeMillis, (now) =>
          Effect.andThen(
            reconfirmed(s, now),
            log(s, "Warn", "this runner's lock on its shard was confirmed again: starting it again")
          )))
    )
  )
