/**
 * Fencing tokens and ownership records: for each singleton, a number that
 * strictly increases each time any runner takes it, the runner that took it
 * and since when, and whether that period ended cleanly.
 *
 * - `memory`: the embedded default's (one process: counts in memory).
 * - `postgres`: a row per singleton in `effect_threading_singletons`, in the
 *   cluster's database. A token is taken in one statement that also checks,
 *   in PostgreSQL itself, that a session of *this* runner holds the
 *   engine's lock on the singleton's shard (the advisory lock
 *   `effect/cluster`'s `SqlRunnerStorage` takes — its key is a wire format the
 *   engine keeps stable — seen in `pg_locks`, the session told by its
 *   `application_name`; or, with `shardLockDisableAdvisory`, the lock row in
 *   `cluster_locks`): a runner whose lock was lost while it was frozen
 *   cannot take a token, and so cannot pass a token newer than the real
 *   owner's. A guarded write (`guard`) runs in a transaction that first reads
 *   the singleton's row `FOR SHARE`: the next owner's token update waits for it
 *   to commit, and once that update has committed, an older token's write is
 *   refused.
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import type * as ShardId from "effect/cluster/ShardId"
import * as ShardingConfig from "effect/cluster/ShardingConfig"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import * as SqlClient from "effect/sql/SqlClient"
import type * as SqlError from "effect/sql/SqlError"
import type * as ThreadingCluster from "../ThreadingCluster.js"

/** @internal */
export interface Key {
  readonly name: string
  readonly shardGroup: string
}

/** @internal */
export interface FenceStore {
  /**
   * The next token of `key` for this runner, recorded as its owner since
   * now; `undefined` when this runner does not hold the lock on `shard`.
   */
  readonly take: (key: Key, shard: ShardId.ShardId) => Effect.Effect<bigint | undefined, SqlError.SqlError>
  /** Records that the period of `token` ended (its finalizers ran), if no later token was taken. */
  readonly release: (key: Key, token: bigint) => Effect.Effect<void, SqlError.SqlError>
  /** Every singleton's latest period, cluster-wide. */
  readonly owners: Effect.Effect<ReadonlyArray<ThreadingCluster.Owner>, SqlError.SqlError>
  /** Runs `write` if `token` is still the latest of `key`, keeping it so until `write` ends; `None` otherwise. */
  readonly guard: <A, E, R>(
    key: Key,
    token: bigint,
    write: Effect.Effect<A, E, R>
  ) => Effect.Effect<Option.Option<A>, E | SqlError.SqlError, R | SqlClient.SqlClient>
}

const keyOf = (key: Key) => `${key.shardGroup}/${key.name}`

// -----------------------------------------------------------------------------
// memory
// -----------------------------------------------------------------------------

interface Record {
  readonly key: Key
  readonly token: bigint
  readonly since: number
  readonly releasedAt: number | undefined
}

/** @internal */
export const memory = (runner: string): Effect.Effect<FenceStore> =>
  Effect.map(Ref.make<ReadonlyMap<string, Record>>(new Map()), (records): FenceStore => {
    const latest = (key: Key) => Effect.map(Ref.get(records), (map) => map.get(keyOf(key)))
    return {
      take: (key) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) =>
          Ref.modify(records, (map) => {
            const token = (map.get(keyOf(key))?.token ?? BigInt(0)) + BigInt(1)
            return [token, new Map(map).set(keyOf(key), { key, token, since: now, releasedAt: undefined })]
          })),
      release: (key, token) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) =>
          Ref.update(records, (map) => {
            const record = map.get(keyOf(key))
            return record?.token === token ? new Map(map).set(keyOf(key), { ...record, releasedAt: now }) : map
          })),
      owners: Effect.map(Ref.get(records), (map) =>
        Array.from(map.values(), (record): ThreadingCluster.Owner => ({
          name: record.key.name,
          shardGroup: record.key.shardGroup,
          runner,
          since: new Date(record.since),
          fencingToken: record.token,
          status: record.releasedAt === undefined ? "running" : "released"
        }))),
      guard: (key, token, write) =>
        Effect.flatMap(latest(key), (record) => record?.token === token ? Effect.asSome(write) : Effect.succeedNone)
    }
  })

// -----------------------------------------------------------------------------
// postgres
// -----------------------------------------------------------------------------

/** @internal */
export const table = "effect_threading_singletons"

/**
 * The key space of `SqlRunnerStorage`'s advisory locks for its table prefix
 * (FNV-1a of `effect-cluster:PREFIX`): the same function, which the engine
 * documents as a persistent wire format.
 */
const lockNamespace = (prefix: string): number => {
  const bytes = new TextEncoder().encode(`effect-cluster:${prefix}`)
  let hash = 0x811c9dc5
  for (let i = 0; i < bytes.length; i++) hash = Math.imul(hash ^ bytes[i]!, 0x01000193)
  return hash | 0
}

/** The advisory lock number of a shard, as `SqlRunnerStorage` numbers them. */
const lockNumber = (config: ShardingConfig.ShardingConfig["Service"], shard: ShardId.ShardId): number => {
  const groups = Array.from(ShardingConfig.shardGroupConfig(config).available)
  return (groups.indexOf(shard.group) + 1) * 1_000_000 + shard.id
}

/**
 * The store in PostgreSQL: creates its table (once, under a transaction-level
 * advisory lock of its own key space — one key, where the engine's have two —
 * so runners starting together do not race), then answers
 * from it. `runner` is this runner's address (`host:port`), `applicationName`
 * that of every session of the cluster's pool.
 *
 * @internal
 */
export const postgres = (options: {
  readonly sql: SqlClient.SqlClient
  readonly config: ShardingConfig.ShardingConfig["Service"]
  readonly runner: string
  readonly applicationName: string
  readonly prefix?: string | undefined
}): Effect.Effect<FenceStore, SqlError.SqlError> => {
  const sql = options.sql.withoutTransforms()
  const prefix = options.prefix ?? "cluster"
  const expirationSeconds = Math.ceil(Duration.toSeconds(Duration.fromInputUnsafe(options.config.shardLockExpiration)))
  const namespace = lockNamespace(prefix) >>> 0
  const runnersTable = sql(`${prefix}_runners`)
  const locksTable = sql(`${prefix}_locks`)
  const self = sql(table)
  const holdsLock = (shard: ShardId.ShardId) =>
    options.config.shardLockDisableAdvisory
      ? sql`EXISTS (SELECT 1 FROM ${locksTable} WHERE shard_id = ${shard.toString()} AND address = ${options.runner}
              AND acquired_at > NOW() - make_interval(secs => ${expirationSeconds}))`
      : sql`EXISTS (SELECT 1 FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
              WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
                AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
                AND l.classid::bigint = ${namespace} AND l.objid::bigint = ${lockNumber(options.config, shard)}
                AND a.application_name = ${options.applicationName})`
  const create = sql.withTransaction(
    sql`SELECT pg_advisory_xact_lock(${lockNamespace(table)}::bigint)`.pipe(
      Effect.andThen(sql`CREATE TABLE IF NOT EXISTS ${self} (
        shard_group text NOT NULL,
        name text NOT NULL,
        token bigint NOT NULL,
        runner text NOT NULL,
        since timestamptz NOT NULL DEFAULT NOW(),
        released_at timestamptz,
        PRIMARY KEY (shard_group, name)
      )`)
    )
  )
  const store: FenceStore = {
    take: (key, shard) =>
      Effect.map(
        sql<{ token: string }>`
          INSERT INTO ${self} AS s (shard_group, name, token, runner)
          SELECT ${key.shardGroup}, ${key.name}, 1, ${options.runner} WHERE ${holdsLock(shard)}
          ON CONFLICT (shard_group, name) DO UPDATE
            SET token = s.token + 1, runner = EXCLUDED.runner, since = NOW(), released_at = NULL
          RETURNING token::text AS token`,
        (rows) => rows.length === 0 ? undefined : BigInt(rows[0]!.token)
      ),
    release: (key, token) =>
      Effect.asVoid(sql`UPDATE ${self} SET released_at = NOW()
        WHERE shard_group = ${key.shardGroup} AND name = ${key.name} AND token = ${String(token)}::bigint`),
    owners: Effect.map(
      sql<{
        shard_group: string
        name: string
        token: string
        runner: string
        since: Date | string
        released: boolean
        live: boolean
      }>`
        SELECT s.shard_group, s.name, s.token::text AS token, s.runner, s.since, s.released_at IS NOT NULL AS released,
          COALESCE(r.last_heartbeat > NOW() - make_interval(secs => ${expirationSeconds}), false) AS live
        FROM ${self} s LEFT JOIN ${runnersTable} r ON r.address = s.runner
        ORDER BY s.shard_group, s.name`,
      (rows) =>
        rows.map((row): ThreadingCluster.Owner => ({
          name: row.name,
          shardGroup: row.shard_group,
          runner: row.runner,
          since: new Date(row.since),
          fencingToken: BigInt(row.token),
          status: row.released ? "released" : row.live ? "running" : "lapsed"
        }))
    ),
    guard: (key, token, write) =>
      Effect.flatMap(SqlClient.SqlClient, (client) =>
        client.withTransaction(
          Effect.flatMap(
            client.withoutTransforms()<{ token: string }>`SELECT token::text AS token FROM ${client(table)}
              WHERE shard_group = ${key.shardGroup} AND name = ${key.name} FOR SHARE`,
            (rows) => rows[0]?.token === String(token) ? Effect.asSome(write) : Effect.succeedNone
          )
        ))
  }
  return Effect.as(create, store)
}
