/**
 * Case 8: what observability (spans and metrics, docs/observability.md) costs
 * per spawn+join of a trivial non-daemon thread.
 *
 * - 8a, nothing listening (no tracer, no metric exporter): this build against
 *   the same build without the feature. Target: ≤ 1.05×.
 * - 8b, a tracer installed: the same two builds, each under a tracer that
 *   makes real spans (Effect's `NativeSpan`, as the OTLP tracer does, but
 *   exports nothing: an exporter's own cost per span is Effect's, not this
 *   library's), each loop running inside a span so that every thread links
 *   to it. Measured, no target.
 *
 * "The same build without the feature": `src/` is bundled twice with esbuild
 * (`effect` left external, so both use the one `effect` of node_modules):
 * once as is, once with `src/internal/observability.ts` replaced by no-ops
 * (the body as is, nothing counted, no span). Both bundles run in this
 * process, each on its own runtime with its own `Threading.layer()`
 * instance, in the interleaved rounds of bench/harness.ts.
 *
 * Run alone: `node --expose-gc --import tsx bench/observability.ts [--quick]`;
 * in `npm run bench` as case 8 (`--only=8`).
 */
import { Effect, Layer, ManagedRuntime, Tracer } from "effect"
import type * as Threading from "effect-threading"
import * as esbuild from "esbuild"
import { mkdirSync } from "node:fs"
import * as path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import type { Options, Result } from "./harness.js"
import { gc, median, ratioOfRounds, rounds, table } from "./harness.js"

type Library = typeof Threading

const repo = fileURLToPath(new URL("..", import.meta.url))

/** What replaces src/internal/observability.ts in the build without the feature. */
const noOps = `
import * as Effect from "effect/Effect"
export const traced = (body) => body
export const threadStarted = () => {}
export const threadEnded = () => {}
export const threadFailed = () => Effect.void
export const shutdown = (_self, effect) => effect
export const step = (_self, _name, effect, report) => Effect.tap(effect, report)
export const outcome = () => Effect.void
`

/** Bundles src/ (with or without the feature) and imports it. */
const build = async (feature: boolean): Promise<Library> => {
  const outdir = path.join(repo, "bench", ".tmp", "observability")
  mkdirSync(outdir, { recursive: true })
  const outfile = path.join(outdir, feature ? "with.mjs" : "without.mjs")
  await esbuild.build({
    entryPoints: [path.join(repo, "src", "index.ts")],
    outfile,
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node22",
    external: ["effect", "effect/*", "@effect/*"],
    logLevel: "error",
    plugins: feature ? [] : [{
      name: "no-observability",
      setup(build) {
        build.onResolve({ filter: /^\.\/observability\.js$/ }, () => ({ path: "no-ops", namespace: "no-ops" }))
        build.onLoad({ filter: /.*/, namespace: "no-ops" }, () => ({ contents: noOps, loader: "js", resolveDir: repo }))
      }
    }]
  })
  return await import(pathToFileURL(outfile).href) as Library
}

/** A tracer that makes real spans and exports none. */
const silentTracer: Tracer.Tracer = Tracer.make({ span: (options) => new Tracer.NativeSpan(options) })

const loop = (lib: Library, n: number) =>
  Effect.suspend(() => {
    let i = 0
    const body = Effect.flatMap(lib.Thread.spawn(Effect.void), lib.Thread.join)
    return Effect.whileLoop({ while: () => i++ < n, body: () => body, step: () => {} })
  })

export const observability = async (options: Options): Promise<Array<Result>> => {
  const [withFeature, without] = await Promise.all([build(true), build(false)])
  const batch = 1000
  // More rounds than case 1: the difference sought is a few per cent.
  const [nRounds, samples] = options.quick ? [8, 5] : [30, 10]
  const quiet = (lib: Library) => ManagedRuntime.make(lib.Threading.layer())
  const traced = (lib: Library) =>
    ManagedRuntime.make(Layer.merge(lib.Threading.layer(), Layer.succeed(Tracer.Tracer, silentTracer)))
  const runtimes = {
    with: quiet(withFeature),
    without: quiet(without),
    withTraced: traced(withFeature),
    withoutTraced: traced(without)
  }
  try {
    const task = (name: keyof typeof runtimes, lib: Library, span: boolean) => {
      const body = span ? Effect.withSpan(loop(lib, batch), "request") : loop(lib, batch)
      const runtime = runtimes[name] as ManagedRuntime.ManagedRuntime<any, never>
      return { name, fn: () => runtime.runPromise(body) }
    }
    // Two pairs, each in rounds of its own: within a round, the task that
    // follows the traced ones (which make garbage) would pay for it.
    const settings = { rounds: nRounds, samples, warmup: 3, between: gc }
    const quietRounds = await rounds([task("with", withFeature, false), task("without", without, false)], settings)
    const tracedRounds = await rounds(
      [task("withTraced", withFeature, true), task("withoutTraced", without, true)],
      settings
    )
    const r = new Map([...quietRounds, ...tracedRounds])
    const micros = (name: string) => (median(r.get(name)!) * 1000) / batch
    const iterations = nRounds * samples * batch
    const off = ratioOfRounds(r.get("with")!, r.get("without")!)
    const on = ratioOfRounds(r.get("withTraced")!, r.get("withoutTraced")!)
    return [
      {
        id: "8a",
        case: `spawn+join, nothing listening: with observability vs without (${iterations / 1000}k)`,
        unit: "µs/op",
        subject: micros("with"),
        baseline: micros("without"),
        baselineName: "the same build without observability",
        ratio: off,
        ratioMeaning: null,
        opsPerSecond: 1e6 / micros("with"),
        target: "≤ 1.05×",
        met: off <= 1.05,
        detail: { iterations, batch, roundsMs: r.get("with"), baselineRoundsMs: r.get("without") }
      },
      {
        id: "8b",
        case: `spawn+join, tracer installed: with observability (a span per thread) vs without (${iterations / 1000}k)`,
        unit: "µs/op",
        subject: micros("withTraced"),
        baseline: micros("withoutTraced"),
        baselineName: "the same build without observability, same tracer",
        ratio: on,
        ratioMeaning: null,
        opsPerSecond: 1e6 / micros("withTraced"),
        target: "measured",
        met: null,
        note: `a span per thread costs ${(micros("withTraced") - micros("withoutTraced")).toFixed(2)} µs; ` +
          `tracer installed vs nothing listening, with observability: ${
            (micros("withTraced") / micros("with")).toFixed(2)
          }× (medians of separate rounds)`,
        detail: { iterations, batch, roundsMs: r.get("withTraced"), baselineRoundsMs: r.get("withoutTraced") }
      }
    ]
  } finally {
    await Promise.all(Object.values(runtimes).map((runtime) => runtime.dispose()))
  }
}

// Run alone.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const results = await observability({ quick: process.argv.includes("--quick") })
  console.log(table(results))
  for (const r of results) if (r.note !== undefined) console.log(`- ${r.id}: ${r.note}`)
}
