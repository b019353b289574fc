/**
 * The PostgreSQL fencing store (src/internal/clusterFence.ts) against a real
 * PostgreSQL 15: the two checks a frozen runner's timing cannot reach in a
 * process test (fencing.test.ts), here driven directly:
 *
 * - a token is taken only by the runner one of whose sessions (told by
 *   `application_name`) holds the engine's advisory lock on the singleton's
 *   shard — so a runner whose lock was lost cannot take a token newer than
 *   the real owner's;
 * - a guarded write with an older token is refused, and one in flight holds
 *   the next owner's takeover back until it commits.
 *
 * The advisory locks are taken as the engine's `SqlRunnerStorage` takes them
 * (its lock key for the shard); this test computes that key on its own,
 * from the engine's documented wire format, so a change of either shows.
 */
import { PgClient } from "@effect/sql-pg"
import { Context, Effect, Fiber, Layer, Option, Redacted } from "effect"
import * as ShardId from "effect/cluster/ShardId"
import * as ShardingConfig from "effect/cluster/ShardingConfig"
import { SqlClient } from "effect/sql/SqlClient"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as fence from "../../src/internal/clusterFence.js"
import { query } from "./harness.js"
import { binariesForTests, type Postgres, start } from "./postgres.js"

const binaries = binariesForTests()
const skip = "skip" in binaries ? binaries.skip : undefined
if (skip !== undefined) console.warn(`test/cluster/fence-store.test.ts skipped: ${skip}`)

/** The key `SqlRunnerStorage` locks a shard with: FNV-1a of `effect-cluster:cluster`, and (group index + 1) * 1e6 + id. */
const engineLockKey = (shard: ShardId.ShardId): readonly [number, number] => {
  const bytes = new TextEncoder().encode("effect-cluster:cluster")
  let hash = 0x811c9dc5
  for (const byte of bytes) hash = Math.imul(hash ^ byte, 0x01000193)
  return [hash | 0, 1_000_000 + shard.id]
}

const config = ShardingConfig.defaults
const shard = ShardId.make("default", 42)
const key = { name: "billing-sweep", shardGroup: "default" }

describe.skipIf(skip !== undefined)("the PostgreSQL fencing store", () => {
  let pg: Postgres
  beforeAll(async () => {
    if ("fail" in binaries) throw new Error(binaries.fail)
    pg = await start((binaries as { bin: string }).bin)
    // The engine's runner table (its columns that the ownership read joins), with a live b and a dead c.
    await query(
      pg,
      "CREATE TABLE cluster_runners (address varchar(255) PRIMARY KEY, last_heartbeat timestamp NOT NULL)"
    )
    await query(
      pg,
      "INSERT INTO cluster_runners VALUES ('10.0.0.2:1', NOW()), ('10.0.0.3:1', NOW() - INTERVAL '1 hour')"
    )
  }, 60_000)
  afterAll(async () => {
    await pg?.stop()
  }, 30_000)

  /** A runner's pool, its sessions named as the library names them, open until the test's scope closes. */
  const pool = (runner: string) =>
    Layer.build(
      PgClient.layer({ url: Redacted.make(pg.url), applicationName: `effect-threading ${runner}`, maxConnections: 3 })
    )

  /** A runner's store and pool. */
  const runnerOf = (runner: string) =>
    Effect.gen(function*() {
      const context = yield* pool(runner)
      const store = yield* Effect.flatMap(SqlClient, (sql) =>
        fence.postgres({ sql, config, runner, applicationName: `effect-threading ${runner}` })).pipe(
          Effect.provideContext(context)
        )
      return { store, context }
    })

  /**
   * Holds the engine's lock on `on` in a session of `runner` (a pool of its
   * own, closed — its session ended, the lock released — when interrupted).
   */
  const holdLock = (runner: string, on: ShardId.ShardId) =>
    Effect.scoped(Effect.gen(function*() {
      const context = yield* pool(runner)
      const sql = Context.get(context, SqlClient)
      const connection = yield* sql.reserve
      const [namespace, lock] = engineLockKey(on)
      yield* connection.executeRaw(`SELECT pg_advisory_lock(${namespace}, ${lock})`, [])
      return yield* Effect.never
    }))

  it(
    "takes a token only while a session of this runner holds the shard's lock; tokens increase; owners and status",
    async () => {
      const result = await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
        const { store: a } = yield* runnerOf("10.0.0.1:1")
        const { store: b } = yield* runnerOf("10.0.0.2:1")
        const noLock = yield* a.take(key, shard)
        // a holds the lock: a may take, b may not.
        const held = yield* Effect.forkChild(holdLock("10.0.0.1:1", shard))
        yield* Effect.sleep(500)
        const first = yield* a.take(key, shard)
        const notB = yield* b.take(key, shard)
        yield* Fiber.interrupt(held)
        // now b holds it (a's session has ended)
        yield* Effect.forkChild(holdLock("10.0.0.2:1", shard))
        yield* Effect.sleep(500)
        const second = yield* b.take(key, shard)
        const notA = yield* a.take(key, shard)
        const ownersLive = yield* b.owners
        // c takes it over (its lock), then its heartbeat is an hour old: lapsed; released once it says so.
        const { store: c } = yield* runnerOf("10.0.0.3:1")
        yield* Effect.forkChild(holdLock("10.0.0.3:1", ShardId.make("default", 9)))
        yield* Effect.sleep(500)
        const third = (yield* c.take({ name: "other", shardGroup: "default" }, ShardId.make("default", 9)))!
        const ownersLapsed = yield* a.owners
        yield* c.release({ name: "other", shardGroup: "default" }, third)
        const ownersReleased = yield* a.owners
        return { noLock, first, notB, second, notA, ownersLive, ownersLapsed, ownersReleased }
      })))
      expect(result.noLock).toBeUndefined()
      expect(result.first).toBe(BigInt(1))
      expect(result.notB).toBeUndefined()
      expect(result.second).toBe(BigInt(2))
      expect(result.notA).toBeUndefined()
      const billing = { name: "billing-sweep", shardGroup: "default", runner: "10.0.0.2:1", fencingToken: BigInt(2) }
      expect(result.ownersLive).toMatchObject([{ ...billing, status: "running" }])
      const other = { name: "other", runner: "10.0.0.3:1", fencingToken: BigInt(1) }
      expect(result.ownersLapsed).toMatchObject([{ ...billing, status: "running" }, { ...other, status: "lapsed" }])
      expect(result.ownersReleased).toMatchObject([{ ...billing, status: "running" }, { ...other, status: "released" }])
    },
    60_000
  )

  it(
    "refuses a guarded write with an older token; one in flight holds the takeover back until it commits",
    async () => {
      const events: Array<string> = []
      const shard7 = ShardId.make("default", 7)
      const key7 = { name: "ledger", shardGroup: "default" }
      await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
        const a = yield* runnerOf("10.0.0.1:1")
        const b = yield* runnerOf("10.0.0.2:1")
        const lockA = yield* Effect.forkChild(holdLock("10.0.0.1:1", shard7))
        yield* Effect.sleep(500)
        const tokenA = (yield* a.store.take(key7, shard7))!
        // A's guarded write is in flight (2 s) when B takes over.
        const slowWrite = a.store.guard(
          key7,
          tokenA,
          Effect.sync(() => events.push("A writes")).pipe(
            Effect.andThen(Effect.sleep(2_000)),
            Effect.andThen(Effect.sync(() => events.push("A commits")))
          )
        ).pipe(Effect.provideContext(a.context))
        const writing = yield* Effect.forkChild(slowWrite)
        yield* Effect.sleep(500)
        yield* Fiber.interrupt(lockA)
        yield* Effect.forkChild(holdLock("10.0.0.2:1", shard7))
        yield* Effect.sleep(500)
        const tokenB = (yield* b.store.take(key7, shard7))!
        events.push(`B took token ${tokenB}`)
        expect(Option.isSome(yield* Fiber.join(writing))).toBe(true)
        const stale = yield* a.store.guard(key7, tokenA, Effect.sync(() => events.push("A writes again"))).pipe(
          Effect.provideContext(a.context)
        )
        events.push(Option.isNone(stale) ? "A refused" : "A accepted")
        const fresh = yield* b.store.guard(key7, tokenB, Effect.sync(() => events.push("B writes"))).pipe(
          Effect.provideContext(b.context)
        )
        expect(Option.isSome(fresh)).toBe(true)
      })))
      expect(events).toEqual(["A writes", "A commits", "B took token 2", "A refused", "B writes"])
    },
    60_000
  )
})
