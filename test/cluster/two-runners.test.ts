/**
 * Thread.singleton with two runners in one process, no database (issue 18,
 * tests first): two `Threading` instances, each with its own cluster runner
 * (`ThreadingCluster.layerFrom` of effect/cluster's `Sharding.layer`, no
 * server), sharing one in-memory runner storage. The storage here honours
 * shard locks (a lock is held by one runner until it releases it), as
 * PostgreSQL's advisory locks do; effect's own `RunnerStorage.layerMemory` is
 * made for one runner and grants every lock to whoever asks.
 *
 * One owner at a time: whether the singleton moves when the second runner
 * joins (that depends on the engine's shard assignment) or when its owner
 * shuts down, the next owner starts only after the previous owner's thread
 * has been interrupted and its finalizer has ended. (Across real processes
 * on PostgreSQL: test/cluster/failover.test.ts.) Real clock: the cluster's
 * own loops run on it.
 */
import { Deferred, Effect, Fiber, Layer, MutableHashMap, Option } from "effect"
import { Thread, Threading, ThreadingCluster } from "effect-threading"
import type { Runner } from "effect/cluster"
import {
  MachineId,
  MessageStorage,
  RunnerAddress,
  RunnerHealth,
  Runners,
  RunnerStorage,
  Sharding,
  ShardingConfig
} from "effect/cluster"
import { describe, expect, it } from "vitest"

/** An in-memory `RunnerStorage` for the runners of one process, with real shard locks. */
const makeSharedStorage = (): RunnerStorage.RunnerStorage["Service"] => {
  const runners = MutableHashMap.empty<RunnerAddress.RunnerAddress, readonly [Runner.Runner, boolean]>()
  /** shard id → the runner (`host:port`) holding its lock */
  const locks = new Map<string, string>()
  const key = (address: RunnerAddress.RunnerAddress) => `${address.host}:${address.port}`
  let nextId = 0
  const register: RunnerStorage.RunnerStorage["Service"]["register"] = (runner, healthy) =>
    Effect.sync(() => {
      MutableHashMap.set(runners, runner.address, [runner, healthy])
      return MachineId.make(nextId++)
    })
  return RunnerStorage.RunnerStorage.of({
    register,
    getRunners: Effect.sync(() => Array.from(MutableHashMap.values(runners))),
    unregister: (address) => Effect.sync(() => void MutableHashMap.remove(runners, address)),
    setRunnerHealth: (address, healthy) =>
      Effect.sync(() => void MutableHashMap.modify(runners, address, ([runner]) => [runner, healthy] as const)),
    acquire: (address, shardIds) =>
      Effect.sync(() =>
        Array.from(shardIds).filter((shardId) => {
          const holder = locks.get(shardId.toString())
          if (holder !== undefined && holder !== key(address)) return false
          locks.set(shardId.toString(), key(address))
          return true
        })
      ),
    refresh: (address, shardIds) =>
      Effect.sync(() => Array.from(shardIds).filter((shardId) => locks.get(shardId.toString()) === key(address))),
    release: (address, shardId) =>
      Effect.sync(() => {
        if (locks.get(shardId.toString()) === key(address)) locks.delete(shardId.toString())
      }),
    releaseAll: (address) =>
      Effect.sync(() => {
        for (const [shardId, holder] of locks) if (holder === key(address)) locks.delete(shardId)
      })
  })
}

/** A runner of the cluster: `Sharding` with no server (`Runners.layerNoop`), on the shared storage. */
const runnerLayer = (storage: RunnerStorage.RunnerStorage["Service"], port: number) =>
  Sharding.layer.pipe(
    Layer.provideMerge(Runners.layerNoop),
    Layer.provideMerge(MessageStorage.layerMemory),
    Layer.provide([Layer.succeed(RunnerStorage.RunnerStorage, storage), RunnerHealth.layerNoop]),
    Layer.provideMerge(ShardingConfig.layer({
      runnerAddress: Option.some(RunnerAddress.make("127.0.0.1", port)),
      shardsPerGroup: 10,
      refreshAssignmentsInterval: "100 millis",
      runnerJoinDebounce: 0
    }))
  )

/** How long an owner's finalizer takes: a next owner that does not wait for it overlaps it. */
const finalizerMillis = 2_500

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Waits until `condition` holds, failing with `what` after `timeoutMs`. */
const until = async (condition: () => boolean, what: string, timeoutMs = 20_000) => {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(20)
  }
}

describe("Thread.singleton, two runners sharing one storage", () => {
  it("one owner at a time: the next owner starts only after the previous owner's finalizer ended", async () => {
    const storage = makeSharedStorage()
    const events: Array<string> = []
    let owners = 0
    let maxOwners = 0
    const leader = (runner: string) =>
      Effect.sync(() => {
        owners++
        maxOwners = Math.max(maxOwners, owners)
        events.push(`${runner}: start`)
      }).pipe(
        Effect.andThen(Effect.never),
        Effect.onInterrupt(() =>
          Effect.sync(() => void events.push(`${runner}: finalizer started`)).pipe(
            Effect.andThen(Effect.sleep(finalizerMillis)),
            Effect.andThen(Effect.sync(() => {
              owners--
              events.push(`${runner}: finalizer ended`)
            }))
          )
        )
      )
    const stops = { A: Effect.runSync(Deferred.make<void>()), B: Effect.runSync(Deferred.make<void>()) }
    const runner = (name: "A" | "B", port: number) =>
      Effect.runFork(Threading.main(
        Effect.andThen(Thread.singleton("leader", leader(name)), Deferred.await(stops[name])),
        { layer: ThreadingCluster.layerFrom(runnerLayer(storage, port)) }
      ))
    const owner = () => {
      const last = events.filter((event) => event.endsWith(": start")).at(-1)
      return last !== undefined && !events.includes(last.replace("start", "finalizer started"))
        ? last.slice(0, 1) as "A" | "B"
        : undefined
    }
    const startsOf = (name: string) => events.filter((event) => event === `${name}: start`).length
    const fibers: Array<Fiber.Fiber<void, unknown>> = []
    try {
      // A alone: it owns the singleton.
      fibers.push(runner("A", 1))
      await until(() => owner() === "A", "A to own the singleton")
      // B joins: the singleton may move to it (the engine's shard assignment decides).
      fibers.push(runner("B", 2))
      await until(() => owner() === "B", "B to own it", 3 * finalizerMillis).catch(() => {})
      // Its owner stops: the other runner takes it over.
      const first = owner()
      expect(first, events.join("\n")).toBeDefined()
      const other = first === "A" ? "B" : "A"
      const before = startsOf(other)
      Effect.runSync(Deferred.succeed(stops[first!], undefined))
      await until(() => startsOf(other) > before, `${other} to take over from ${first}`)
      Effect.runSync(Deferred.succeed(stops[other], undefined))
      for (const fiber of fibers) await Effect.runPromise(Fiber.join(fiber))
    } finally {
      for (const stop of Object.values(stops)) Effect.runSync(Deferred.succeed(stop, undefined))
      for (const fiber of fibers) Effect.runFork(Fiber.interrupt(fiber))
    }
    const described = events.join("\n")
    expect(maxOwners, described).toBe(1)
    // one ownership after the other, each ended by its finalizer before the next began, and at least one move
    expect(events.length % 3, described).toBe(0)
    const periods = Array.from({ length: events.length / 3 }, (_, i) => events.slice(3 * i, 3 * i + 3))
    expect(periods.length, described).toBeGreaterThanOrEqual(2)
    periods.forEach((period, i) => {
      const name = period[0]!.slice(0, 1)
      expect(period, described).toEqual([`${name}: start`, `${name}: finalizer started`, `${name}: finalizer ended`])
      if (i > 0) expect(name, described).not.toBe(periods[i - 1]![0]!.slice(0, 1))
    })
  }, 60_000)
})
