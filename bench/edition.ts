/**
 * The child process of case 7 (bench/editions.ts): measures ONE edition of
 * the library — the Effect 4 edition at the repository root or the Effect 3
 * edition in `effect3/` — with that edition's own bench code, `effect` and
 * `src/`, and prints one JSON line on stdout.
 *
 *   node --expose-gc --import tsx bench/edition.ts --edition=DIR [--quick] [--clock=cpu|wall]
 *
 * with the edition's folder as the working directory and `TSX_TSCONFIG_PATH`
 * set to its `tsconfig.json`, so that `effect-threading` in its bench files
 * resolves to its own `src/` (bench/editions.ts starts it that way).
 *
 * Nothing here imports `effect` or the library statically: both come from the
 * edition's folder. What each edition measures is its own bench's subject and
 * baseline, the same in both: spawn+join (`threadSpawnJoin` against
 * `rawForkJoin`: `Effect.fork` + `Fiber.join` on Effect 3, `Effect.forkChild`
 * + `Fiber.join` on Effect 4), and the shutdown of N sleeping daemons with a
 * finalizer each (`threadingShutdown` against `rawInterruptAll`:
 * `Fiber.interruptAll` of `forkDaemon` / `forkDetach` fibers), in the
 * interleaved rounds of bench/harness.ts.
 */
import { readFileSync } from "node:fs"
import * as path from "node:path"
import { pathToFileURL } from "node:url"
import { gc, median, ratioOfRounds, rounds, setClock } from "./harness.js"

/** What one edition's child process reports. */
export interface EditionReport {
  readonly edition: string
  readonly effect: string
  readonly node: string
  readonly cases: ReadonlyArray<EditionCase>
}

/** One case of one edition: the edition's figure, the raw Effect baseline's, in one unit. */
export interface EditionCase {
  readonly id: string
  readonly unit: string
  /** Median over rounds, in `unit`. */
  readonly subject: number
  readonly baseline: number
  /** Median over rounds of the per-round subject/baseline. */
  readonly ratio: number
}

/** The case list, shared with the parent. */
export const editionCases = (quick: boolean) => ({
  spawnJoin: { id: "spawn+join", batch: 1000, rounds: quick ? 4 : 10, samples: quick ? 5 : 10 },
  shutdown: [
    { id: "shutdown 20k", n: 20_000, rounds: quick ? 2 : 5 },
    { id: "shutdown 100k", n: 100_000, rounds: quick ? 1 : 3 }
  ]
})

// The shapes this child uses from an edition (the same names in both editions).
interface Runtime {
  readonly runPromise: (effect: unknown) => Promise<unknown>
  readonly dispose: () => Promise<void>
}
interface EffectModule {
  readonly Effect: { readonly runPromise: (effect: unknown) => Promise<unknown> }
  readonly ManagedRuntime: { readonly make: (layer: unknown) => Runtime }
}
interface LibraryModule {
  readonly Threading: { readonly layer: () => unknown }
}
interface SpawnJoinModule {
  readonly repeat: (n: number, body: unknown) => unknown
  readonly rawForkJoin: unknown
  readonly threadSpawnJoin: unknown
}
interface ShutdownModule {
  readonly threadingShutdown: (n: number) => unknown
  readonly rawInterruptAll: (n: number) => unknown
}
interface HarnessModule {
  readonly setClock: (kind: "cpu" | "wall") => void
}

/** The ESM entry of a package as seen from `dir` (its `exports["."]`, `import` condition first). */
const esmEntry = (dir: string, name: string): string => {
  const root = path.join(dir, "node_modules", name)
  const manifest = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8"))
  let entry: unknown = manifest.exports?.["."] ?? manifest.module ?? manifest.main
  while (typeof entry === "object" && entry !== null) {
    const conditions = entry as Record<string, unknown>
    entry = conditions["import"] ?? conditions["default"]
  }
  if (typeof entry !== "string") throw new Error(`no ESM entry for ${name} in ${root}`)
  return path.join(root, entry)
}

const load = <A>(file: string): Promise<A> => import(pathToFileURL(file).href) as Promise<A>

const measure = async (dir: string, quick: boolean, clockKind: "cpu" | "wall"): Promise<EditionReport> => {
  const effectManifest = JSON.parse(readFileSync(path.join(dir, "node_modules", "effect", "package.json"), "utf8"))
  const { Effect, ManagedRuntime } = await load<EffectModule>(esmEntry(dir, "effect"))
  const { Threading } = await load<LibraryModule>(path.join(dir, "src", "index.ts"))
  const spawnJoin = await load<SpawnJoinModule>(path.join(dir, "bench", "spawnJoin.ts"))
  const shutdown = await load<ShutdownModule>(path.join(dir, "bench", "shutdown.ts")) // the edition's shutdown cases read its own harness's clock
  ;(await load<HarnessModule>(path.join(dir, "bench", "harness.ts"))).setClock(clockKind)
  setClock(clockKind)

  const plan = editionCases(quick)
  const cases: Array<EditionCase> = []

  const runtime = ManagedRuntime.make(Threading.layer())
  try {
    const { batch } = plan.spawnJoin
    const raw = spawnJoin.repeat(batch, spawnJoin.rawForkJoin)
    const thread = spawnJoin.repeat(batch, spawnJoin.threadSpawnJoin)
    const r = await rounds([
      { name: "raw", fn: () => runtime.runPromise(raw) },
      { name: "thread", fn: () => runtime.runPromise(thread) }
    ], { rounds: plan.spawnJoin.rounds, samples: plan.spawnJoin.samples, warmup: 3 })
    cases.push({
      id: plan.spawnJoin.id,
      unit: "µs/op",
      subject: (median(r.get("thread")!) * 1000) / batch,
      baseline: (median(r.get("raw")!) * 1000) / batch,
      ratio: ratioOfRounds(r.get("thread")!, r.get("raw")!)
    })
  } finally {
    await runtime.dispose()
  }

  const timed = (effect: unknown) => async () => ({ overriddenDuration: await Effect.runPromise(effect) as number })
  for (const { id, n, rounds: nRounds } of plan.shutdown) {
    const r = await rounds([
      { name: "raw", fn: timed(shutdown.rawInterruptAll(n)) },
      { name: "threading", fn: timed(shutdown.threadingShutdown(n)) }
    ], { rounds: nRounds, samples: 1, warmup: 0, between: gc })
    cases.push({
      id,
      unit: "ms",
      subject: median(r.get("threading")!),
      baseline: median(r.get("raw")!),
      ratio: ratioOfRounds(r.get("threading")!, r.get("raw")!)
    })
  }
  return { edition: dir, effect: effectManifest.version, node: process.version, cases }
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href
if (isMain) {
  const args = process.argv.slice(2)
  const dir = args.find((a) => a.startsWith("--edition="))?.slice("--edition=".length)
  if (dir === undefined) throw new Error("--edition=DIR is required")
  const clockKind = args.find((a) => a.startsWith("--clock="))?.slice("--clock=".length) ?? "cpu"
  if (clockKind !== "cpu" && clockKind !== "wall") throw new Error(`--clock=${clockKind}: expected cpu or wall`)
  const report = await measure(path.resolve(dir), args.includes("--quick"), clockKind)
  process.stdout.write(`${JSON.stringify(report)}\n`)
}
