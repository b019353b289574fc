/**
 * Spans and metrics exported over OTLP/HTTP to a real receiver
 * (./receiver.ts, a Node HTTP server on 127.0.0.1 decoding what the exporter
 * posts), with the OTLP tracer and metrics layers of `effect/observability`:
 *
 * - in this process, with real timers: one program whose threads end every
 *   way a thread can (success, failure, interrupted at shutdown, cut by
 *   `shutdownTimeout`, left behind by `daemonGrace`), exported as OTLP/JSON;
 * - examples/observability.ts as a real process started with
 *   `OTEL_EXPORTER_OTLP_ENDPOINT`, exporting OTLP/protobuf (the default
 *   protocol), which must flush everything before it exits.
 *
 * Nothing here depends on how fast the machine is: the bounds are waited for
 * in full, and durations are only checked from below.
 */
import { Deferred, Effect, Layer, Metric } from "effect"
import { Thread, Threading } from "effect-threading"
import { FetchHttpClient } from "effect/http"
import { OtlpMetrics, OtlpSerialization, OtlpTracer } from "effect/observability"
import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { afterEach, describe, expect, it } from "vitest"
import type { Receiver, Span } from "./receiver.js"
import { lastPoint, pointsOf, spansOf, startReceiver } from "./receiver.js"

const repo = fileURLToPath(new URL("../..", import.meta.url))

let receiver: Receiver | undefined
const children = new Set<ReturnType<typeof spawn>>()
afterEach(async () => {
  for (const child of children) child.kill("SIGKILL")
  children.clear()
  await receiver?.close()
  receiver = undefined
})

/** Runs `node --import tsx FILE` in the repository root with `env` added; resolves when it exits. */
const runExample = (file: string, env: Record<string, string>) =>
  new Promise<{ readonly code: number | null; readonly stdout: string; readonly stderr: string }>((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", file], {
      cwd: repo,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"]
    })
    children.add(child)
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk) => (stdout += String(chunk)))
    child.stderr.on("data", (chunk) => (stderr += String(chunk)))
    child.on("close", (code) => {
      children.delete(child)
      resolve({ code, stdout, stderr })
    })
  })

const resource = { serviceName: "effect-threading-test" }

const byName = (spans: ReadonlyArray<Span>, name: string): Span => {
  const found = spans.filter((s) => s.name === name)
  expect(found.map((s) => s.name), `exactly one span named ${name}`).toEqual([name])
  return found[0]!
}

const childrenOf = (spans: ReadonlyArray<Span>, parent: Span): Array<Span> =>
  spans.filter((s) => s.parentSpanId === parent.spanId && s.traceId === parent.traceId).sort((a, b) =>
    a.start < b.start ? -1 : a.start > b.start ? 1 : 0
  )

describe("OTLP/HTTP export (in process, OTLP/JSON)", () => {
  it("exports a span per thread and per shutdown step, and the thread metrics", async () => {
    receiver = await startReceiver()
    const telemetry = Layer.mergeAll(
      OtlpTracer.layer({ url: `${receiver.url}/v1/traces`, resource, exportInterval: "1 hour" }),
      OtlpMetrics.layer({ url: `${receiver.url}/v1/metrics`, resource, exportInterval: "1 hour" })
    ).pipe(Layer.provide([OtlpSerialization.layerJson, FetchHttpClient.layer]))

    // Holds the left-behind daemon until the test ends (no timer: it keeps nothing alive).
    const forever = Effect.runSync(Deferred.make<void>())
    const program = Effect.gen(function*() {
      yield* Thread.spawn(Deferred.await(forever), { name: "maintenance", daemon: true })
      yield* Thread.spawn(Effect.uninterruptible(Deferred.await(forever)), { name: "stubborn", daemon: true })
      yield* Thread.spawn(Effect.sleep("20 millis"), { name: "job-ok" })
      yield* Thread.spawn(Effect.fail("boom"), { name: "job-fails" })
      yield* Thread.spawn(Effect.sleep("10 millis"), { name: "job-child", trace: "child" })
      yield* Thread.spawn(Deferred.await(forever), { name: "stuck" })
      yield* Threading.atExit(Effect.void)
      yield* Threading.atExit(Effect.void)
    }).pipe(Effect.withSpan("request"))

    await Effect.runPromise(
      Threading.main(program, {
        shutdownTimeout: "1 second",
        daemonGrace: "1 second",
        excepthook: () => Effect.void
      }).pipe(
        Effect.provide(telemetry),
        // a registry of its own: the metric values are this program's only
        Effect.provideService(Metric.MetricRegistry, new Map())
      )
    )
    Deferred.doneUnsafe(forever, Effect.void)

    // --- spans ---
    const spans = spansOf(receiver.received)
    const request = byName(spans, "request")
    const thread = (name: string) => byName(spans, `thread ${name}`)

    // A thread is a new root trace, linked to the span current where it was started.
    for (const name of ["maintenance", "stubborn", "job-ok", "job-fails", "stuck"]) {
      const span = thread(name)
      expect(span.parentSpanId, name).toBeUndefined()
      expect(span.traceId, name).not.toBe(request.traceId)
      expect(span.links.map((l) => [l.traceId, l.spanId]), name).toEqual([[request.traceId, request.spanId]])
      expect(span.attributes["thread.name"]).toBe(name)
      expect(typeof span.attributes["thread.ident"]).toBe("number")
    }
    // ... or, with `trace: "child"`, a child of it.
    const child = thread("job-child")
    expect([child.traceId, child.parentSpanId, child.links]).toEqual([request.traceId, request.spanId, []])

    const outcome = (
      name: string
    ) => [thread(name).attributes["thread.daemon"], thread(name).attributes["thread.outcome"]]
    expect(outcome("job-ok")).toEqual([false, "success"])
    expect(outcome("job-child")).toEqual([false, "success"])
    expect(outcome("job-fails")).toEqual([false, "failure"])
    expect(thread("job-fails").status.code).toBe(2) // ERROR
    expect(outcome("stuck")).toEqual([false, "interrupted_at_shutdown"])
    expect(outcome("maintenance")).toEqual([true, "interrupted_at_shutdown"])
    expect(outcome("stubborn")).toEqual([true, "left_behind"])
    expect(thread("stubborn").events.map((e) => e.name)).toEqual(["left behind"])
    const idents = ["maintenance", "stubborn", "job-ok", "job-fails", "job-child", "stuck"].map((n) =>
      thread(n).attributes["thread.ident"]
    )
    expect(new Set(idents).size).toBe(6)

    // The shutdown: one span, its three steps in order, with their counts and the cuts as events.
    const shutdown = byName(spans, "threading.shutdown")
    const stepSpans = childrenOf(spans, shutdown)
    expect(stepSpans.map((s) => s.name)).toEqual([
      "join non-daemon threads",
      "atExit hooks",
      "interrupt daemon threads"
    ])
    const [join, atExit, interrupt] = stepSpans as [Span, Span, Span]
    expect(join.start >= shutdown.start && interrupt.end <= shutdown.end).toBe(true)
    expect(join.end <= atExit.start && atExit.end <= interrupt.start).toBe(true)
    expect(shutdown.attributes).toMatchObject({ "threading.threads.daemon": 2 })

    expect(join.attributes).toMatchObject({
      "threading.step.cut_by": "shutdownTimeout",
      "threading.threads.remaining": 1
    })
    // the cut's event, then the shutdown's reports, logged in the step (Effect's tracerLogger makes each log entry
    // an event of the current span): the warning and the thread dump
    expect(join.events.map((e) => e.name)).toEqual([
      "shutdownTimeout elapsed",
      "shutdownTimeout (1s) elapsed; interrupting non-daemon threads still running: stuck",
      expect.stringMatching(/^Thread dump \(3 threads\):\n"stuck" #\d+ age=/)
    ])
    expect(join.events[0]!.attributes).toEqual({ "threading.threads.remaining": 1, "threading.threads.names": "stuck" })
    expect(join.events[1]!.attributes).toMatchObject({
      "effect.logLevel": "WARN",
      thread: "MainThread",
      threads: ["stuck"],
      threadCount: 1
    })
    expect(join.end - join.start).toBeGreaterThanOrEqual(900_000_000n)

    expect(atExit.attributes).toMatchObject({ "threading.atexit.hooks": 2 })
    expect(atExit.events).toEqual([])

    expect(interrupt.attributes).toMatchObject({
      "threading.threads.daemon": 2,
      "threading.threads.non_daemon": 1,
      "threading.threads.interrupted": 3,
      "threading.threads.left_behind": 1,
      "threading.step.cut_by": "daemonGrace"
    })
    expect(interrupt.events.map((e) => e.name)).toEqual([
      "daemonGrace elapsed",
      "daemonGrace (1s) elapsed; threads still running at exit: stubborn",
      expect.stringMatching(/^Thread dump \(1 thread\):\n"stubborn" #\d+ daemon age=/)
    ])
    expect(interrupt.events[0]!.attributes).toEqual({
      "threading.threads.remaining": 1,
      "threading.threads.names": "stubborn"
    })

    // --- metrics (the last export: the one made when the exporter closed) ---
    const points = pointsOf(receiver.received)
    const value = (name: string, attributes: Record<string, unknown>) => lastPoint(points, name, attributes)?.value
    const started = lastPoint(points, "threading.thread.started", { "thread.daemon": "false" })!
    expect([started.kind, started.monotonic, started.unit]).toEqual(["sum", true, "{thread}"])
    expect(value("threading.thread.started", { "thread.daemon": "false" })).toBe(4)
    expect(value("threading.thread.started", { "thread.daemon": "true" })).toBe(2)
    expect(lastPoint(points, "threading.thread.count", { "thread.daemon": "true" })!.kind).toBe("gauge")
    expect(value("threading.thread.count", { "thread.daemon": "false" })).toBe(0)
    expect(value("threading.thread.count", { "thread.daemon": "true" })).toBe(1) // stubborn, left behind
    expect(value("threading.thread.failed", { "thread.daemon": "false" })).toBe(1)
    expect(value("threading.thread.failed", { "thread.daemon": "true" })).toBe(0)
    expect(value("threading.thread.overdue", { "threading.bound": "shutdownTimeout" })).toBe(1)
    expect(value("threading.thread.overdue", { "threading.bound": "daemonGrace" })).toBe(1)
    expect(value("threading.thread.overdue", { "threading.bound": "mainGrace" })).toBe(0)
    const step = (name: string) =>
      lastPoint(points, "threading.shutdown.step.duration", { "threading.shutdown.step": name })!
    for (const name of ["join non-daemon threads", "atExit hooks", "interrupt daemon threads"]) {
      expect([step(name).kind, step(name).unit, step(name).count], name).toEqual(["histogram", "s", 1])
    }
    expect(step("join non-daemon threads").sum).toBeGreaterThanOrEqual(0.9)
    expect(step("interrupt daemon threads").sum).toBeGreaterThanOrEqual(0.9)
  })

  it("makes no span when no tracer listens, and still counts", async () => {
    receiver = await startReceiver()
    const metrics = OtlpMetrics.layer({ url: `${receiver.url}/v1/metrics`, resource, exportInterval: "1 hour" }).pipe(
      Layer.provide([OtlpSerialization.layerJson, FetchHttpClient.layer])
    )
    await Effect.runPromise(
      Threading.main(Effect.asVoid(Thread.spawn(Effect.void, { name: "quiet" }))).pipe(
        Effect.provide(metrics),
        Effect.provideService(Metric.MetricRegistry, new Map())
      )
    )
    expect(spansOf(receiver.received)).toEqual([])
    expect(lastPoint(pointsOf(receiver.received), "threading.thread.started", { "thread.daemon": "false" })?.value)
      .toBe(1)
  })
})

describe("OTLP/HTTP export (examples/observability.ts, a real process, OTLP/protobuf)", () => {
  it("exports every span and the metrics before the process exits", async () => {
    receiver = await startReceiver()
    const ended = await runExample("examples/observability.ts", {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_SERVICE_NAME: "observability-example"
    })
    expect(ended.code, ended.stderr).toBe(0)

    expect(new Set(receiver.received.map((r) => r.contentType))).toEqual(new Set(["application/x-protobuf"]))
    const spans = spansOf(receiver.received)
    const shutdown = byName(spans, "threading.shutdown")
    expect(childrenOf(spans, shutdown).map((s) => s.name)).toEqual([
      "join non-daemon threads",
      "atExit hooks",
      "interrupt daemon threads"
    ])
    const maintenance = byName(spans, "thread maintenance")
    expect(maintenance.attributes).toMatchObject({
      "thread.name": "maintenance",
      "thread.daemon": true,
      "thread.outcome": "interrupted_at_shutdown"
    })
    const jobs = spans.filter((s) => s.name.startsWith("thread job-"))
    expect(jobs.length).toBeGreaterThanOrEqual(3)
    for (const job of jobs) expect(job.attributes["thread.outcome"], job.name).toBe("success")
    // The maintenance passes are spans of the daemon's own trace.
    const passes = spans.filter((s) => s.name === "maintenance pass")
    expect(passes.length).toBeGreaterThanOrEqual(1)
    for (const pass of passes) expect(pass.traceId).toBe(maintenance.traceId)

    const points = pointsOf(receiver.received)
    expect(lastPoint(points, "threading.thread.started", { "thread.daemon": "true" })?.value).toBe(1)
    expect(lastPoint(points, "threading.thread.started", { "thread.daemon": "false" })?.value).toBe(jobs.length)
    expect(lastPoint(points, "threading.shutdown.step.duration", { "threading.shutdown.step": "atExit hooks" })?.count)
      .toBe(1)
  }, 60_000)
})
