/**
 * Case 10's child (plain JavaScript, plain Node: no tsx, whose own loader
 * would be timed too): one sample of the import cost, in a fresh process.
 * Imports `effect` (the whole index), then each module URL given, in turn,
 * and prints one JSON line: `{ "effect": ms, "steps": [ms, …] }`, each the
 * wall time of one `await import(…)` after the previous ones.
 *
 *   node bench/importChild.mjs URL...
 */
import { performance } from "node:perf_hooks"

const t0 = performance.now()
await import("effect")
const effect = performance.now() - t0
const steps = []
for (const url of process.argv.slice(2)) {
  const t = performance.now()
  await import(url)
  steps.push(performance.now() - t)
}
console.log(JSON.stringify({ effect, steps }))
