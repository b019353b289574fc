/**
 * Threads and the shutdown as spans and metrics (docs/observability.md): a
 * periodic maintenance daemon and a few non-daemon jobs; the program ends by
 * itself in about two seconds, once the jobs are done.
 *
 * With the standard `OTEL_EXPORTER_OTLP_ENDPOINT` set, traces and metrics go
 * over OTLP/HTTP to `$OTEL_EXPORTER_OTLP_ENDPOINT/v1/traces` and `/v1/metrics`
 * — protobuf, or JSON with `OTEL_EXPORTER_OTLP_PROTOCOL=http/json` — and are
 * flushed before the process exits: the telemetry layer is `runMain`'s
 * `layer`, released after the daemons have been stopped. Otherwise each span
 * is printed to the console as it ends, and the metrics at exit.
 *
 * Run: npx tsx examples/observability.ts
 *      OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318 npx tsx examples/observability.ts
 */
import { Console, type Duration, Effect, Layer, Metric, Schedule, Tracer } from "effect"
import { Thread, Threading } from "effect-threading"
import { FetchHttpClient } from "effect/http"
import { Otlp, OtlpSerialization } from "effect/observability"

// --- the program --------------------------------------------------------------

/** One pass of maintenance: a span of its own, inside the daemon's trace. */
const maintenancePass = Effect.gen(function*() {
  yield* Effect.sleep("30 millis") // compact, evict, vacuum...
  yield* Console.log("[maintenance] pass done")
}).pipe(Effect.withSpan("maintenance pass"))

const job = (name: string, duration: Duration.Input) =>
  Effect.gen(function*() {
    yield* Console.log(`[${name}] started`)
    yield* Effect.sleep(duration).pipe(Effect.withSpan(`${name} work`))
    yield* Console.log(`[${name}] done`)
  })

const program = Effect.gen(function*() {
  // A daemon: it never holds the program open; it is interrupted at exit.
  yield* Thread.periodic(maintenancePass, Schedule.spaced("400 millis"), { name: "maintenance" })
  // Non-daemon jobs: the program ends when the last one is done.
  yield* Thread.spawn(job("job-import", "1200 millis"), { name: "job-import" })
  yield* Thread.spawn(job("job-report", "700 millis"), { name: "job-report" })
  // A short job that belongs to this request: its span is a child of it.
  yield* Thread.spawn(job("job-notify", "100 millis"), { name: "job-notify", trace: "child" })
  yield* Threading.atExit(Console.log("[atExit] closing the cache"))
  yield* Console.log("Main program exits; the non-daemon jobs go on.")
}).pipe(Effect.withSpan("startup"))

// --- where the telemetry goes ---------------------------------------------------

/** Unset or empty: no collector. */
const endpoint = process.env.OTEL_EXPORTER_OTLP_ENDPOINT || undefined

/** OTLP/HTTP to the collector at `endpoint`, in the protocol OpenTelemetry's variable asks for. */
const otlp = (baseUrl: string) =>
  Otlp.layer({
    baseUrl,
    resource: { serviceName: process.env.OTEL_SERVICE_NAME ?? "effect-threading-example" },
    tracerExportInterval: "1 second",
    metricsExportInterval: "1 second",
    loggerExportInterval: "1 second"
  }).pipe(
    Layer.provide(
      process.env.OTEL_EXPORTER_OTLP_PROTOCOL === "http/json"
        ? OtlpSerialization.layerJson
        : OtlpSerialization.layerProtobuf
    ),
    Layer.provide(FetchHttpClient.layer)
  )

const attributesText = (span: Tracer.NativeSpan) =>
  Array.from(span.attributes, ([key, value]) => `${key}=${String(value)}`).join(" ")

/** A tracer that prints each span when it ends (its spans are Effect's own `NativeSpan`s). */
const consoleTracer = Tracer.make({
  span(options) {
    const span = new Tracer.NativeSpan(options)
    const end = span.end.bind(span)
    span.end = (endTime, exit) => {
      end(endTime, exit)
      const ms = Number(endTime - span.startTime) / 1e6
      const parent = span.parent._tag === "Some" ? ` parent=${span.parent.value.spanId}` : " (root)"
      const links = span.links.map((link) => ` link=${link.span.spanId}`).join("")
      process.stdout.write(
        `  span ${JSON.stringify(span.name)} ${ms.toFixed(1)} ms id=${span.spanId}${parent}${links} ${
          attributesText(span)
        }\n`
      )
    }
    return span
  }
})

/** Spans to the console; the library's metrics printed when the layer is released (after the daemons). */
const console_ = Layer.mergeAll(
  Layer.succeed(Tracer.Tracer, consoleTracer),
  Layer.effectDiscard(Effect.addFinalizer(() =>
    Effect.flatMap(Metric.snapshot, (metrics) =>
      Console.log(
        `metrics:\n${
          metrics.filter((m) => m.id.startsWith("threading.")).map((m) =>
            `  ${m.id} ${JSON.stringify(m.attributes)} ${
              JSON.stringify(m.state, (_, v) => (typeof v === "bigint" ? String(v) : v))
            }`
          ).join("\n")
        }`
      ))
  ))
)

Threading.runMain(program, { layer: endpoint === undefined ? console_ : otlp(endpoint) })
