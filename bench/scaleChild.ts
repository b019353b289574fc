/**
 * The child process of case 9 (bench/scale.ts): one measurement of live
 * threads at scale, in a fresh process (a fresh heap, Node's default heap
 * limit), printed as one JSON line on stdout.
 *
 *   node --expose-gc --import tsx bench/scaleChild.ts live  thread|raw N [--clock=cpu|wall]
 *   node --expose-gc --import tsx bench/scaleChild.ts wake  thread|raw N PERIOD_MS WINDOW_MS
 *
 * `live`: N daemon threads (`Thread.spawn(body, { daemon: true })` inside
 * `Threading.main`) or N raw `Effect.forkDetach` fibers (kept in an array for
 * `Fiber.interruptAll`, as a program would), with the same body: count the
 * start, sleep an hour, count the finalizer. Reports the spawn time (from the
 * first spawn to every body started), the heap per live thread (heap used
 * after two forced collections, with all of them alive, minus the same
 * before the first spawn, over N) and the shutdown time (from the main
 * program's last statement to `Threading.main` returning / from
 * `Fiber.interruptAll` to its end; every finalizer checked).
 *
 * `wake`: N daemons in a sleep loop, each waking every PERIOD_MS (first wake
 * at a spread-out offset, the same offsets for both sides), i.e. N / PERIOD
 * wakeups per second. After one period of warm-up, the event-loop delay
 * (`perf_hooks.monitorEventLoopDelay`, 10 ms resolution) and the GC pauses
 * (`PerformanceObserver`, entry type `gc`) are recorded over WINDOW_MS.
 *
 * A `live` child first runs the same program once with at most 2,000
 * threads, unmeasured: the code is warm (optimized) when measured, as in a
 * long-running program, rather than run for the first time.
 */
import { Effect, Fiber } from "effect"
import { Thread, Threading } from "effect-threading"
import { monitorEventLoopDelay, PerformanceObserver } from "node:perf_hooks"
import { getHeapStatistics } from "node:v8"
import { cpuNow, gc } from "./harness.js"

/** What a `live` child reports. */
export interface LiveReport {
  readonly kind: "live"
  readonly mode: "thread" | "raw"
  readonly n: number
  /** Spawn, first spawn to all started, in ms of the chosen clock. */
  readonly spawnMs: number
  readonly spawnWallMs: number
  /** Heap used per live thread/fiber, bytes. */
  readonly heapPerThread: number
  /** Heap used with all alive, and V8's limit (default heap), bytes. */
  readonly heapUsed: number
  readonly heapLimit: number
  /** Shutdown / interruptAll, ms of the chosen clock. */
  readonly shutdownMs: number
  readonly shutdownWallMs: number
}

/** What a `wake` child reports. */
export interface WakeReport {
  readonly kind: "wake"
  readonly mode: "thread" | "raw"
  readonly n: number
  readonly periodMs: number
  readonly windowMs: number
  /** Wakeups per second seen during the window. */
  readonly wakeupsPerSecond: number
  /** Event-loop delay over the window, ms. */
  readonly p50: number
  readonly p99: number
  readonly max: number
  /** GC pauses during the window: total ms, count. */
  readonly gcMs: number
  readonly gcCount: number
  /** Process CPU time during the window, ms. */
  readonly cpuMs: number
  /** Heap used per daemon after the window (all of them having woken many times), bytes. */
  readonly heapPerThread: number
}

const args = process.argv.slice(2)
const clockArg = args.find((a) => a.startsWith("--clock="))?.slice("--clock=".length)
const [kind, mode, nArg, periodArg, windowArg] = args.filter((a) => !a.startsWith("--"))
const n = Number(nArg)
if ((kind !== "live" && kind !== "wake") || (mode !== "thread" && mode !== "raw") || !(n > 0)) {
  throw new Error(`usage: scaleChild.ts live|wake thread|raw N [PERIOD_MS WINDOW_MS]`)
}
const now = clockArg === "wall" ? () => performance.now() : cpuNow

const heapUsed = (): number => {
  gc()
  return process.memoryUsage().heapUsed
}

const print = (report: LiveReport | WakeReport) => process.stdout.write(`${JSON.stringify(report)}\n`)

/** Yields until `counters.started` reaches `n` (a fork schedules its body, it does not run it). */
const allStarted = (counters: { started: number }, n: number) =>
  Effect.whileLoop({ while: () => counters.started < n, body: () => Effect.yieldNow, step: () => {} })

const daemon = { daemon: true } as const

const live = async (n: number): Promise<LiveReport> => {
  const counters = { started: 0, finalized: 0 }
  const body = Effect.andThen(
    Effect.sync(() => {
      counters.started++
    }),
    Effect.sleep("1 hour")
  ).pipe(Effect.ensuring(Effect.sync(() => {
    counters.finalized++
  })))
  let spawnMs = 0, spawnWallMs = 0, heapPerThread = 0, used = 0
  let t0 = 0, w0 = 0
  const measureSpawn = (before: number, c0: number, wall0: number) => {
    spawnMs = now() - c0
    spawnWallMs = performance.now() - wall0
    used = heapUsed()
    heapPerThread = (used - before) / n
  }
  let shutdownMs: number, shutdownWallMs: number
  if (mode === "thread") {
    await Effect.runPromise(Threading.main(Effect.gen(function*() {
      const before = heapUsed()
      const c0 = now(), wall0 = performance.now()
      for (let i = 0; i < n; i++) yield* Thread.spawn(body, daemon)
      yield* allStarted(counters, n)
      measureSpawn(before, c0, wall0)
      t0 = now()
      w0 = performance.now()
    })))
    shutdownMs = now() - t0
    shutdownWallMs = performance.now() - w0
  } else {
    await Effect.runPromise(Effect.gen(function*() {
      const fibers: Array<Fiber.Fiber<unknown, unknown>> = []
      const before = heapUsed()
      const c0 = now(), wall0 = performance.now()
      for (let i = 0; i < n; i++) fibers.push(yield* Effect.forkDetach(body))
      yield* allStarted(counters, n)
      measureSpawn(before, c0, wall0)
      t0 = now()
      w0 = performance.now()
      yield* Fiber.interruptAll(fibers)
    }))
    shutdownMs = now() - t0
    shutdownWallMs = performance.now() - w0
  }
  if (counters.finalized !== n) throw new Error(`${mode}: ${counters.finalized} of ${n} finalizers ran`)
  return {
    kind: "live",
    mode,
    n,
    spawnMs,
    spawnWallMs,
    heapPerThread,
    heapUsed: used,
    heapLimit: getHeapStatistics().heap_size_limit,
    shutdownMs,
    shutdownWallMs
  }
}

const wake = async (): Promise<WakeReport> => {
  const periodMs = Number(periodArg)
  const windowMs = Number(windowArg)
  const counters = { started: 0, wakeups: 0 }
  const tick = Effect.sync(() => {
    counters.wakeups++
  })
  const loop = Effect.forever(Effect.andThen(Effect.sleep(periodMs), tick))
  // The same spread of first wakes on both sides (a fixed-seed LCG).
  let seed = 12345
  const offset = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648
    return 1 + (seed % periodMs)
  }
  const body = () =>
    Effect.andThen(
      Effect.sync(() => {
        counters.started++
      }),
      Effect.andThen(Effect.sleep(offset()), Effect.andThen(tick, loop))
    )
  let before = 0
  const measure = Effect.promise(async () => {
    await new Promise((resolve) => setTimeout(resolve, periodMs)) // warm-up: every daemon has woken once
    const histogram = monitorEventLoopDelay({ resolution: 10 })
    let gcMs = 0, gcCount = 0
    const observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        gcMs += entry.duration
        gcCount++
      }
    })
    observer.observe({ entryTypes: ["gc"] })
    const wakeups0 = counters.wakeups
    const cpu0 = cpuNow()
    histogram.enable()
    await new Promise((resolve) => setTimeout(resolve, windowMs))
    histogram.disable()
    const cpuMs = cpuNow() - cpu0
    const wakeups = counters.wakeups - wakeups0
    await new Promise((resolve) => setTimeout(resolve, 0)) // the observer's last entries
    observer.disconnect()
    const heapPerThread = (heapUsed() - before) / n
    return {
      kind: "wake" as const,
      mode: mode as "thread" | "raw",
      n,
      periodMs,
      windowMs,
      wakeupsPerSecond: wakeups / (windowMs / 1000),
      p50: histogram.percentile(50) / 1e6,
      p99: histogram.percentile(99) / 1e6,
      max: histogram.max / 1e6,
      gcMs,
      gcCount,
      cpuMs,
      heapPerThread
    }
  })
  if (mode === "thread") {
    let report: WakeReport | undefined
    await Effect.runPromise(Threading.main(Effect.gen(function*() {
      before = heapUsed()
      for (let i = 0; i < n; i++) yield* Thread.spawn(body(), daemon)
      yield* allStarted(counters, n)
      report = yield* measure
    })))
    return report!
  }
  return Effect.runPromise(Effect.gen(function*() {
    const fibers: Array<Fiber.Fiber<unknown, unknown>> = []
    before = heapUsed()
    for (let i = 0; i < n; i++) fibers.push(yield* Effect.forkDetach(body()))
    yield* allStarted(counters, n)
    const report = yield* measure
    yield* Fiber.interruptAll(fibers)
    return report
  }))
}

if (kind === "live") await live(Math.min(n, 2_000)) // warm-up, not reported
print(kind === "live" ? await live(n) : await wake())
