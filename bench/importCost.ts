/**
 * Case 10: what importing effect-threading costs a program (issue 18, "pay
 * for the cluster only when used"), against `import "effect"` (the whole
 * index) measured in the same process.
 *
 * Each sample is a fresh plain-Node process (bench/importChild.mjs) on the
 * sources compiled one module per file (test/cluster/compiled.ts, the module
 * graph of `dist/`): it imports `effect`, then the package's index, then the
 * cluster engine (`internal/cluster.js`, what the first `Thread.singleton` or
 * `ThreadingCluster.layer` loads), each timed after the previous one. The
 * ratios are medians of the per-sample ratios.
 *
 * - 10a: the index after `effect`, over `effect`. Target: ≤ 0.15×.
 * - 10b: the cluster engine after both, over `effect`: what a program that
 *   uses a singleton pays on first use (measured, no target).
 *
 * Run alone: `node --import tsx bench/importCost.ts [--quick]`; in
 * `npm run bench` as case 10 (`--only=10`).
 */
import { execFile } from "node:child_process"
import { fileURLToPath } from "node:url"
import { compileSources, moduleUrl } from "../test/cluster/compiled.js"
import type { Options, Result } from "./harness.js"
import { median, table } from "./harness.js"

const child = fileURLToPath(new URL("./importChild.mjs", import.meta.url))

interface Sample {
  readonly effect: number
  readonly steps: ReadonlyArray<number>
}

const sample = (urls: ReadonlyArray<string>): Promise<Sample> =>
  new Promise((resolve, reject) =>
    execFile(process.execPath, [child, ...urls], (error, stdout, stderr) => {
      if (error !== null) reject(new Error(`bench/importChild.mjs failed: ${error.message}\n${stderr}`))
      else resolve(JSON.parse(stdout.trim().split("\n").at(-1)!) as Sample)
    })
  )

export const importCost = async (options: Options): Promise<Array<Result>> => {
  const compiled = await compileSources()
  try {
    const urls = [moduleUrl(compiled, "index.js"), moduleUrl(compiled, "internal/cluster.js")]
    // One unmeasured process first: the operating system's file cache.
    await sample(urls)
    const samples: Array<Sample> = []
    for (let i = 0; i < (options.quick ? 10 : 30); i++) samples.push(await sample(urls))
    const effect = median(samples.map((s) => s.effect))
    const row = (id: string, what: string, step: number, target: string, limit: number | undefined): Result => {
      const ratio = median(samples.map((s) => s.steps[step]! / s.effect))
      return {
        id,
        case: what,
        unit: "ms (wall, fresh process)",
        subject: median(samples.map((s) => s.steps[step]!)),
        baseline: effect,
        baselineName: "import \"effect\"",
        ratio,
        ratioMeaning: null,
        target,
        met: limit === undefined ? null : ratio <= limit,
        detail: samples
      }
    }
    return [
      row("10a", "import effect-threading, after import \"effect\"", 0, "≤ 0.15×", 0.15),
      row("10b", "then the cluster engine (first Thread.singleton / ThreadingCluster layer)", 1, "measured", undefined)
    ]
  } finally {
    compiled.remove()
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(table(await importCost({ quick: process.argv.includes("--quick") })))
}
