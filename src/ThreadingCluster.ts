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
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import type * as Redacted from "effect/Redacted"
import type * as SocketServer from "effect/socket/SocketServer"
import type * as SqlClient from "effect/sql/SqlClient"
import type * as SqlError from "effect/sql/SqlError"
import * as internal from "./internal/clusterEngine.js"
import * as singletonThread from "./internal/singletonThread.js"
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
  /**
   * How long the set of runners this runner sees must stay unchanged before
   * its singletons start (default: two `refreshAssignmentsInterval`s plus
   * `runnerJoinDebounce`). Runners started together first find each other,
   * and the shards are assigned among them, so that a singleton does not
   * start on the first runner up only to move to the one that joins next
   * (its `immediate` run would run twice). `0` starts them at once.
   */
  readonly settle?: Duration.Input | undefined
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

// -----------------------------------------------------------------------------
// Fencing and ownership
// -----------------------------------------------------------------------------

/**
 * The fencing token of the current singleton's ownership period: a number
 * that strictly increases each time any runner of the cluster takes the
 * singleton (from a row per singleton in the cluster's PostgreSQL, taken only
 * by the runner that holds the singleton's shard lock; counted in memory by
 * the embedded default). Pass it along with a write so that the resource can
 * refuse the writes of an earlier owner (`... WHERE fence <= $token`), or use
 * `fenced`.
 *
 * Inside a singleton's thread (or a fiber it forked) only: elsewhere it is a
 * defect. When this runner's lease on the singleton has lapsed (the runner
 * was frozen — SIGSTOP, a long GC pause, a suspended VM — past the lock
 * expiration), it does not return: the singleton is stopped here before its
 * next step (see docs/cluster.md).
 *
 * @example
 * ```ts
 * import { Effect, Schedule } from "effect"
 * import { SqlClient } from "effect/sql/SqlClient"
 * import { Thread, ThreadingCluster } from "effect-threading"
 *
 * // UPDATE ... WHERE fence <= token: a paused earlier owner's write changes nothing
 * const sweep = Effect.gen(function*() {
 *   const sql = yield* SqlClient
 *   const token = yield* ThreadingCluster.fencingToken
 *   yield* sql`UPDATE billing SET swept_at = NOW(), fence = ${token}
 *              WHERE due < NOW() AND fence <= ${token}`
 * })
 *
 * const program = Thread.singleton("billing-sweep", sweep, { schedule: Schedule.spaced("1 minute") })
 * ```
 *
 * @since 1.1.0
 * @category fencing
 */
export const fencingToken: Effect.Effect<bigint> = singletonThread.fencingToken

/**
 * A guarded write: runs `write` (SQL statements on the `SqlClient` of its
 * context) in one transaction that first checks, in the cluster's database,
 * that the current singleton's fencing token is still the latest. The next
 * owner's takeover waits for that transaction to commit; once it has taken
 * the singleton, the earlier owner's guarded writes are refused: nothing is
 * written, the refusal is logged, and the singleton is stopped on that runner.
 *
 * The `SqlClient` must reach the cluster's database (where the
 * `effect_threading_singletons` table is); with the embedded default the
 * check is made in memory. Inside a singleton's thread only.
 *
 * @example
 * ```ts
 * import { Effect, Schedule } from "effect"
 * import { SqlClient } from "effect/sql/SqlClient"
 * import { Thread, ThreadingCluster } from "effect-threading"
 *
 * const sweep = Effect.gen(function*() {
 *   const sql = yield* SqlClient
 *   yield* sql`INSERT INTO sweeps (at) VALUES (NOW())`
 * }).pipe(ThreadingCluster.fenced)
 *
 * const program = Thread.singleton("sweeper", sweep, { schedule: Schedule.spaced("10 seconds") })
 * ```
 *
 * @since 1.1.0
 * @category fencing
 */
export const fenced: <A, E, R>(
  write: Effect.Effect<A, E, R>
) => Effect.Effect<A, E | SqlError.SqlError, R | SqlClient.SqlClient> = singletonThread.fenced

/**
 * A singleton's latest ownership period, as the cluster's storage records
 * it: who took it, since when, with which fencing token, and whether it
 * still runs there.
 *
 * - `running`: its runner took it and is alive (its heartbeat in the
 *   cluster's runner table is younger than the lock expiration);
 * - `released`: the period ended cleanly (the thread stopped, finalizers
 *   ran); the next owner has not taken it yet;
 * - `lapsed`: its runner stopped its heartbeat (it died, is frozen or cut
 *   off) without releasing it: the cluster will move it once the lock
 *   expires.
 *
 * @example
 * ```ts
 * import type { ThreadingCluster } from "effect-threading"
 *
 * const describe = (owner: ThreadingCluster.Owner) =>
 *   `${owner.name} on ${owner.runner} since ${owner.since.toISOString()} (token ${owner.fencingToken}, ${owner.status})`
 * ```
 *
 * @since 1.1.0
 * @category models
 */
export interface Owner {
  readonly name: string
  readonly shardGroup: string
  /** The runner's address (`host:port`; `embedded` for the embedded default). */
  readonly runner: string
  readonly since: Date
  readonly fencingToken: bigint
  readonly status: "running" | "released" | "lapsed"
}

/**
 * Who owns each singleton, cluster-wide: every singleton's latest ownership
 * period, read from the cluster's storage (PostgreSQL; the embedded
 * default's memory), whichever runner took it. Empty while this instance has
 * no cluster.
 *
 * @example
 * ```ts
 * import { Console, Effect } from "effect"
 * import { ThreadingCluster } from "effect-threading"
 *
 * const report = Effect.flatMap(ThreadingCluster.owners, (owners) =>
 *   Console.log(owners.map((o) => `${o.name}: ${o.runner} (token ${o.fencingToken}, ${o.status})`).join("\n"))
 * )
 * ```
 *
 * @since 1.1.0
 * @category ownership
 */
export const owners: Effect.Effect<ReadonlyArray<Owner>, SqlError.SqlError, Threading> = internal.owners
