/**
 * Case 5: memory. (a) Heap per alive thread against heap per alive raw fiber
 * (same body: waiting on a gate). (b) Heap after many spawn/join cycles
 * against the heap after the first 10k, on one long-lived instance: a leak
 * (a registry entry, an observer, a fiber ref stack that keeps growing)
 * shows as growth; raw fork/join cycles give the noise floor.
 *
 * Needs `--expose-gc`: every reading is taken after two full collections.
 */
import { Deferred, Effect, Fiber, ManagedRuntime } from "effect"
import { Thread, Threading } from "effect-threading"
import type { Options, Result } from "./harness.js"
import { gc, hasGc, median } from "./harness.js"
import { rawForkJoin, repeat, threadSpawnJoin } from "./spawnJoin.js"

const heap = (): number => {
  gc()
  return process.memoryUsage().heapUsed
}

type Runtime = ManagedRuntime.ManagedRuntime<Threading.Threading, never>

/** Bytes per fiber/thread kept alive (waiting on a gate), then all released and joined. */
const perAlive = (runtime: Runtime, n: number, kind: "raw" | "thread"): Promise<number> =>
  runtime.runPromise(Effect.gen(function*() {
    const gate = yield* Deferred.make<void>()
    let started = 0
    const body = Effect.andThen(Effect.sync(() => started++), Deferred.await(gate))
    const before = heap()
    let during = 0
    const waitStarted = Effect.whileLoop({ while: () => started < n, body: () => Effect.yieldNow, step: () => {} })
    if (kind === "raw") {
      const fibers = yield* Effect.forEach(Array.from({ length: n }), () => Effect.forkChild(body))
      yield* waitStarted
      during = heap()
      yield* Deferred.succeed(gate, undefined)
      yield* Fiber.joinAll(fibers)
    } else {
      const threads = yield* Effect.forEach(Array.from({ length: n }), () => Thread.spawn(body))
      yield* waitStarted
      during = heap()
      yield* Deferred.succeed(gate, undefined)
      yield* Effect.forEach(threads, (t) => Thread.join(t), { discard: true })
    }
    return (during - before) / n
  }))

/** Heap after `first` cycles and after `total` cycles, on one runtime. */
const growth = async (
  runtime: Runtime,
  body: Effect.Effect<unknown, unknown, Threading.Threading>,
  first: number,
  total: number
): Promise<{ afterFirst: number; afterAll: number; ms: number }> => {
  const t0 = performance.now()
  await runtime.runPromise(repeat(first, body))
  const afterFirst = heap()
  const chunk = 50_000
  for (let done = first; done < total; done += chunk) {
    await runtime.runPromise(repeat(Math.min(chunk, total - done), body))
  }
  const afterAll = heap()
  return { afterFirst, afterAll, ms: performance.now() - t0 }
}

export const memory = async (options: Options): Promise<Array<Result>> => {
  if (!hasGc()) {
    return [{
      id: "5",
      case: "memory",
      unit: "",
      subject: Number.NaN,
      baseline: null,
      baselineName: null,
      ratio: null,
      ratioMeaning: null,
      target: "",
      met: null,
      note: "skipped: run node with --expose-gc (npm run bench does)"
    }]
  }
  const results: Array<Result> = []
  const runtime: Runtime = ManagedRuntime.make(Threading.layer())
  try {
    await runtime.runPromise(Effect.void)
    const n = options.quick ? 10_000 : 50_000
    const reps = options.quick ? 3 : 5
    const raw: Array<number> = []
    const thread: Array<number> = []
    for (let i = 0; i < reps; i++) {
      raw.push(await perAlive(runtime, n, "raw"))
      thread.push(await perAlive(runtime, n, "thread"))
    }
    const subject = median(thread)
    const baseline = median(raw)
    results.push({
      id: "5a",
      case: `heap per alive thread (${n / 1000}k alive)`,
      unit: "bytes",
      subject,
      baseline,
      baselineName: "per alive Effect.fork fiber",
      ratio: subject / baseline,
      ratioMeaning: null,
      target: "—",
      met: null,
      detail: { alive: n, bytes: thread, baselineBytes: raw }
    })

    const first = 10_000
    const total = options.quick ? 100_000 : 1_000_000
    const rawGrowth = await growth(runtime, rawForkJoin, first, total)
    const threadGrowth = await growth(runtime, threadSpawnJoin, first, total)
    const grew = threadGrowth.afterAll - threadGrowth.afterFirst
    const rawGrew = rawGrowth.afterAll - rawGrowth.afterFirst
    // "Beyond noise": under 1 byte per cycle, or no more than raw Effect's own drift plus 256 KiB.
    const met = grew / total < 1 || grew <= Math.max(0, rawGrew) + 256 * 1024
    results.push({
      id: "5b",
      case: `heap growth, ${total / 1000}k spawn/join cycles vs first ${first / 1000}k`,
      unit: "KiB",
      subject: grew / 1024,
      baseline: rawGrew / 1024,
      baselineName: "same for Effect.fork/Fiber.join",
      ratio: null,
      ratioMeaning: null,
      target: "no growth",
      met,
      note: `${(grew / total).toFixed(3)} bytes/cycle`,
      detail: { cycles: total, thread: threadGrowth, raw: rawGrowth }
    })
  } finally {
    await runtime.dispose()
  }
  return results
}
