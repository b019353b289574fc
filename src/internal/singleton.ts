/**
 * Cluster singletons: daemon threads that run on the one runner of a cluster
 * that owns them, on `effect/cluster`'s `Sharding.registerSingleton`. The
 * cluster engine decides who owns what (shard locks in its storage); this
 * module only turns "the engine started / stopped the singleton here" into
 * "a daemon thread of this instance starts / is interrupted".
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
import * as MessageStorage from "effect/cluster/MessageStorage"
import * as RunnerAddress from "effect/cluster/RunnerAddress"
import * as RunnerHealth from "effect/cluster/RunnerHealth"
import * as Runners from "effect/cluster/Runners"
import * as RunnerStorage from "effect/cluster/RunnerStorage"
import * as Sharding from "effect/cluster/Sharding"
import * as ShardingConfig from "effect/cluster/ShardingConfig"
import type * as Config from "effect/Config"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type * as Schedule from "effect/Schedule"
import * as Scope from "effect/Scope"
import type * as Thread from "../Thread.js"
import type * as Threading from "../Threading.js"
import type * as ThreadingCluster from "../ThreadingCluster.js"
import * as decode from "./decode.js"
import * as errors from "./errors.js"
import { currentThread, reportThreadFailure, start, tag, ThreadImpl, type ThreadingImpl } from "./threading.js"
import * as validate from "./validate.js"

// -----------------------------------------------------------------------------
// The singleton thread
// -----------------------------------------------------------------------------

/** @internal */
export const SingletonTypeId: Thread.SingletonTypeId = Symbol.for(
  "effect-threading/Singleton"
) as Thread.SingletonTypeId

/**
 * The thread a singleton runs in on its owner: a daemon like any other, with
 * the `singleton` flag and its shard group. A new one starts each time this
 * runner becomes the owner.
 *
 * @internal
 */
export class SingletonImpl<A, E> extends ThreadImpl<A, E> implements Thread.Singleton<A, E> {
  readonly [SingletonTypeId]: Thread.SingletonTypeId = SingletonTypeId
  readonly singleton = true as const
  constructor(
    instance: ThreadingImpl,
    name: string,
    target: Effect.Effect<A, E, any>,
    context: Context.Context<never>,
    readonly shardGroup: string
  ) {
    super(instance, name, true, target, context)
  }
  override toString(): string {
    // As Timer's: Python's repr names the class. <Singleton(cleanup, started daemon 7)>
    return `<Singleton${super.toString().slice("<Thread".length)}`
  }
  override toJSON(): unknown {
    return { ...(super.toJSON() as object), _id: "Singleton", singleton: true, shardGroup: this.shardGroup }
  }
}

/** @internal */
export const isSingleton = (u: unknown): u is Thread.Singleton<unknown, unknown> =>
  typeof u === "object" && u !== null && SingletonTypeId in u

// -----------------------------------------------------------------------------
// The cluster of an instance
// -----------------------------------------------------------------------------

/**
 * The cluster attached to an instance: its `Sharding`, the scope that holds
 * it (and the singletons' registrations), and the singleton threads running
 * here now.
 */
interface Cluster {
  readonly sharding: Sharding.Sharding["Service"]
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

/**
 * The embedded default: `TestRunner.layer` (one in-process runner, in-memory
 * storage, no port, no server), with the given settings over the engine's
 * defaults, and its `ShardingConfig` in the output.
 */
const embedded = (
  shardingConfig?: Partial<ShardingConfig.ShardingConfig["Service"]> | undefined
): Layer.Layer<Sharding.Sharding | ShardingConfig.ShardingConfig> =>
  Sharding.layer.pipe(
    Layer.provideMerge(Runners.layerNoop),
    Layer.provideMerge(MessageStorage.layerMemory),
    Layer.provide([RunnerStorage.layerMemory, RunnerHealth.layerNoop]),
    Layer.provideMerge(ShardingConfig.layer(shardingConfig))
  )

const isShuttingDown = (instance: ThreadingImpl): boolean =>
  instance.state._tag === "Stopping" || instance.state._tag === "Done"

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
      const config = Context.getOption(built.value as Context.Context<unknown>, ShardingConfig.ShardingConfig)
      const cluster: Cluster = {
        sharding: Context.get(built.value, Sharding.Sharding),
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
    Effect.flatMap(tag, (self) => {
      const invalid = validate.sharding(sharding)
      return invalid === undefined ? attach(self as ThreadingImpl, sharding, "fail") : Effect.fail(invalid)
    })
  )

/** The instance's cluster: the one attached (or being attached), or the embedded default, attached now. */
const clusterFor = (instance: ThreadingImpl): Effect.Effect<Cluster, errors.ThreadError> =>
  Effect.catchCause(attach(instance, embedded(), "join"), (cause) =>
    Cause.hasInterruptsOnly(cause) ||
      cause.reasons.some((reason) => Cause.isFailReason(reason) && reason.error instanceof errors.ThreadError)
      ? Effect.failCause(cause as Cause.Cause<errors.ThreadError>)
      : startFailed(cause))

// -----------------------------------------------------------------------------
// Thread.singleton
// -----------------------------------------------------------------------------

/**
 * One run of a periodic singleton: as `Thread.periodic`'s, a failure is
 * reported through the excepthook and the schedule goes on, unless
 * `stopOnError`.
 */
const runOnce = <A, E, R>(effect: Effect.Effect<A, E, R>, stopOnError: boolean): Effect.Effect<void, E, R> =>
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

const targetOf = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
  options: Thread.SingletonOptions<any, any, any> | undefined
): Effect.Effect<unknown, unknown, unknown> => {
  const schedule = options?.schedule as Schedule.Schedule<unknown, unknown, unknown, unknown> | undefined
  if (schedule === undefined) return effect
  const run = runOnce(effect, options?.stopOnError === true)
  return options?.immediate === false ? Effect.schedule(run, schedule) : Effect.repeat(run, schedule)
}

/**
 * What the cluster runs on the owner: start a singleton thread, wait for it,
 * and interrupt it (awaiting its finalizers) when the cluster stops the
 * singleton here — ownership moved or the runner shuts down. A thread that
 * ends by itself is not restarted here (the engine keeps the singleton
 * "running" until ownership moves); one that cannot start because the
 * instance is shutting down waits for the cluster to stop it.
 */
const ownerRun = (
  instance: ThreadingImpl,
  cluster: Cluster,
  name: string,
  target: Effect.Effect<unknown, unknown, unknown>,
  context: Context.Context<never>,
  shardGroup: string
): Effect.Effect<void> =>
  Effect.suspend(() => {
    const thread = new SingletonImpl(instance, name, target, context, shardGroup)
    return start(thread).pipe(
      Effect.matchEffect({
        onFailure: () => Effect.never,
        onSuccess: () => {
          cluster.running.add(thread)
          const fiber = thread.fiber!
          return Fiber.await(fiber).pipe(
            Effect.andThen(Effect.never),
            Effect.ensuring(Effect.andThen(
              Fiber.interrupt(fiber),
              Effect.sync(() => cluster.running.delete(thread))
            ))
          )
        }
      })
    )
  })

/** @internal */
export const singleton = <A, E, R, Out = unknown, ES = never, R2 = never>(
  name: string,
  effect: Effect.Effect<A, E, R>,
  options?: Thread.SingletonOptions<Out, ES, R2>
): Effect.Effect<void, errors.ThreadError, Threading.Threading | R | R2> =>
  Effect.withFiber((fiber) => {
    const context = fiber.context
    const instance = Context.getUnsafe(context, tag) as ThreadingImpl
    const input = validate.singleton(name, effect, options)
    if (input instanceof errors.ThreadError) return Effect.fail(input)
    if (isShuttingDown(instance)) {
      return Effect.fail(errors.make(errors.messages.atShutdown))
    }
    const shardGroup = input.shardGroup ?? "default"
    const key = `${shardGroup}/${name}`
    const target = targetOf(effect, input as Thread.SingletonOptions<Out, ES, R2>)
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
      return cluster.sharding.registerSingleton(
        name,
        ownerRun(instance, cluster, name, target, context, shardGroup),
        { shardGroup }
      ).pipe(Scope.provide(cluster.scope))
    })
  })

// -----------------------------------------------------------------------------
// Cluster layers from options
// -----------------------------------------------------------------------------

const installHint = "npm install @effect/platform-node@^4.1.0 @effect/sql-pg@^4.0.5"

const postgresClientConfig = (postgres: ThreadingCluster.PostgresConnection) =>
  typeof postgres === "string" || Redacted.isRedacted(postgres)
    ? { url: typeof postgres === "string" ? Redacted.make(postgres) : postgres }
    : {
      ...postgres,
      password: typeof postgres.password === "string" ? Redacted.make(postgres.password) : postgres.password,
      url: typeof postgres.url === "string" ? Redacted.make(postgres.url) : postgres.url
    }

/**
 * A runner of a real cluster: `NodeClusterSocket` (runners talk over TCP)
 * with runner and message storage in PostgreSQL through `@effect/sql-pg`,
 * both loaded when the layer is built (optional peer dependencies).
 */
const postgresSharding = (
  options: ThreadingCluster.PostgresOptions
): Layer.Layer<Sharding.Sharding, errors.ThreadError | ThreadingCluster.StartError> =>
  Layer.unwrap(
    Effect.tryPromise({
      try: () => Promise.all([import("@effect/platform-node/NodeClusterSocket"), import("@effect/sql-pg/PgClient")]),
      catch: (error) =>
        errors.make(
          `ThreadingCluster with Postgres needs @effect/platform-node and @effect/sql-pg (${installHint}):\n${
            String(error)
          }`
        )
    }).pipe(Effect.map(([NodeClusterSocket, PgClient]) => {
      const address = RunnerAddress.make(options.runnerAddress.host, options.runnerAddress.port)
      const listen = options.listenAddress === undefined
        ? Option.none()
        : Option.some(RunnerAddress.make(options.listenAddress.host, options.listenAddress.port))
      const shardingConfig = {
        ...options.shardingConfig,
        runnerAddress: Option.some(address),
        runnerListenAddress: listen
      }
      return NodeClusterSocket.layer({ storage: "sql", shardingConfig }).pipe(
        Layer.provide(PgClient.layer(postgresClientConfig(options.postgres))),
        // The same settings the runner reads (environment, then these), for
        // Thread.singleton's check of shard groups.
        Layer.merge(ShardingConfig.layerFromEnv(shardingConfig))
      )
    }))
  )

/** @internal */
export const layer = (
  input?: ThreadingCluster.Options
): Layer.Layer<never, errors.ThreadError | ThreadingCluster.StartError, Threading.Threading> => {
  const options = decode.cluster(input)
  return options instanceof errors.ThreadError
    ? Layer.effectDiscard(Effect.fail(options))
    : options.storage === "postgres"
    ? layerFrom(postgresSharding(options))
    : layerFrom(embedded(options.shardingConfig))
}

/** @internal */
export const layerConfig = (
  config: Config.Config<ThreadingCluster.Options>
): Layer.Layer<never, errors.ThreadError | ThreadingCluster.StartError | Config.ConfigError, Threading.Threading> =>
  Layer.unwrap(Effect.suspend(() => {
    const invalid = validate.config(config)
    return invalid === undefined
      ? Effect.map(config, layer)
      : Effect.fail<errors.ThreadError | Config.ConfigError>(invalid)
  }))
