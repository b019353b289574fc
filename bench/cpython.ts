/**
 * Case 6: the seed's own system. CPython's `threading.Thread` start + join
 * (bench/cpython_spawn_join.py, timed inside Python with perf_counter)
 * against `Thread.spawn` + `Thread.join`, in alternating rounds of the same
 * run. Skipped, with a note, when `python3` is not on the PATH.
 */
import { spawnSync } from "node:child_process"
import { fileURLToPath } from "node:url"
import { ManagedRuntime } from "effect"
import { Threading } from "effect-threading"
import type { Options, Result } from "./harness.js"
import { clock, median } from "./harness.js"
import { repeat, threadSpawnJoin } from "./spawnJoin.js"

const script = fileURLToPath(new URL("./cpython_spawn_join.py", import.meta.url))

interface PythonOut {
  readonly python: string
  readonly implementation: string
  readonly microsPerOp: number
  readonly daemonMicrosPerOp: number
}

const python = (iterations: number): PythonOut | string => {
  const out = spawnSync(process.env["PYTHON"] ?? "python3", [script, String(iterations), "1", clock.kind], { encoding: "utf8" })
  if (out.error !== undefined) return `python3 not available (${(out.error as NodeJS.ErrnoException).code ?? out.error.message})`
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
    const theirs: Array<number> = []
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
      theirsDaemon.push(py.daemonMicrosPerOp)
      const t0 = clock.now()
      await runtime.runPromise(loop)
      ours.push(((clock.now() - t0) * 1000) / iterations)
    }
    const ratio = median(theirs.map((t, i) => t / ours[i]!))
    const subject = median(ours)
    return [{
      id: "6",
      case: `spawn+join vs ${version} threading.Thread start+join`,
      unit: "µs/op",
      subject,
      baseline: median(theirs),
      baselineName: `${version} threading.Thread start+join`,
      ratio,
      ratioMeaning: "faster",
      opsPerSecond: 1e6 / subject,
      target: "≥ 10× faster",
      met: ratio >= 10,
      detail: { clock: clock.kind, iterations, rounds: nRounds, micros: ours, pythonMicros: theirs, pythonDaemonMicros: theirsDaemon }
    }]
  } finally {
    await runtime.dispose()
  }
}
