/**
 * Cluster singletons: daemon threads that run on the one runner of a cluster
 * that owns them, on `effect/cluster`'s `Sharding.registerSingleton`. The
 * cluster engine decides who owns what (shard locks in its storage); this
 * module only turns "the engine started / stopped the singleton here" into
 * "a daemon thread of this instance starts / is interrupted".
 *
 * This module and `effect/cluster` (about a hundred modules of cluster, RPC
 * and SQL code) are loaded on first use only, by `./clusterEngine.ts`:
 * nothing that `effect-threading` imports statically imports this module.
 *
 * One cluster per `Threading` instance, attached to it: its `Sharding` lives
 * in a scope of its own that the instance closes in shutdown step (c), after
 * the singleton threads have been interrupted (their finalizers ran). Closing
 * it releases the shards, so the next owner starts only once this one's
 * finalizers have finished.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as EntityId from "effect/cluster/EntityId"
import * as Sharding from "effect/cluster/Sharding"
import * as ShardingConfig from "effect/cluster/ShardingConfig"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import * as Scope from "effect/Scope"
import type * as Thread from "../Thread.js"
import type * as Threading from "../Threading.js"
import type * as ThreadingCluster from "../ThreadingCluster.js"
import * as layers from "./clusterLayers.js"
import { ownerRun } from "./clusterOwner.js"
import * as errors from "./errors.js"
import { tag, type ThreadingImpl } from "./instance.js"
import { isStopping } from "./lifecycle.js"
import { scheduled, scheduledQuietly } from "./scheduled.js"
import type { Period, SingletonImpl } from "./singletonThread.js"

// -----------------------------------------------------------------------------
// The cluster of an instance
// -----------------------------------------------------------------------------

/**
 * The cluster attached to an instance: its `Sharding`, what its singletons
 * need beside it, the scope that holds both (and the singletons'
 * registrations), and the singleton threads running here now.
 */
interface Cluster {
  readonly sharding: Sharding.Sharding["Service"]
  readonly support: layers.Support
  readonly scope: Scope.Closeable
  /** `shardGroup/name` of the singletons registered from this instance. */
  readonly registered: Set<string>
  /** The singleton threads running on this runner now. */
  readonly running: Set<SingletonImpl<unknown, unknown>>
  /**
   * The cluster's `availableShardGroups`, when its layer tells (its output
   * has the `ShardingConfig`): a singleton in another group would never run.
   */
  readonly groups: ReadonlySet<string> | undefined
}

/**
 * Per instance: the cluster, once attached, or the wait for the one being
 * attached. A `WeakMap` keeps `ThreadingImpl` free of cluster fields.
 */
const clusters = new WeakMap<ThreadingImpl, Deferred.Deferred<Cluster, unknown>>()

const clusterOf = (instance: ThreadingImpl): Deferred.Deferred<Cluster, unknown> | undefined => clusters.get(instance)

const isShuttingDown = (instance: ThreadingImpl): boolean => isStopping(instance.phase)

/**
 * Step (c) for the cluster, run by the instance's registry as it closes:
 * interrupt the singleton threads running here (their finalizers run, as
 * every daemon's), then close the cluster's scope, which unregisters the
 * singletons and hands the shards off. Bounded by `daemonGrace`, as all of
 * step (c).
 */
const stopCluster = (cluster: Cluster): Effect.Effect<void> =>
  Effect.suspend(() => {
    const fibers = Array.from(cluster.running, (thread) => thread.fiber!)
    return Fiber.interruptAll(fibers).pipe(
      Effect.andThen(Scope.close(cluster.scope, Exit.void))
    )
  })

/** `layerFrom`'s runner name: its address, when its layer tells. */
const runnerOf = (config: Option.Option<ShardingConfig.ShardingConfig["Service"]>): string =>
  Option.match(Option.flatMap(config, (c) => c.runnerAddress), {
    onNone: () => "this runner",
    onSome: (address) => `${address.host}:${address.port}`
  })

/**
 * Attaches the cluster built by `layer` to `instance`, once: builds it in a
 * scope of its own (the caller's scope may close long before the instance
 * shuts down) and has the registry close that scope in step (c). With
 * `ifAttached: "join"` (the embedded default, on demand), an instance that
 * already has a cluster — or is getting one — gives that one instead.
 */
const attach = <E>(
  instance: ThreadingImpl,
  layer: Layer.Layer<Sharding.Sharding, E>,
  ifAttached: "fail" | "join"
): Effect.Effect<Cluster, E | errors.ThreadError> =>
  Effect.uninterruptibleMask((restore) =>
    Effect.gen(function*() {
      // Checked and claimed in one synchronous step: concurrent callers see
      // either nothing or the claim.
      const claim = yield* Effect.sync(() => {
        const existing = clusterOf(instance)
        if (existing !== undefined) {
          return ifAttached === "join" ? { _tag: "Join" as const, existing } : errors.make(
            "this Threading instance already has a cluster (ThreadingCluster.layer is provided once per instance, " +
              "before the first Thread.singleton)"
          )
        }
        if (isShuttingDown(instance)) return errors.make(errors.messages.atShutdown)
        const ready = Deferred.makeUnsafe<Cluster, unknown>()
        clusters.set(instance, ready)
        return { _tag: "Claim" as const, ready }
      })
      if (claim instanceof errors.ThreadError) return yield* Effect.fail(claim)
      if (claim._tag === "Join") return yield* restore(joinCluster(instance, claim.existing))
      const ready = claim.ready
      const scope = yield* Scope.make()
      const built = yield* Effect.exit(restore(Layer.buildWithScope(layer, scope)))
      if (Exit.isFailure(built)) {
        yield* Scope.close(scope, built)
        // Let a later attempt try again (and waiting singletons see the failure).
        clusters.delete(instance)
        yield* Deferred.failCause(ready, built.cause)
        return yield* Effect.failCause(built.cause)
      }
      const context = built.value as Context.Context<unknown>
      const config = Context.getOption(context, ShardingConfig.ShardingConfig)
      const support = Option.getOrUndefined(Context.getOption(context, layers.Support)) ??
        (yield* layers.defaultSupport(runnerOf(config)))
      const cluster: Cluster = {
        sharding: Context.get(built.value, Sharding.Sharding),
        support,
        scope,
        registered: new Set(),
        running: new Set(),
        groups: Option.isSome(config) ? new Set(config.value.availableShardGroups) : undefined
      }
      yield* Scope.addFinalizer(instance.registry, stopCluster(cluster))
      yield* Deferred.succeed(ready, cluster)
      return cluster
    })
  )

const startFailed = (cause: Cause.Cause<unknown>) =>
  Effect.fail(errors.make(`the cluster of this Threading instance failed to start:\n${Cause.pretty(cause)}`))

/**
 * Waits for the cluster being attached by another fiber; if that attempt
 * was interrupted (its caller was), tries again.
 */
const joinCluster = (
  instance: ThreadingImpl,
  existing: Deferred.Deferred<Cluster, unknown>
): Effect.Effect<Cluster, errors.ThreadError> =>
  Effect.catchCause(
    Deferred.await(existing),
    (cause) => Cause.hasInterruptsOnly(cause) ? clusterFor(instance) : startFailed(cause)
  )

/**
 * The layer behind `ThreadingCluster.layer*`: makes the current instance
 * cluster-enabled with the `Sharding` that `sharding` builds.
 *
 * @internal
 */
export const layerFrom = <E>(
  sharding: Layer.Layer<Sharding.Sharding, E>
): Layer.Layer<never, E | errors.ThreadError, Threading.Threading> =>
  Layer.effectDiscard(
    Effect.flatMap(tag, (self) => attach(self as ThreadingImpl, sharding, "fail"))
  )

/** The instance's cluster: the one attached (or being attached), or the embedded default, attached now. */
const clusterFor = (instance: ThreadingImpl): Effect.Effect<Cluster, errors.ThreadError> =>
  Effect.catchCause(attach(instance, layers.embedded(), "join"), (cause) =>
    Cause.hasInterruptsOnly(cause) ||
      cause.reasons.some((reason) => Cause.isFailReason(reason) && reason.error instanceof errors.ThreadError)
      ? Effect.failCause(cause as Cause.Cause<errors.ThreadError>)
      : startFailed(cause))

/** @internal */
export const layer = (
  options?: ThreadingCluster.Options
): Layer.Layer<never, errors.ThreadError | ThreadingCluster.StartError, Threading.Threading> =>
  options?.storage === "postgres"
    ? layerFrom(layers.postgres(options))
    : layerFrom(layers.embedded(options?.shardingConfig))

/**
 * Every singleton's latest ownership period in the storage of the
 * instance's cluster; none while it has no cluster.
 *
 * @internal
 */
export const owners = (instance: ThreadingImpl) => {
  const cluster = clusterOf(instance)
  return cluster === undefined
    ? Effect.succeed([])
    : Effect.flatMap(Effect.orDie(Deferred.await(cluster)), (c) => c.support.fence.owners)
}

// -----------------------------------------------------------------------------
// Thread.singleton
// -----------------------------------------------------------------------------

/** The default `backoff` of a scheduled singleton: 500 ms, doubling, at most 30 s. */
const defaultBackoff: Schedule.Schedule<unknown, unknown> = Schedule.exponential("500 millis").pipe(
  Schedule.modifyDelay(({ duration }) => Effect.succeed(Duration.min(duration, Duration.seconds(30))))
)

/** The thread's target for an ownership period. */
const targetOf = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
  options: Thread.SingletonOptions<any, any, any> | undefined
) =>
(period: Period): Effect.Effect<unknown, unknown, unknown> => {
  const schedule = options?.schedule as Schedule.Schedule<unknown, unknown, unknown, unknown> | undefined
  if (schedule === undefined) return effect
  const each = { immediate: options?.immediate, beforeEach: period.checkLease }
  const backoff = options?.backoff
  return backoff === false || options?.stopOnError === true
    ? scheduled(effect, schedule, { ...each, stopOnError: options?.stopOnError })
    : scheduledQuietly(effect, schedule, backoff ?? defaultBackoff, each)
}

/**
 * Registers the singleton with the instance's cluster (the embedded default
 * if none). Its arguments are validated by the caller (`./clusterEngine.ts`).
 *
 * @internal
 */
export const singleton = <A, E, R, Out = unknown, ES = never, R2 = never>(
  name: string,
  effect: Effect.Effect<A, E, R>,
  options?: Thread.SingletonOptions<Out, ES, R2>
): Effect.Effect<void, errors.ThreadError, Threading.Threading | R | R2> =>
  Effect.withFiber((fiber) => {
    const context = fiber.context
    const instance = Context.getUnsafe(context, tag) as ThreadingImpl
    if (isShuttingDown(instance)) {
      return Effect.fail(errors.make(errors.messages.atShutdown))
    }
    const shardGroup = options?.shardGroup ?? "default"
    const key = `${shardGroup}/${name}`
    const target = targetOf(effect, options)
    return Effect.flatMap(clusterFor(instance), (cluster) => {
      if (cluster.groups !== undefined && !cluster.groups.has(shardGroup)) {
        return Effect.fail(errors.make(
          `shard group ${shardGroup} of singleton ${name} is not one of the cluster's availableShardGroups ` +
            `(${Array.from(cluster.groups).join(", ")}): it would never run`
        ))
      }
      if (cluster.registered.has(key)) {
        return Effect.fail(errors.make(`singleton ${name} is already registered in shard group ${shardGroup}`))
      }
      cluster.registered.add(key)
      const run = ownerRun({
        instance,
        support: cluster.support,
        running: cluster.running,
        key: { name, shardGroup },
        shard: cluster.sharding.getShardId(EntityId.make(name), shardGroup),
        target,
        context
      })
      return cluster.sharding.registerSingleton(name, run, { shardGroup }).pipe(Scope.provide(cluster.scope))
    })
  })
