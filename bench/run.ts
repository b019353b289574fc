/**
 * `npm run bench` (full, a few minutes) / `npm run bench -- --quick` (< 60 s).
 *
 * Prints a Markdown table and writes bench/results.json. Every figure is a
 * ratio against a baseline measured in the same process run; see
 * bench/README.md for the cases, the targets and the latest table.
 *
 * Options: --quick; --only=1,2,3,4,5,6,7,8,9,10 (run some cases only); --clock=cpu|wall
 * (the clock of the throughput cases: process CPU time by default).
 *
 * Case 7 compares the two editions (the Effect 3 edition in effect3/ and this
 * one) in child processes and prints their side-by-side table after the
 * main one; it is skipped with a note when effect3/ has no node_modules.
 */
import { writeFileSync } from "node:fs"
import { cpus } from "node:os"
import { fileURLToPath } from "node:url"
import { cpython } from "./cpython.js"
import type { EditionsOutcome } from "./editions.js"
import { editions } from "./editions.js"
import type { Options, Result } from "./harness.js"
import { clock, hasGc, setClock, table } from "./harness.js"
import { importCost } from "./importCost.js"
import { memory } from "./memory.js"
import { observability } from "./observability.js"
import { scale } from "./scale.js"
import { shutdown } from "./shutdown.js"
import { spawnJoin } from "./spawnJoin.js"

const args = process.argv.slice(2)
const options: Options = { quick: args.includes("--quick") }
const onlyArg = args.find((a) => a.startsWith("--only="))
const only = onlyArg === undefined ? undefined : new Set(onlyArg.slice("--only=".length).split(","))
const wanted = (n: string) => only === undefined || only.has(n)
const clockArg = args.find((a) => a.startsWith("--clock="))?.slice("--clock=".length)
if (clockArg !== undefined) {
  if (clockArg !== "cpu" && clockArg !== "wall") throw new Error(`--clock=${clockArg}: expected cpu or wall`)
  setClock(clockArg)
}

const started = performance.now()
const log = (message: string) =>
  process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(1).padStart(5)} s] ${message}\n`)

if (!hasGc()) log("warning: global.gc is not exposed (run node with --expose-gc); memory figures are skipped")

const results: Array<Result> = []
if (wanted("1") || wanted("2") || wanted("6")) {
  log("1, 2: spawn+join; 10k alive threads")
  const out = await spawnJoin(options)
  results.push(...out.results)
}
if (wanted("3") || wanted("4")) {
  log("3, 4: shutdown; exit latency")
  results.push(...await shutdown(options))
}
if (wanted("5")) {
  log("5: memory")
  results.push(...await memory(options))
}
if (wanted("6")) {
  log("6: CPython")
  results.push(...await cpython(options))
}
let sideBySide: EditionsOutcome | undefined
if (wanted("7")) {
  log("7: the Effect 3 and Effect 4 editions side by side (child processes)")
  const outcome = await editions(options, log)
  if (typeof outcome === "string") {
    results.push({
      id: "7",
      case: "editions side by side",
      unit: "",
      subject: Number.NaN,
      baseline: null,
      baselineName: null,
      ratio: null,
      ratioMeaning: null,
      target: "",
      met: null,
      note: outcome
    })
  } else {
    sideBySide = outcome
    results.push(...outcome.results)
  }
}
if (wanted("8")) {
  log("8: observability (bench/observability.ts): with vs without, nothing listening / tracer installed")
  results.push(...await observability(options))
}
if (wanted("9")) {
  log("9: live threads at scale (bench/scale.ts, a child process per measurement)")
  results.push(...await scale(options, log))
}
if (wanted("10")) {
  log("10: import cost (bench/importCost.ts, a fresh process per sample)")
  results.push(...await importCost(options))
}
const seconds = (performance.now() - started) / 1000
log(`done in ${seconds.toFixed(1)} s`)

const shown = results.filter((r) => only === undefined || only.has(r.id.match(/^\d+/)?.[0] ?? r.id))
const environment = {
  date: new Date().toISOString(),
  node: process.version,
  v8: process.versions.v8,
  platform: `${process.platform} ${process.arch}`,
  cpus: `${cpus().length} × ${cpus()[0]?.model ?? "?"}`,
  mode: options.quick ? "quick" : "full",
  clock: clock.kind,
  seconds
}
console.log(
  `\n${environment.date.slice(0, 10)} · Node ${environment.node} · ${environment.cpus} · ${environment.mode} run (${
    seconds.toFixed(0)
  } s) · clock: ${clock.kind === "cpu" ? "process CPU time" : "wall"} (exit latency, CPython: wall)\n`
)
console.log(table(shown))
const notes = shown.filter((r) => r.note !== undefined)
if (notes.length > 0) console.log(`\n${notes.map((r) => `- ${r.id}: ${r.note}`).join("\n")}\n`)
if (sideBySide !== undefined) console.log(`\n${sideBySide.markdown}\n`)

const file = fileURLToPath(new URL("./results.json", import.meta.url))
writeFileSync(
  file,
  `${JSON.stringify({ environment, results: shown, editions: sideBySide?.rows ?? null }, null, 2)}\n`
)
log(`wrote ${file}`)
