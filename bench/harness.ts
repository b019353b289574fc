/**
 * Shared helpers: interleaved tinybench rounds, robust statistics, the
 * result record and the printed table.
 *
 * Every case measures a subject against its baseline in the same process.
 * Each round is one tinybench `Bench` holding both tasks; the task order
 * alternates between rounds so that drift (other load on the machine, JIT,
 * heap growth) hits both sides alike. A round yields the median sample of
 * each task; the reported ratio is the median over rounds of the per-round
 * ratio.
 */
import { Bench } from "tinybench"
import type { FnReturnedObject } from "tinybench"

export interface Options {
  readonly quick: boolean
}

/** Process CPU time (user + system, all threads) in milliseconds. */
export const cpuNow = (): number => {
  const usage = process.cpuUsage()
  return (usage.user + usage.system) / 1000
}

/**
 * The clock of the throughput cases (1, 2, 3). `cpu` (the default):
 * process CPU time, which other processes on a shared machine disturb far
 * less than wall time; `wall`: `performance.now()`. Latency (case 4) and
 * the CPython comparison (case 6, which also gives the CPU-time ratio) are
 * always wall time.
 */
export const clock: { kind: "cpu" | "wall"; now: () => number } = { kind: "cpu", now: cpuNow }

export const setClock = (kind: "cpu" | "wall"): void => {
  clock.kind = kind
  clock.now = kind === "cpu" ? cpuNow : () => performance.now()
}

/** One line of the table / one entry of `bench/results.json`. */
export interface Result {
  readonly id: string
  readonly case: string
  /** What is measured, e.g. "µs per spawn+join". */
  readonly unit: string
  readonly subject: number
  readonly baseline: number | null
  readonly baselineName: string | null
  /** subject / baseline (for CPython: baseline / subject, i.e. "× faster"). */
  readonly ratio: number | null
  readonly ratioMeaning: string | null
  /** Operations per second of the subject, where the case is a rate. */
  readonly opsPerSecond?: number | undefined
  readonly target: string
  readonly met: boolean | null
  readonly note?: string | undefined
  readonly detail?: unknown
}

export const median = (xs: ReadonlyArray<number>): number => {
  if (xs.length === 0) return Number.NaN
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

export type TaskFn = () => Promise<unknown> | Promise<FnReturnedObject>

export interface Task {
  readonly name: string
  readonly fn: TaskFn
}

export interface RoundsOptions {
  readonly rounds: number
  /** Samples per task and round. */
  readonly samples: number
  /** Warm-up calls per task before the first round (not measured). */
  readonly warmup: number
  /** Called between rounds (e.g. to collect garbage). */
  readonly between?: () => void
}

/**
 * Runs `tasks` for `rounds` rounds, returning for each task the list of its
 * per-round median sample (milliseconds per call of `fn`, or the
 * `overriddenDuration` it returned).
 */
export const rounds = async (
  tasks: ReadonlyArray<Task>,
  options: RoundsOptions
): Promise<Map<string, Array<number>>> => {
  const out = new Map<string, Array<number>>(tasks.map((t) => [t.name, []]))
  for (let i = 0; i < options.warmup; i++) {
    for (const task of tasks) await task.fn()
  }
  for (let r = 0; r < options.rounds; r++) {
    options.between?.()
    const bench = new Bench({
      now: clock.now,
      iterations: options.samples,
      time: 0,
      warmup: false,
      throws: true
    })
    const ordered = r % 2 === 0 ? tasks : [...tasks].reverse()
    for (const task of ordered) bench.add(task.name, task.fn, { async: true })
    await bench.run()
    for (const task of bench.tasks) {
      const result = task.result
      if (result.state !== "completed") {
        throw new Error(`task ${task.name}: ${result.state}${"error" in result ? `: ${String(result.error)}` : ""}`)
      }
      out.get(task.name)!.push(result.latency.p50)
    }
  }
  return out
}

/** Median over rounds of subject/baseline, pairing the samples of the same round. */
export const ratioOfRounds = (subject: ReadonlyArray<number>, baseline: ReadonlyArray<number>): number =>
  median(subject.map((s, i) => s / baseline[i]!))

export const gc = (): void => {
  const g = (globalThis as { gc?: () => void }).gc
  if (g !== undefined) {
    g()
    g()
  }
}

export const hasGc = (): boolean => typeof (globalThis as { gc?: unknown }).gc === "function"

// -----------------------------------------------------------------------------
// Formatting
// -----------------------------------------------------------------------------

export const fmtNum = (x: number | null | undefined, digits = 2): string => {
  if (x === null || x === undefined || Number.isNaN(x)) return "—"
  const a = Math.abs(x)
  if (a >= 1000) return x.toFixed(0)
  if (a >= 100) return x.toFixed(1)
  return x.toFixed(digits)
}

export const fmtRatio = (x: number | null): string => (x === null || Number.isNaN(x) ? "—" : `${x.toFixed(2)}×`)

/** A Markdown table (pasted as is into bench/README.md). */
export const table = (results: ReadonlyArray<Result>): string => {
  const header = ["#", "case", "unit", "subject", "baseline", "ratio", "target", "met"]
  const rows = results.map((r) => [
    r.id,
    r.case,
    r.unit,
    fmtNum(r.subject),
    r.baseline === null ? "—" : fmtNum(r.baseline),
    r.ratio === null ? "—" : `${fmtRatio(r.ratio)}${r.ratioMeaning === null ? "" : ` ${r.ratioMeaning}`}`,
    r.target,
    r.met === null ? "—" : r.met ? "yes" : "**no**"
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)))
  const line = (cells: ReadonlyArray<string>) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`
  return [line(header), `| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`, ...rows.map(line)].join("\n")
}
