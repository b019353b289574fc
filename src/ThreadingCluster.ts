/**
 * Cluster-enabled `Threading` instances: where `Thread.singleton` finds the
 * cluster it runs on.
 *
 * A singleton needs a cluster: a set of runners (processes) that agree, through
 * `effect/cluster`'s `Sharding` and its storage, on which runner owns which
 * shard. This module attaches one to a `Threading` instance:
 *
 * - `layer()` (or nothing at all): the embedded default, one in-process runner
 *   with in-memory storage — no server, no port. Every singleton runs in this
 *   process. For development, tests and single-process programs.
 * - `layer({ storage: "postgres", ... })`: a runner of a real cluster, its
 *   runners talking over TCP (`NodeClusterSocket`) and sharing runner and
 *   message storage in PostgreSQL (`@effect/sql-pg`). Each singleton runs on
 *   the one runner that owns its shard.
 * - `layerFrom(sharding)`: any other `Sharding` layer (HTTP runners,
 *   Kubernetes health checks, your own storage).
 *
 * The cluster lives as long as the instance: it is built when the layer is,
 * and stopped in shutdown step (c), after the singleton threads have been
 * interrupted — so ownership is handed over only once their finalizers have
 * run. See docs/cluster.md for the guarantees and measured handover times.
 *
 * @since 1.0.0
 * @module
 */
import type * as Sharding from "effect/cluster/Sharding"
import type * as ShardingConfig from "effect/cluster/ShardingConfig"
import type * as Config from "effect/Config"
import type * as Layer from "effect/Layer"
import type * as Redacted from "effect/Redacted"
import type * as SocketServer from "effect/socket/SocketServer"
import type * as SqlError from "effect/sql/SqlError"
import * as internal from "./internal/singleton.js"
import type { ThreadError } from "./Thread.js"
import type { Threading } from "./Threading.js"

/**
 * A host and a port, as other runners reach this one (`runnerAddress`) or as
 * this one listens (`listenAddress`).
 *
 * @example
 * ```ts
 * import type { ThreadingCluster } from "effect-threading"
 *
 * const address: ThreadingCluster.Address = { host: "10.0.0.5", port: 34431 }
 * ```
 *
 * @since 1.0.0
 * @category models
 */
export interface Address {
  readonly host: string
  readonly port: number
}

/**
 * How to reach PostgreSQL: a URL (`postgres://user:password@host:5432/db`),
 * as a string or `Redacted`, or its parts.
 *
 * @example
 * ```ts
 * import type { ThreadingCluster } from "effect-threading"
 *
 * const byUrl: ThreadingCluster.PostgresConnection = "postgres://app@db.internal:5432/app"
 * const byParts: ThreadingCluster.PostgresConnection = {
 *   host: "db.internal",
 *   database: "app",
 *   username: "app",
 *   password: "secret"
 * }
 * ```
 *
 * @since 1.0.0
 * @category models
 */
export type PostgresConnection =
  | string
  | Redacted.Redacted<string>
  | {
    readonly url?: string | Redacted.Redacted<string> | undefined
    readonly host?: string | undefined
    readonly port?: number | undefined
    readonly database?: string | undefined
    readonly username?: string | undefined
    readonly password?: string | Redacted.Redacted<string> | undefined
    /** Size of the connection pool. */
    readonly maxConnections?: number | undefined
  }

/**
 * The embedded default: one in-process runner, in-memory storage, no server
 * and no port. All singletons run in this process.
 *
 * @example
 * ```ts
 * import { ThreadingCluster } from "effect-threading"
 *
 * const layer = ThreadingCluster.layer({ storage: "embedded" }) // same as layer()
 * ```
 *
 * @since 1.0.0
 * @category models
 */
export interface EmbeddedOptions {
  readonly storage?: "embedded" | undefined
  /** Settings of `effect/cluster`'s `ShardingConfig`, over its defaults. */
  readonly shardingConfig?: Partial<ShardingConfig.ShardingConfig["Service"]> | undefined
}

/**
 * A runner of a real cluster, its storage in PostgreSQL. Every runner of the
 * cluster must use the same database and the same `shardsPerGroup` and shard
 * groups.
 *
 * @example
 * ```ts
 * import { ThreadingCluster } from "effect-threading"
 *
 * const options: ThreadingCluster.PostgresOptions = {
 *   storage: "postgres",
 *   postgres: "postgres://app@db.internal:5432/app",
 *   runnerAddress: { host: "10.0.0.5", port: 34431 },
 *   shardingConfig: { refreshAssignmentsInterval: "1 second" }
 * }
 * ```
 *
 * @since 1.0.0
 * @category models
 */
export interface PostgresOptions {
  readonly storage: "postgres"
  /** The database shared by all runners; the cluster creates its tables on first start. */
  readonly postgres: PostgresConnection
  /** Where the other runners reach this one. Unique per runner. */
  readonly runnerAddress: Address
  /** Where this runner listens, when not `runnerAddress` (behind NAT, in a container). */
  readonly listenAddress?: Address | undefined
  /**
   * Settings of `effect/cluster`'s `ShardingConfig`, over those it reads from
   * the environment and its defaults: lock timing
   * (`shardLockRefreshInterval`, `shardLockExpiration`),
   * `refreshAssignmentsInterval`, shard groups, weights.
   */
  readonly shardingConfig?: Partial<ShardingConfig.ShardingConfig["Service"]> | undefined
}

/**
 * Options of `layer`: the embedded default or a Postgres-backed runner.
 *
 * @example
 * ```ts
 * import type { ThreadingCluster } from "effect-threading"
 *
 * const fromEnv = (url: string | undefined, port: number): ThreadingCluster.Options =>
 *   url === undefined
 *     ? { storage: "embedded" }
 *     : { storage: "postgres", postgres: url, runnerAddress: { host: "127.0.0.1", port } }
 * ```
 *
 * @since 1.0.0
 * @category models
 */
export type Options = EmbeddedOptions | PostgresOptions

/**
 * Why a cluster could not start: its configuration, its socket server, or
 * its database.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Threading, ThreadingCluster } from "effect-threading"
 *
 * const program = Effect.void.pipe(
 *   Effect.provide(ThreadingCluster.layer()),
 *   Effect.catchTag("SqlError", (error: ThreadingCluster.StartError) => Effect.logError(error))
 * )
 * Threading.runMain(program)
 * ```
 *
 * @since 1.0.0
 * @category errors
 */
export type StartError = Config.ConfigError | SocketServer.SocketServerError | SqlError.SqlError

/**
 * Makes the current `Threading` instance cluster-enabled: `Thread.singleton`
 * then registers with this cluster. Without options, the embedded default
 * (which `Thread.singleton` also uses when no layer was provided). Provide it
 * once per instance, around the program, before the first `Thread.singleton`;
 * the cluster outlives the layer's scope and stops with the instance, in
 * shutdown step (c).
 *
 * Fails with a `ThreadError` if the instance already has a cluster or is
 * shutting down, or with the cluster's own error if it cannot start (bad
 * configuration, port in use, database unreachable). Its options are checked
 * first, a nested one by its path: `storage` must be `"embedded"` or
 * `"postgres"`, a port an integer from 0 to 65535 (`invalid option
 * runnerAddress.port: ...`), and a key that is no option is refused, naming
 * the option it is a near miss of.
 *
 * @example
 * ```ts
 * import { Console, Effect, Schedule } from "effect"
 * import { Thread, Threading, ThreadingCluster } from "effect-threading"
 *
 * const program = Effect.gen(function*() {
 *   yield* Thread.singleton("nightly-cleanup", Console.log("cleaning"), {
 *     schedule: Schedule.spaced("1 hour")
 *   })
 *   yield* Effect.never // serve requests...
 * })
 *
 * Threading.runMain(
 *   program.pipe(Effect.provide(ThreadingCluster.layer({
 *     storage: "postgres",
 *     postgres: process.env.DATABASE_URL!,
 *     runnerAddress: { host: process.env.POD_IP!, port: 34431 }
 *   })))
 * )
 * ```
 *
 * @since 1.0.0
 * @category layers
 */
export const layer: (
  options?: Options
) => Layer.Layer<never, ThreadError | StartError, Threading> = internal.layer

/**
 * `layer` with its options read from Effect `Config` (environment variables
 * by default, or the `ConfigProvider` in use).
 *
 * @example
 * ```ts
 * import { Config, Effect } from "effect"
 * import { Threading, ThreadingCluster } from "effect-threading"
 *
 * // DATABASE_URL set: a Postgres runner at RUNNER_HOST:RUNNER_PORT; unset: the embedded default
 * const options: Config.Config<ThreadingCluster.Options> = Config.all({
 *   url: Config.option(Config.String("DATABASE_URL")),
 *   host: Config.withDefault(Config.String("RUNNER_HOST"), "127.0.0.1"),
 *   port: Config.withDefault(Config.Int("RUNNER_PORT"), 34431)
 * }).pipe(Config.map(({ host, port, url }): ThreadingCluster.Options =>
 *   url._tag === "None"
 *     ? { storage: "embedded" }
 *     : { storage: "postgres", postgres: url.value, runnerAddress: { host, port } }
 * ))
 *
 * Threading.runMain(Effect.never.pipe(Effect.provide(ThreadingCluster.layerConfig(options))))
 * ```
 *
 * @since 1.0.0
 * @category layers
 */
export const layerConfig: (
  config: Config.Config<Options>
) => Layer.Layer<never, ThreadError | StartError | Config.ConfigError, Threading> = internal.layerConfig

/**
 * Makes the current `Threading` instance cluster-enabled with any `Sharding`
 * layer: `HttpRunner`, `NodeClusterSocket` with Kubernetes health checks,
 * other storage. The instance owns what the layer builds and releases it in
 * shutdown step (c). When the layer's output includes its `ShardingConfig`,
 * `Thread.singleton` checks shard groups against it.
 *
 * @example
 * ```ts
 * import { NodeClusterSocket } from "@effect/platform-node"
 * import { PgClient } from "@effect/sql-pg"
 * import { Layer } from "effect"
 * import { ThreadingCluster } from "effect-threading"
 *
 * const cluster = ThreadingCluster.layerFrom(
 *   NodeClusterSocket.layer({ storage: "sql", runnerHealth: "k8s" }).pipe(
 *     Layer.provide(PgClient.layer({ host: "db.internal", database: "app" }))
 *   )
 * )
 * ```
 *
 * @since 1.0.0
 * @category layers
 */
export const layerFrom: <E>(
  sharding: Layer.Layer<Sharding.Sharding, E>
) => Layer.Layer<never, E | ThreadError, Threading> = internal.layerFrom
