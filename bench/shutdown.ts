/**
 * Case 3: shutdown with N sleeping daemon threads, each with a finalizer,
 * against raw `Fiber.interruptAll` over N sleeping root fibers with the same
 * body. Case 4: exit latency, from the end of the last non-daemon thread to
 * `Threading.main` returning, with 0 and 10k daemons alive.
 *
 * Only the shutdown is timed (tinybench's `overriddenDuration`): the clock
 * starts as the last statement of the main program (case 3) or of the last
 * non-daemon thread (case 4), once every daemon is asleep, and stops when
 * `Threading.main` returns, inside the same fiber that called it.
 */
import { Effect, Fiber } from "effect"
import { Thread, Threading } from "effect-threading"
import type { Options, Result } from "./harness.js"
import { clock, gc, median, ratioOfRounds, rounds } from "./harness.js"

/** A sleeping daemon's body: counts its start, sleeps an hour, counts its finalizer. */
const sleeper = (counters: { started: number; finalized: number }) =>
  Effect.andThen(
    Effect.sync(() => {
      counters.started++
    }),
    Effect.sleep("1 hour")
  ).pipe(Effect.ensuring(Effect.sync(() => {
    counters.finalized++
  })))

/** Yields until every sleeper has started (they are scheduled, not run, by a fork). */
const allStarted = (counters: { started: number }, n: number) =>
  Effect.whileLoop({ while: () => counters.started < n, body: () => Effect.yieldNow, step: () => {} })

const check = (what: string, counters: { started: number; finalized: number }, n: number) => {
  if (counters.finalized !== n) throw new Error(`${what}: ${counters.finalized} of ${n} finalizers ran`)
}

/** The throughput clock (CPU time by default), for case 3. */
const now = Effect.sync(() => clock.now())
/** Wall time, for the exit latency. */
const wall = Effect.sync(() => performance.now())

/** Threading: main spawns n daemons, waits until they sleep, ends; time to `main` returning. */
export const threadingShutdown = (n: number) =>
  Effect.gen(function*() {
    const counters = { started: 0, finalized: 0 }
    let t0 = 0
    yield* Threading.main(Effect.gen(function*() {
      for (let i = 0; i < n; i++) yield* Thread.spawn(sleeper(counters), { daemon: true })
      yield* allStarted(counters, n)
      t0 = clock.now()
    }))
    const t1 = yield* now
    check("threading shutdown", counters, n)
    return t1 - t0
  })

/** Raw: n root fibers with the same body, then `Fiber.interruptAll`. */
export const rawInterruptAll = (n: number) =>
  Effect.gen(function*() {
    const counters = { started: 0, finalized: 0 }
    const fibers: Array<Fiber.Fiber<unknown, unknown>> = []
    for (let i = 0; i < n; i++) fibers.push(yield* Effect.forkDetach(sleeper(counters)))
    yield* allStarted(counters, n)
    const t0 = yield* now
    yield* Fiber.interruptAll(fibers)
    const t1 = yield* now
    check("raw interruptAll", counters, n)
    return t1 - t0
  })

/**
 * Threading: `daemons` sleeping daemons, then the main program ends while
 * one non-daemon thread is still sleeping; the clock starts as that thread's
 * last statement.
 */
export const threadingExit = (daemons: number) =>
  Effect.gen(function*() {
    const counters = { started: 0, finalized: 0 }
    let tEnd = 0
    yield* Threading.main(Effect.gen(function*() {
      for (let i = 0; i < daemons; i++) yield* Thread.spawn(sleeper(counters), { daemon: true })
      yield* allStarted(counters, daemons)
      yield* Thread.spawn(Effect.andThen(
        Effect.sleep("2 millis"),
        Effect.sync(() => {
          tEnd = performance.now()
        })
      ))
    }))
    const t1 = yield* wall
    check("threading exit", counters, daemons)
    return t1 - tEnd
  })

/** Raw: the same with a forked fiber joined by the main fiber, then `Fiber.interruptAll` of the daemons. */
export const rawExit = (daemons: number) =>
  Effect.gen(function*() {
    const counters = { started: 0, finalized: 0 }
    let tEnd = 0
    const fibers: Array<Fiber.Fiber<unknown, unknown>> = []
    for (let i = 0; i < daemons; i++) fibers.push(yield* Effect.forkDetach(sleeper(counters)))
    yield* allStarted(counters, daemons)
    const last = yield* Effect.forkChild(Effect.andThen(
      Effect.sleep("2 millis"),
      Effect.sync(() => {
        tEnd = performance.now()
      })
    ))
    yield* Fiber.join(last)
    yield* Fiber.interruptAll(fibers)
    const t1 = yield* wall
    check("raw exit", counters, daemons)
    return t1 - tEnd
  })

const timed = (effect: Effect.Effect<number, unknown>) => async () => ({
  overriddenDuration: await Effect.runPromise(effect)
})

export const shutdown = async (options: Options): Promise<Array<Result>> => {
  const results: Array<Result> = []
  const sizes: ReadonlyArray<readonly [number, number, number]> = options.quick
    ? [[1_000, 4, 3], [10_000, 3, 1], [50_000, 1, 1]] // --quick: 50k instead of 100k
    : [[1_000, 9, 5], [10_000, 7, 2], [100_000, 3, 1]]
  const perThread: Array<{ n: number; subject: number; baseline: number }> = []
  for (const [n, nRounds, samples] of sizes) {
    const r = await rounds([
      { name: "raw", fn: timed(rawInterruptAll(n)) },
      { name: "threading", fn: timed(threadingShutdown(n)) }
    ], { rounds: nRounds, samples, warmup: n >= 100_000 || (options.quick && n > 1_000) ? 0 : 1, between: gc })
    const subject = (median(r.get("threading")!) * 1000) / n
    const baseline = (median(r.get("raw")!) * 1000) / n
    const ratio = ratioOfRounds(r.get("threading")!, r.get("raw")!)
    perThread.push({ n, subject, baseline })
    results.push({
      id: `3.${perThread.length}`,
      case: `shutdown, ${n / 1000}k sleeping daemons + finalizers`,
      unit: "µs/thread",
      subject,
      baseline,
      baselineName: "Fiber.interruptAll",
      ratio,
      ratioMeaning: null,
      target: "≤ 1.2×",
      met: ratio <= 1.2,
      detail: {
        threads: n,
        totalMs: median(r.get("threading")!),
        baselineTotalMs: median(r.get("raw")!),
        roundsMs: r.get("threading"),
        baselineRoundsMs: r.get("raw")
      }
    })
  }
  const first = perThread[0]!
  const last = perThread[perThread.length - 1]!
  const growth = last.subject / first.subject
  const rawGrowth = last.baseline / first.baseline
  results.push({
    id: "3.g",
    case: `shutdown cost growth, per thread, ${last.n / 1000}k vs ${first.n / 1000}k`,
    unit: "× per-thread cost",
    subject: growth,
    baseline: rawGrowth,
    baselineName: "same growth of Fiber.interruptAll",
    ratio: growth / rawGrowth,
    ratioMeaning: null,
    target: "flat (≈ raw growth)",
    met: growth / rawGrowth <= 1.2,
    detail: perThread
  })

  const exits: ReadonlyArray<readonly [number, number, number]> = options.quick
    ? [[0, 4, 5], [10_000, 3, 1]]
    : [[0, 9, 10], [10_000, 5, 2]]
  for (const [daemons, nRounds, samples] of exits) {
    const r = await rounds([
      { name: "raw", fn: timed(rawExit(daemons)) },
      { name: "threading", fn: timed(threadingExit(daemons)) }
    ], { rounds: nRounds, samples, warmup: options.quick && daemons > 0 ? 0 : 1, between: gc })
    const subject = median(r.get("threading")!)
    results.push({
      id: daemons === 0 ? "4a" : "4b",
      case: `exit latency, ${daemons === 0 ? "no" : `${daemons / 1000}k`} daemons alive`,
      unit: "ms",
      subject,
      baseline: median(r.get("raw")!),
      baselineName: "Fiber.join + Fiber.interruptAll",
      ratio: ratioOfRounds(r.get("threading")!, r.get("raw")!),
      ratioMeaning: null,
      target: "< 5 ms",
      met: subject < 5,
      detail: { daemons, roundsMs: r.get("threading"), baselineRoundsMs: r.get("raw") }
    })
  }
  return results
}
