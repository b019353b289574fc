/**
 * The thread metrics as Prometheus scrapes them: the program serves
 * `PrometheusMetrics.layerHttp` (from `effect/observability`) on a Node HTTP
 * server on 127.0.0.1, and the test fetches `/metrics` twice — while the
 * threads run, and after the shutdown — and parses the exposition text.
 */
import { NodeHttpServer } from "@effect/platform-node"
import { Deferred, Effect, Layer, Metric } from "effect"
import { Thread, Threading } from "effect-threading"
import { HttpRouter, HttpServer } from "effect/http"
import { PrometheusMetrics } from "effect/observability"
import * as http from "node:http"
import { describe, expect, it } from "vitest"

interface Sample {
  readonly labels: Record<string, string>
  readonly value: number
}

interface Family {
  readonly type: string | undefined
  readonly help: string | undefined
  /** By sample name (`NAME`, `NAME_bucket`, `NAME_sum`, `NAME_count`). */
  readonly samples: Map<string, Array<Sample>>
}

/** Parses the Prometheus text exposition format (version 0.0.4). */
const parse = (text: string): Map<string, Family> => {
  const families = new Map<string, Family>()
  const family = (name: string) => {
    let f = families.get(name)
    if (f === undefined) {
      f = { type: undefined, help: undefined, samples: new Map() }
      families.set(name, f)
    }
    return f
  }
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue
    const meta = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line)
    if (meta !== null) {
      const [, kind, name, rest] = meta as unknown as [string, string, string, string]
      Object.assign(family(name), kind === "TYPE" ? { type: rest } : { help: rest })
      continue
    }
    if (line.startsWith("#")) continue
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (sample === null) throw new Error(`not a sample line: ${line}`)
    const [, name, labelText, valueText] = sample as unknown as [string, string, string | undefined, string]
    const labels: Record<string, string> = {}
    for (const [, key, value] of (labelText ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[key!] = value!.replace(/\\n/g, "\n").replace(/\\"/g, "\"").replace(/\\\\/g, "\\")
    }
    const value = valueText === "+Inf" ? Infinity : valueText === "-Inf" ? -Infinity : Number(valueText)
    const base = [...families.keys()].find((f) => name === f || /^_(bucket|sum|count)$/.test(name.slice(f.length)))
    const samples = family(base ?? name).samples
    samples.set(name, [...(samples.get(name) ?? []), { labels, value }])
  }
  return families
}

/** The value of the sample `name` whose labels include `labels`. */
const valueOf = (families: Map<string, Family>, name: string, labels: Record<string, string>) => {
  for (const f of families.values()) {
    for (const s of f.samples.get(name) ?? []) {
      if (Object.entries(labels).every(([k, v]) => s.labels[k] === v)) return s.value
    }
  }
  return undefined
}

/** `Promise.withResolvers` (ES2024; the repository's lib is ES2022). */
const resolvers = <A>() => {
  let resolve!: (value: A) => void
  const promise = new Promise<A>((r) => (resolve = r))
  return { promise, resolve }
}

const steps = ["join non-daemon threads", "atExit hooks", "interrupt daemon threads"]

describe("Prometheus scrape", () => {
  it("serves the thread metrics, while the threads run and after the shutdown", async () => {
    const ready = resolvers<string>()
    const shutDown = resolvers<void>()
    const firstScrapeDone = Effect.runSync(Deferred.make<void>())
    const secondScrapeDone = Effect.runSync(Deferred.make<void>())
    const forever = Effect.runSync(Deferred.make<void>())

    const server = NodeHttpServer.layer(() => http.createServer(), { port: 0, host: "127.0.0.1" })
    const metricsEndpoint = HttpRouter.serve(PrometheusMetrics.layerHttp(), {
      disableLogger: true,
      disableListenLog: true
    }).pipe(Layer.provideMerge(server))

    const program = Effect.gen(function*() {
      yield* Thread.spawn(Deferred.await(forever), { name: "collector", daemon: true })
      yield* Thread.spawn(Deferred.await(firstScrapeDone), { name: "worker-1" })
      yield* Thread.spawn(Deferred.await(firstScrapeDone), { name: "worker-2" })
      const failing = yield* Thread.spawn(Effect.fail("boom"), { name: "failing" })
      yield* Thread.join(failing)
      const address = (yield* HttpServer.HttpServer).address
      ready.resolve(HttpServer.formatAddress(address))
    })

    const run = Effect.runPromise(
      Effect.gen(function*() {
        yield* Threading.main(program, { excepthook: () => Effect.void })
        shutDown.resolve()
        yield* Deferred.await(secondScrapeDone)
      }).pipe(
        Effect.provide(metricsEndpoint),
        Effect.provideService(Metric.MetricRegistry, new Map())
      )
    )
    const scrape = async () => {
      const response = await fetch(`${await ready.promise}/metrics`)
      expect(response.status).toBe(200)
      expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/)
      return parse(await response.text())
    }

    try {
      // While the threads run: 2 workers alive, the daemon, a failure reported.
      const during = await scrape()
      Deferred.doneUnsafe(firstScrapeDone, Effect.void)
      expect(during.get("threading_thread_started")).toMatchObject({ type: "counter" })
      expect(during.get("threading_thread_started")!.help).toMatch(/^Threads started/)
      expect(during.get("threading_thread_count")).toMatchObject({ type: "gauge" })
      expect(during.get("threading_thread_failed")).toMatchObject({ type: "counter" })
      expect(during.get("threading_thread_overdue")).toMatchObject({ type: "counter" })
      expect(during.get("threading_shutdown_step_duration")).toMatchObject({ type: "histogram" })
      expect(valueOf(during, "threading_thread_started", { thread_daemon: "false" })).toBe(3)
      expect(valueOf(during, "threading_thread_started", { thread_daemon: "true" })).toBe(1)
      expect(valueOf(during, "threading_thread_count", { thread_daemon: "false" })).toBe(2)
      expect(valueOf(during, "threading_thread_count", { thread_daemon: "true" })).toBe(1)
      expect(valueOf(during, "threading_thread_failed", { thread_daemon: "false" })).toBe(1)
      expect(valueOf(during, "threading_thread_overdue", { threading_bound: "daemonGrace" })).toBe(0)
      for (const step of steps) {
        expect(valueOf(during, "threading_shutdown_step_duration_count", { threading_shutdown_step: step })).toBe(0)
      }
      // The unit is metadata, not a label.
      const labels = [...during.get("threading_thread_count")!.samples.values()].flat().map((s) => s.labels)
      expect(labels).toEqual([{ thread_daemon: "false" }, { thread_daemon: "true" }])

      // After the shutdown: nothing alive, one observation per step.
      await shutDown.promise
      const after = await scrape()
      expect(valueOf(after, "threading_thread_started", { thread_daemon: "false" })).toBe(3)
      expect(valueOf(after, "threading_thread_count", { thread_daemon: "false" })).toBe(0)
      expect(valueOf(after, "threading_thread_count", { thread_daemon: "true" })).toBe(0)
      for (const step of steps) {
        const labels = { threading_shutdown_step: step }
        expect(valueOf(after, "threading_shutdown_step_duration_count", labels), step).toBe(1)
        expect(valueOf(after, "threading_shutdown_step_duration_bucket", { ...labels, le: "+Inf" }), step).toBe(1)
        expect(valueOf(after, "threading_shutdown_step_duration_bucket", { ...labels, le: "60" }), step).toBe(1)
        expect(valueOf(after, "threading_shutdown_step_duration_sum", labels), step).toBeGreaterThanOrEqual(0)
      }
    } finally {
      Deferred.doneUnsafe(firstScrapeDone, Effect.void)
      Deferred.doneUnsafe(secondScrapeDone, Effect.void)
      Deferred.doneUnsafe(forever, Effect.void)
      await run
    }
  })
})
