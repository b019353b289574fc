/**
 * Case 1: spawn + join of a trivial thread (non-daemon and daemon) against
 * `Effect.fork` + `Fiber.join`; case 2: 10k concurrently alive threads, all
 * joined, against raw forks joined with `Fiber.joinAll`.
 *
 * Both sides run as one `runPromise` of a loop on the same runtime (one
 * long-lived `Threading.layer` instance), so only the per-iteration work
 * differs.
 */
import { Deferred, Effect, Fiber, ManagedRuntime } from "effect"
import { Thread, Threading } from "effect-threading"
import type { Options, Result } from "./harness.js"
import { median, ratioOfRounds, rounds } from "./harness.js"

/** `n` runs of `body`, in one fiber. */
export const repeat = (n: number, body: Effect.Effect<unknown, unknown, Threading.Threading>) =>
  Effect.suspend(() => {
    let i = 0
    return Effect.whileLoop({ while: () => i++ < n, body: () => body, step: () => {} })
  })

export const rawForkJoin = Effect.flatMap(Effect.forkChild(Effect.void), Fiber.join)
export const threadSpawnJoin = Effect.flatMap(Thread.spawn(Effect.void), Thread.join)
export const daemonSpawnJoin = Effect.flatMap(Thread.spawn(Effect.void, { daemon: true }), Thread.join)

export interface SpawnJoinOutcome {
  readonly results: Array<Result>
  /** µs per non-daemon spawn+join, for the CPython comparison. */
  readonly threadMicros: number
}

export const spawnJoin = async (options: Options): Promise<SpawnJoinOutcome> => {
  const runtime = ManagedRuntime.make(Threading.layer())
  try {
    // 100k iterations per task in a full run: rounds × samples × batch.
    const batch = 1000
    const [nRounds, samples] = options.quick ? [4, 5] : [10, 10]
    const run = (body: Effect.Effect<unknown, unknown, Threading.Threading>) => {
      const loop = repeat(batch, body)
      return () => runtime.runPromise(loop)
    }
    const r = await rounds([
      { name: "raw", fn: run(rawForkJoin) },
      { name: "thread", fn: run(threadSpawnJoin) },
      { name: "daemon", fn: run(daemonSpawnJoin) }
    ], { rounds: nRounds, samples, warmup: 3 })
    const perOp = (name: string) => (median(r.get(name)!) * 1000) / batch
    const raw = perOp("raw")
    const iterations = nRounds * samples * batch
    const results: Array<Result> = (["thread", "daemon"] as const).map((name) => {
      const ratio = ratioOfRounds(r.get(name)!, r.get("raw")!)
      const micros = perOp(name)
      return {
        id: name === "thread" ? "1a" : "1b",
        case: `spawn+join, ${name === "thread" ? "non-daemon" : "daemon"} (${iterations / 1000}k)`,
        unit: "µs/op",
        subject: micros,
        baseline: raw,
        baselineName: "Effect.fork + Fiber.join",
        ratio,
        ratioMeaning: null,
        opsPerSecond: 1e6 / micros,
        target: "≤ 1.2×",
        met: ratio <= 1.2,
        detail: { iterations, roundsMs: r.get(name), baselineRoundsMs: r.get("raw"), batch }
      }
    })

    // Case 2: N threads alive at once, then all joined.
    const alive = 10_000
    const rawAlive = Effect.gen(function*() {
      const gate = yield* Deferred.make<void>()
      const fibers = yield* Effect.forEach(Array.from({ length: alive }), () => Effect.forkChild(Deferred.await(gate)))
      yield* Deferred.succeed(gate, undefined)
      yield* Fiber.joinAll(fibers)
    })
    // A second, leaner raw baseline (for the record): each fiber joined in turn.
    const rawAliveEach = Effect.gen(function*() {
      const gate = yield* Deferred.make<void>()
      const fibers = yield* Effect.forEach(Array.from({ length: alive }), () => Effect.forkChild(Deferred.await(gate)))
      yield* Deferred.succeed(gate, undefined)
      yield* Effect.forEach(fibers, Fiber.join, { discard: true })
    })
    const threadAlive = Effect.gen(function*() {
      const gate = yield* Deferred.make<void>()
      const threads = yield* Effect.forEach(Array.from({ length: alive }), () => Thread.spawn(Deferred.await(gate)))
      yield* Deferred.succeed(gate, undefined)
      yield* Effect.forEach(threads, (thread) => Thread.join(thread), { discard: true })
    })
    const [aRounds, aSamples] = options.quick ? [3, 1] : [6, 2]
    const a = await rounds([
      { name: "raw", fn: () => runtime.runPromise(rawAlive) },
      { name: "rawEach", fn: () => runtime.runPromise(rawAliveEach) },
      { name: "thread", fn: () => runtime.runPromise(threadAlive) }
    ], { rounds: aRounds, samples: aSamples, warmup: 1 })
    const aRatio = ratioOfRounds(a.get("thread")!, a.get("raw")!)
    const aThread = (median(a.get("thread")!) * 1000) / alive
    results.push({
      id: "2",
      case: `${alive / 1000}k threads alive at once, all joined`,
      unit: "µs/thread",
      subject: aThread,
      baseline: (median(a.get("raw")!) * 1000) / alive,
      baselineName: "Effect.fork ×N + Fiber.joinAll",
      ratio: aRatio,
      ratioMeaning: null,
      opsPerSecond: 1e6 / aThread,
      target: "≤ 1.2×",
      met: aRatio <= 1.2,
      note: `vs Effect.fork ×N + Fiber.join of each in turn: ${
        ratioOfRounds(a.get("thread")!, a.get("rawEach")!).toFixed(2)
      }× (${((median(a.get("rawEach")!) * 1000) / alive).toFixed(2)} µs/fiber)`,
      detail: {
        threads: alive,
        roundsMs: a.get("thread"),
        baselineRoundsMs: a.get("raw"),
        forEachJoinRoundsMs: a.get("rawEach")
      }
    })
    return { results, threadMicros: perOp("thread") }
  } finally {
    await runtime.dispose()
  }
}
