/**
 * What a runner knows of its leases, read from the runner storage the engine
 * itself uses: `observe` wraps the engine's `RunnerStorage` and records
 *
 * - for each shard, when this runner's lock on it was last confirmed (the
 *   start of the latest `acquire` or `refresh` that returned it). The lock
 *   can be lost no earlier than `shardLockExpiration` after that (PostgreSQL
 *   ends a lock session idle that long; other runners take the shards of a
 *   runner whose heartbeat — written by the same refresh — is that old), so a
 *   lock last confirmed longer ago than that may belong to another runner now:
 *   the lease has lapsed. A runner frozen past the expiration (SIGSTOP, a long
 *   GC pause, a suspended VM) finds its leases lapsed when it wakes, before its
 *   engine has noticed anything;
 * - whether the storage answered the latest refresh (for the reason a
 *   singleton was lost);
 * - the runners the engine sees, and since when they have not changed: the
 *   cluster has *settled* once that set stayed the same for `settle` (runners
 *   starting together have found each other and the shards have been
 *   assigned among them).
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import type * as RunnerStorage from "effect/cluster/RunnerStorage"
import type * as ShardId from "effect/cluster/ShardId"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Ref from "effect/Ref"

/** @internal */
export interface Lease {
  readonly expirationMillis: number
  /** When this runner's lock on the shard was last confirmed (Clock milliseconds), or `undefined`. */
  readonly confirmedAt: (shardId: string) => Effect.Effect<number | undefined>
  /** Whether the latest refresh of the shard locks reached the storage. */
  readonly storageHealthy: Effect.Effect<boolean>
  /** Completes once the set of runners has stayed the same for `settle`. */
  readonly settled: Effect.Effect<void>
}

interface State {
  readonly confirmed: ReadonlyMap<string, number>
  readonly healthy: boolean
  /** The runners last seen (addresses, sorted) and since when. */
  readonly runners: string | undefined
  readonly runnersSince: number
}

const withConfirmed = (state: State, update: (confirmed: Map<string, number>) => void): State => {
  const confirmed = new Map(state.confirmed)
  update(confirmed)
  return { ...state, confirmed }
}

/** @internal */
export interface Observed {
  readonly lease: Lease
  /** The engine's storage, observed. */
  readonly wrap: (storage: RunnerStorage.RunnerStorage["Service"]) => RunnerStorage.RunnerStorage["Service"]
}

/** @internal */
export const observe = (options: {
  readonly expiration: Duration.Input
  readonly settle: Duration.Input
}): Effect.Effect<Observed> =>
  Effect.gen(function*() {
    const expirationMillis = Duration.toMillis(Duration.fromInputUnsafe(options.expiration))
    const settleMillis = Duration.toMillis(Duration.fromInputUnsafe(options.settle))
    const state = yield* Ref.make<State>({ confirmed: new Map(), healthy: true, runners: undefined, runnersSince: 0 })
    const settled = yield* Deferred.make<void>()
    if (settleMillis <= 0) yield* Deferred.succeed(settled, undefined)

    const keys = (shardIds: Iterable<ShardId.ShardId>) => Array.from(shardIds, String)

    /** Runs `op`, then records what it confirmed, as of when it started. */
    const confirming = <A, E>(
      op: Effect.Effect<A, E>,
      record: (startedAt: number, result: A, state: State) => State
    ): Effect.Effect<A, E> =>
      Effect.flatMap(Clock.currentTimeMillis, (startedAt) =>
        op.pipe(
          Effect.tap((result) => Ref.update(state, (s) => record(startedAt, result, s))),
          Effect.tapError(() => Ref.update(state, (s) => ({ ...s, healthy: false })))
        ))

    const sawRunners = (addresses: string) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        Effect.flatMap(
          Ref.modify(state, (s) => {
            const next = s.runners === addresses ? s : { ...s, runners: addresses, runnersSince: now }
            return [now - next.runnersSince >= settleMillis && s.runners === addresses, next]
          }),
          (stable) => stable ? Deferred.succeed(settled, undefined) : Effect.void
        ))

    const lease: Lease = {
      expirationMillis,
      confirmedAt: (shardId) => Effect.map(Ref.get(state), (s) => s.confirmed.get(shardId)),
      storageHealthy: Effect.map(Ref.get(state), (s) => s.healthy),
      settled: Deferred.await(settled)
    }

    const wrap = (storage: RunnerStorage.RunnerStorage["Service"]): RunnerStorage.RunnerStorage["Service"] => ({
      ...storage,
      getRunners: Effect.tap(storage.getRunners, (runners) =>
        sawRunners(
          runners.filter(([, healthy]) => healthy).map(([runner]) => `${runner.address.host}:${runner.address.port}`)
            .sort().join(",")
        )),
      acquire: (address, shardIds) =>
        confirming(storage.acquire(address, shardIds), (at, acquired, s) =>
          withConfirmed({ ...s, healthy: true }, (confirmed) => {
            for (const key of keys(acquired)) {
              confirmed.set(key, at)
            }
          })),
      refresh: (address, shardIds) => {
        const list = Array.from(shardIds)
        const asked = keys(list)
        return confirming(storage.refresh(address, list), (at, held, s) =>
          withConfirmed({ ...s, healthy: true }, (confirmed) => {
            for (const key of asked) {
              confirmed.delete(key)
            }
            for (const key of keys(held)) {
              confirmed.set(key, at)
            }
          }))
      },
      release: (address, shardId) =>
        Effect.tap(
          storage.release(address, shardId),
          () =>
            Ref.update(state, (s) =>
              withConfirmed(s, (confirmed) =>
                confirmed.delete(String(shardId))))
        ),
      releaseAll: (address) =>
        Effect.tap(
          storage.releaseAll(address),
          () =>
            Ref.update(state, (s) =>
              withConfirmed(s, (confirmed) => confirmed.clear()))
        )
    })
    return { lease, wrap }
  })
