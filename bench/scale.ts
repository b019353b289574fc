/**
 * Case 9: live threads at scale (issue 13), against raw `Effect.forkDetach`
 * fibers with the same body. Every measurement is a child process of its
 * own (bench/scaleChild.ts: a fresh heap with Node's default limit), the
 * thread and raw children alternating (which goes first alternates between
 * passes); figures are medians over passes, ratios the median of the
 * per-pass ratios.
 *
 * - 9.1 spawn of N live daemon threads (10k, 100k, 1M), first spawn to every body started;
 * - 9.2 heap per live thread at those N;
 * - 9.3 shutdown with N live daemons (1k … 1M): the main program's last statement to `Threading.main` returning,
 *   against `Fiber.interruptAll`;
 * - 9.4 event-loop delay p99 with 100k daemons in a sleep loop at 10k and 30k wakeups/s;
 * - 9.5 1M live daemon threads in Node's default heap, and the ceiling it implies (heap limit / heap per thread).
 */
import { execFile } from "node:child_process"
import { fileURLToPath } from "node:url"
import type { Options, Result } from "./harness.js"
import { clock, median } from "./harness.js"
import type { LiveReport, WakeReport } from "./scaleChild.js"

const root = fileURLToPath(new URL("..", import.meta.url))
const child = fileURLToPath(new URL("./scaleChild.ts", import.meta.url))

const runChild = <R>(args: ReadonlyArray<string>): Promise<R> =>
  new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ["--expose-gc", "--import", import.meta.resolve("tsx"), child, ...args, `--clock=${clock.kind}`],
      { cwd: root, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error !== null) {
          reject(new Error(`bench/scaleChild.ts ${args.join(" ")} failed: ${error.message}\n${stderr}`))
          return
        }
        resolve(JSON.parse(stdout.trim().split("\n").at(-1)!) as R)
      }
    )
  })

/** `passes` pairs of children, alternating which side goes first. */
const pairs = async <R>(
  passes: number,
  args: (mode: "thread" | "raw") => ReadonlyArray<string>,
  log: (message: string) => void
): Promise<Array<{ thread: R; raw: R }>> => {
  const out: Array<{ thread: R; raw: R }> = []
  for (let p = 0; p < passes; p++) {
    const order: ReadonlyArray<"thread" | "raw"> = p % 2 === 0 ? ["raw", "thread"] : ["thread", "raw"]
    const got: Partial<Record<"thread" | "raw", R>> = {}
    for (const mode of order) {
      log(`  ${args(mode).join(" ")} (pass ${p + 1}/${passes})`)
      got[mode] = await runChild<R>(args(mode))
    }
    out.push({ thread: got.thread!, raw: got.raw! })
  }
  return out
}

const k = (n: number) => (n >= 1_000_000 ? `${n / 1_000_000}M` : `${n / 1000}k`)

const summary = <R>(runs: ReadonlyArray<{ thread: R; raw: R }>, f: (r: R) => number) => ({
  subject: median(runs.map((r) => f(r.thread))),
  baseline: median(runs.map((r) => f(r.raw))),
  ratio: median(runs.map((r) => f(r.thread) / f(r.raw))),
  samples: runs.map((r) => ({ thread: f(r.thread), raw: f(r.raw) }))
})

export const scale = async (options: Options, log: (message: string) => void): Promise<Array<Result>> => {
  const results: Array<Result> = []
  const sizes: ReadonlyArray<readonly [number, number]> = options.quick
    ? [[1_000, 3], [10_000, 3], [100_000, 1]]
    : [[1_000, 5], [10_000, 5], [100_000, 3], [1_000_000, 2]]
  const live = new Map<number, Array<{ thread: LiveReport; raw: LiveReport }>>()
  for (const [n, passes] of sizes) {
    live.set(n, await pairs<LiveReport>(passes, (mode) => ["live", mode, String(n)], log))
  }
  const spawnSizes = sizes.filter(([n]) => n >= 10_000)
  for (const [n] of spawnSizes) {
    const s = summary(live.get(n)!, (r) => (r.spawnMs * 1000) / n)
    results.push({
      id: `9.1 ${k(n)}`,
      case: `spawn ${k(n)} live daemon threads (sleeping)`,
      unit: "µs/thread",
      ...s,
      baselineName: "Effect.forkDetach",
      ratioMeaning: null,
      target: "≤ 1.2×",
      met: s.ratio <= 1.2,
      detail: s.samples
    })
  }
  for (const [n] of spawnSizes) {
    const s = summary(live.get(n)!, (r) => r.heapPerThread)
    results.push({
      id: `9.2 ${k(n)}`,
      case: `heap per live thread (${k(n)} alive)`,
      unit: "bytes",
      ...s,
      baselineName: "per live Effect.forkDetach fiber",
      ratioMeaning: null,
      target: "≤ 1.15×",
      met: s.ratio <= 1.15,
      detail: s.samples
    })
  }
  for (const [n] of sizes) {
    const s = summary(live.get(n)!, (r) => r.shutdownMs)
    results.push({
      id: `9.3 ${k(n)}`,
      case: `shutdown, ${k(n)} live daemons + finalizers`,
      unit: "ms",
      ...s,
      baselineName: "Fiber.interruptAll",
      ratioMeaning: null,
      target: "≤ 1.2×",
      met: s.ratio <= 1.2,
      detail: s.samples
    })
  }

  const rates: ReadonlyArray<readonly [number, number]> = options.quick ? [[30_000, 1]] : [[10_000, 3], [30_000, 3]]
  const daemons = 100_000
  const windowMs = options.quick ? 4_000 : 8_000
  for (const [rate, passes] of rates) {
    const period = Math.round((daemons / rate) * 1000)
    const runs = await pairs<WakeReport>(
      passes,
      (mode) => ["wake", mode, String(daemons), String(period), String(windowMs)],
      log
    )
    const s = summary(runs, (r) => r.p99)
    const gcShare = summary(runs, (r) => r.gcMs)
    results.push({
      id: `9.4 ${k(rate)}/s`,
      case: `event-loop delay p99, ${k(daemons)} daemons waking ${k(rate)}/s`,
      unit: "ms",
      ...s,
      baselineName: "same with Effect.forkDetach fibers",
      ratioMeaning: null,
      target: "≤ 1.3×",
      met: s.ratio <= 1.3,
      note: `GC pauses in the ${windowMs / 1000} s window ${gcShare.subject.toFixed(0)} ms vs ${
        gcShare.baseline.toFixed(0)
      } ms raw; CPU ${median(runs.map((r) => r.thread.cpuMs)).toFixed(0)} vs ${
        median(runs.map((r) => r.raw.cpuMs)).toFixed(0)
      } ms; wakeups/s seen ${median(runs.map((r) => r.thread.wakeupsPerSecond)).toFixed(0)} vs ${
        median(runs.map((r) => r.raw.wakeupsPerSecond)).toFixed(0)
      }; p50 ${median(runs.map((r) => r.thread.p50)).toFixed(1)} vs ${
        median(runs.map((r) => r.raw.p50)).toFixed(1)
      } ms; heap per daemon after the window ${median(runs.map((r) => r.thread.heapPerThread)).toFixed(0)} vs ${
        median(runs.map((r) => r.raw.heapPerThread)).toFixed(0)
      } bytes`,
      detail: runs
    })
  }

  const largest = sizes[sizes.length - 1]![0]
  const runs = live.get(largest)!
  const limit = runs[0]!.thread.heapLimit
  const ceiling = summary(runs, (r) => r.heapLimit / r.heapPerThread)
  results.push({
    id: "9.5",
    case: `${k(largest)} live daemon threads in the default heap (limit ${(limit / 2 ** 30).toFixed(2)} GiB)`,
    unit: "threads (projected ceiling)",
    ...ceiling,
    baselineName: "same for Effect.forkDetach fibers",
    ratioMeaning: null,
    target: "1M live",
    met: largest >= 1_000_000 ? true : null,
    note: `${k(largest)} live threads ran to completion in every pass, heap used ${
      (median(runs.map((r) => r.thread.heapUsed)) / 2 ** 20).toFixed(0)
    } MiB (raw ${
      (median(runs.map((r) => r.raw.heapUsed)) / 2 ** 20).toFixed(0)
    } MiB); the ceiling is the heap limit over the heap per thread`,
    detail: ceiling.samples
  })
  return results
}
