/**
 * The clusters `ThreadingCluster.layer` builds: the embedded default and a
 * PostgreSQL-backed socket runner, each with what the singletons need beside
 * the engine's `Sharding` (`Support`): the fencing-token store, the lease
 * observer on the engine's runner storage, and when the cluster has settled.
 *
 * @internal
 */
import * as MessageStorage from "effect/cluster/MessageStorage"
import * as RunnerAddress from "effect/cluster/RunnerAddress"
import * as RunnerHealth from "effect/cluster/RunnerHealth"
import * as Runners from "effect/cluster/Runners"
import * as RunnerStorage from "effect/cluster/RunnerStorage"
import * as Sharding from "effect/cluster/Sharding"
import * as ShardingConfig from "effect/cluster/ShardingConfig"
import * as SqlMessageStorage from "effect/cluster/SqlMessageStorage"
import * as SqlRunnerStorage from "effect/cluster/SqlRunnerStorage"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as SqlClient from "effect/sql/SqlClient"
import type * as ThreadingCluster from "../ThreadingCluster.js"
import * as fence from "./clusterFence.js"
import * as lease_ from "./clusterLease.js"
import * as errors from "./errors.js"

/**
 * What the singletons of a cluster need beside its `Sharding`.
 *
 * @internal
 */
export interface Support {
  /** This runner, as the ownership records name it (`host:port`). */
  readonly runner: string
  readonly fence: fence.FenceStore
  /** The lease observer; `undefined` where no other runner can take a singleton over (embedded) or it cannot be known (`layerFrom`). */
  readonly lease: lease_.Lease | undefined
  /** Completes once the cluster has settled (see `ThreadingCluster.PostgresOptions.settle`). */
  readonly settled: Effect.Effect<void>
  /** Where ownership changes are logged: `Info` in a real cluster, `Debug` for the embedded default. */
  readonly logLevel: "Info" | "Debug"
  /** How often a singleton waiting on the engine looks again (`shardLockRefreshInterval`-ish). */
  readonly pollMillis: number
}

/** @internal */
export const Support = Context.Service<Support>("effect-threading/ClusterSupport")

/** What `layerFrom`'s clusters get: ownership in memory, no lease, no settling. @internal */
export const defaultSupport = (runner: string): Effect.Effect<Support> =>
  Effect.map(fence.memory(runner), (store) => ({
    runner,
    fence: store,
    lease: undefined,
    settled: Effect.void,
    logLevel: "Info",
    pollMillis: 1000
  }))

/**
 * The embedded default: `TestRunner`'s wiring (one in-process runner,
 * in-memory storage, no port, no server), with the given settings over the
 * engine's defaults, its `ShardingConfig` in the output.
 *
 * @internal
 */
export const embedded = (
  shardingConfig?: Partial<ShardingConfig.ShardingConfig["Service"]> | undefined
): Layer.Layer<Sharding.Sharding | ShardingConfig.ShardingConfig | Support> =>
  Sharding.layer.pipe(
    Layer.provideMerge(Runners.layerNoop),
    Layer.provideMerge(MessageStorage.layerMemory),
    Layer.provide([RunnerStorage.layerMemory, RunnerHealth.layerNoop]),
    Layer.provideMerge(ShardingConfig.layer(shardingConfig)),
    Layer.merge(
      Layer.effect(Support)(
        Effect.map(defaultSupport("embedded"), (support) => ({ ...support, logLevel: "Debug" as const }))
      )
    )
  )

const installHint = "npm install @effect/platform-node@^4.1.0 @effect/sql-pg@^4.0.5"

const postgresClientConfig = (postgres: ThreadingCluster.PostgresConnection) =>
  typeof postgres === "string" || Redacted.isRedacted(postgres)
    ? { url: typeof postgres === "string" ? Redacted.make(postgres) : postgres }
    : {
      ...postgres,
      password: typeof postgres.password === "string" ? Redacted.make(postgres.password) : postgres.password,
      url: typeof postgres.url === "string" ? Redacted.make(postgres.url) : postgres.url
    }

const millis = (input: Duration.Input) => Duration.toMillis(Duration.fromInputUnsafe(input))

/**
 * The default `settle`: two assignment refreshes, plus the engine's join
 * debounce — long enough for runners started together to see each other and
 * for the shards to be assigned among them.
 */
const defaultSettle = (config: ShardingConfig.ShardingConfig["Service"]): Duration.Duration =>
  Duration.millis(2 * millis(config.refreshAssignmentsInterval) + millis(config.runnerJoinDebounce))

/**
 * A runner of a real cluster: `NodeClusterSocket` (runners talk over TCP)
 * with runner and message storage in PostgreSQL through `@effect/sql-pg`,
 * both loaded when the layer is built (optional peer dependencies). The
 * runner storage is the engine's own, observed (`./clusterLease.ts`); every
 * session of the pool is named `effect-threading HOST:PORT`, so that the
 * fencing store can tell this runner's locks in `pg_locks`.
 *
 * @internal
 */
export const postgres = (
  options: ThreadingCluster.PostgresOptions
): Layer.Layer<
  Sharding.Sharding | ShardingConfig.ShardingConfig | Support,
  errors.ThreadError | ThreadingCluster.StartError
> =>
  Layer.unwrap(Effect.gen(function*() {
    const [NodeClusterSocket, NodeCrypto, PgClient] = yield* Effect.tryPromise({
      try: () =>
        Promise.all([
          import("@effect/platform-node/NodeClusterSocket"),
          import("@effect/platform-node/NodeCrypto"),
          import("@effect/sql-pg/PgClient")
        ]),
      catch: (error) =>
        errors.make(
          `ThreadingCluster with Postgres needs @effect/platform-node and @effect/sql-pg (${installHint}):\n${
            String(error)
          }`
        )
    })
    const address = RunnerAddress.make(options.runnerAddress.host, options.runnerAddress.port)
    const listen = options.listenAddress === undefined
      ? Option.none()
      : Option.some(RunnerAddress.make(options.listenAddress.host, options.listenAddress.port))
    // The settings the engine runs with: the environment's, then these.
    const config: ShardingConfig.ShardingConfig["Service"] = {
      ...(yield* ShardingConfig.configFromEnv),
      ...options.shardingConfig,
      runnerAddress: Option.some(address),
      runnerListenAddress: listen
    }
    const runner = `${address.host}:${address.port}`
    const applicationName = `effect-threading ${runner}`.slice(0, 63)
    const { lease, wrap } = yield* lease_.observe({
      expiration: config.shardLockExpiration,
      settle: options.settle ?? defaultSettle(config)
    })
    const configLayer = ShardingConfig.layer(config)
    const runnerStorage = Layer.effect(RunnerStorage.RunnerStorage)(
      Effect.map(RunnerStorage.RunnerStorage, wrap)
    ).pipe(Layer.provide(Layer.orDie(SqlRunnerStorage.layer)))
    const messageStorage = SqlMessageStorage.layer.pipe(Layer.provide(NodeCrypto.layerDigest))
    const support = Layer.effect(Support)(Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const store = yield* fence.postgres({ sql, config, runner, applicationName })
      return {
        runner,
        fence: store,
        lease,
        settled: lease.settled,
        logLevel: "Info" as const,
        pollMillis: Math.max(100, Math.min(1000, millis(config.shardLockRefreshInterval) / 2))
      }
    }))
    const sharding = NodeClusterSocket.layer({ storage: "byo", shardingConfig: config }).pipe(
      Layer.provide(Layer.mergeAll(runnerStorage, messageStorage))
    )
    return Layer.mergeAll(sharding, support, configLayer).pipe(
      Layer.provide(configLayer),
      Layer.provide(PgClient.layer({ ...postgresClientConfig(options.postgres), applicationName }))
    )
  }))
