/**
 * Case 6: the seed's own system. CPython's `threading.Thread` start + join
 * (bench/cpython_spawn_join.py, timed inside Python) against `Thread.spawn` +
 * `Thread.join`, in alternating rounds of the same run. The ratio is in wall
 * time, what a program waits for: most of an OS thread's start+join is the
 * scheduler waking threads, which CPU time does not see; the CPU-time ratio
 * is given in the note. Skipped, with a note, when `python3` is not on the
 * PATH (set PYTHON to use another interpreter).
 */
import { ManagedRuntime } from "effect"
import { Threading } from "effect-threading"
import { spawnSync } from "node:child_process"
import { fileURLToPath } from "node:url"
import type { Options, Result } from "./harness.js"
import { cpuNow, median } from "./harness.js"
import { repeat, threadSpawnJoin } from "./spawnJoin.js"

const script = fileURLToPath(new URL("./cpython_spawn_join.py", import.meta.url))

interface PythonOut {
  readonly python: string
  readonly implementation: string
  readonly microsPerOp: number
  readonly cpuMicrosPerOp: number
  readonly daemonMicrosPerOp: number
}

const python = (iterations: number): PythonOut | string => {
  const out = spawnSync(process.env["PYTHON"] ?? "python3", [script, String(iterations), "1"], { encoding: "utf8" })
  if (out.error !== undefined) {
    return `python3 not available (${(out.error as NodeJS.ErrnoException).code ?? out.error.message})`
  }
  if (out.status !== 0) return `python3 failed (exit ${out.status}): ${out.stderr.trim().split("\n").at(-1) ?? ""}`
  return JSON.parse(out.stdout) as PythonOut
}

export const cpython = async (options: Options): Promise<Array<Result>> => {
  const [nRounds, iterations] = options.quick ? [3, 2_000] : [5, 10_000]
  const runtime = ManagedRuntime.make(Threading.layer())
  try {
    const loop = repeat(iterations, threadSpawnJoin)
    await runtime.runPromise(repeat(1000, threadSpawnJoin)) // warm-up
    const ours: Array<number> = []
    const oursCpu: Array<number> = []
    const theirs: Array<number> = []
    const theirsCpu: Array<number> = []
    const theirsDaemon: Array<number> = []
    let version = ""
    for (let r = 0; r < nRounds; r++) {
      const py = python(iterations)
      if (typeof py === "string") {
        return [{
          id: "6",
          case: "vs CPython threading.Thread start+join",
          unit: "µs/op",
          subject: Number.NaN,
          baseline: null,
          baselineName: null,
          ratio: null,
          ratioMeaning: null,
          target: "≥ 10× faster",
          met: null,
          note: `skipped: ${py}`
        }]
      }
      version = `${py.implementation} ${py.python}`
      theirs.push(py.microsPerOp)
      theirsCpu.push(py.cpuMicrosPerOp)
      theirsDaemon.push(py.daemonMicrosPerOp)
      const t0 = performance.now()
      const c0 = cpuNow()
      await runtime.runPromise(loop)
      oursCpu.push(((cpuNow() - c0) * 1000) / iterations)
      ours.push(((performance.now() - t0) * 1000) / iterations)
    }
    const ratio = median(theirs.map((t, i) => t / ours[i]!))
    const cpuRatio = median(theirsCpu.map((t, i) => t / oursCpu[i]!))
    const subject = median(ours)
    return [{
      id: "6",
      case: `spawn+join vs ${version} threading.Thread start+join (wall)`,
      unit: "µs/op",
      subject,
      baseline: median(theirs),
      baselineName: `${version} threading.Thread start+join`,
      ratio,
      ratioMeaning: "faster",
      opsPerSecond: 1e6 / subject,
      target: "≥ 10× faster",
      met: ratio >= 10,
      note: `in process CPU time: ${cpuRatio.toFixed(2)}× faster (${median(oursCpu).toFixed(1)} vs ${
        median(theirsCpu).toFixed(1)
      } µs)`,
      detail: {
        iterations,
        rounds: nRounds,
        micros: ours,
        pythonMicros: theirs,
        pythonDaemonMicros: theirsDaemon,
        cpuMicros: oursCpu,
        pythonCpuMicros: theirsCpu,
        cpuRatio
      }
    }]
  } finally {
    await runtime.dispose()
  }
}
