/**
 * The library's metrics (see docs/observability.md): their names, and the
 * values of one metric registry — plain numbers that Effect's registry reads
 * when it is snapshotted (`Metric.registerUnsafe`), so that a thread start is
 * two additions whether or not an exporter listens — and the histogram of the
 * shutdown's step durations. Updated by `./observability.ts`.
 *
 * @internal
 */
import * as Context from "effect/Context"
import * as Metric from "effect/Metric"
import { type Cut, type StepName, stepNames } from "./lifecycle.js"

// -----------------------------------------------------------------------------
// Names (listed in docs/observability.md)
// -----------------------------------------------------------------------------

/** @internal */
export const metricNames = {
  /** Counter: threads started, by `thread.daemon`. */
  started: "threading.thread.started",
  /** Gauge (up-down): threads alive now, by `thread.daemon`. The main thread is not counted. */
  alive: "threading.thread.count",
  /** Counter: thread failures reported to the excepthook, by `thread.daemon`. */
  failed: "threading.thread.failed",
  /** Counter: threads still running when a bound elapsed, by `threading.bound`. */
  overdue: "threading.thread.overdue",
  /** Histogram (seconds): duration of each shutdown step, by `threading.shutdown.step`. */
  stepDuration: "threading.shutdown.step.duration"
} as const

/** The bounds whose expiry is counted by `threading.thread.overdue`. @internal */
export type Bound = Exclude<Cut, "signal">

/** Bucket bounds of the step-duration histogram, in seconds. */
const stepBoundaries: ReadonlyArray<number> = [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]

// -----------------------------------------------------------------------------
// Metrics
// -----------------------------------------------------------------------------

/**
 * The metric values of one metric registry, shared by every instance (and
 * every copy of the library) that reports to it.
 *
 * @internal
 */
export class RegistryMetrics {
  startedNonDaemon = 0
  startedDaemon = 0
  aliveNonDaemon = 0
  aliveDaemon = 0
  failedNonDaemon = 0
  failedDaemon = 0
  readonly overdue: Record<Bound, number> = { shutdownTimeout: 0, daemonGrace: 0, mainGrace: 0 }
  /** A context holding just the registry, where the histogram is updated. */
  readonly context: Context.Context<never>
  readonly stepDuration: Record<StepName, Metric.Histogram<number>>

  constructor(registry: Metric.MetricRegistry) {
    const context = Context.make(Metric.MetricRegistry, registry) as Context.Context<never>
    this.context = context
    const thread = { unit: "{thread}" }
    const counter = (id: string, description: string, attributes: Record<string, string>, get: () => number) =>
      Metric.registerUnsafe(
        Metric.counter(id, { description, attributes: { ...thread, ...attributes }, incremental: true }),
        context,
        { get: () => ({ count: get(), incremental: true }), update: () => {}, modify: () => {} }
      )
    const gauge = (id: string, description: string, attributes: Record<string, string>, get: () => number) =>
      Metric.registerUnsafe(
        Metric.gauge(id, { description, attributes: { ...thread, ...attributes } }),
        context,
        { get: () => ({ value: get() }), update: () => {}, modify: () => {} }
      )
    const started = "Threads started (Thread.start / Thread.spawn)"
    counter(metricNames.started, started, { "thread.daemon": "false" }, () => this.startedNonDaemon)
    counter(metricNames.started, started, { "thread.daemon": "true" }, () => this.startedDaemon)
    const alive = "Threads alive (started and not yet ended), the main thread aside"
    gauge(metricNames.alive, alive, { "thread.daemon": "false" }, () => this.aliveNonDaemon)
    gauge(metricNames.alive, alive, { "thread.daemon": "true" }, () => this.aliveDaemon)
    const failed = "Thread failures reported to the excepthook"
    counter(metricNames.failed, failed, { "thread.daemon": "false" }, () => this.failedNonDaemon)
    counter(metricNames.failed, failed, { "thread.daemon": "true" }, () => this.failedDaemon)
    const overdue = "Threads still running when a bound (shutdownTimeout, daemonGrace, mainGrace) elapsed"
    for (const bound of ["shutdownTimeout", "daemonGrace", "mainGrace"] as const) {
      counter(metricNames.overdue, overdue, { "threading.bound": bound }, () => this.overdue[bound])
    }
    const make = (step: StepName) => {
      const histogram = Metric.histogram(metricNames.stepDuration, {
        description: "Duration of each step of the threading shutdown, in seconds",
        attributes: { unit: "seconds", "threading.shutdown.step": step },
        boundaries: stepBoundaries
      })
      histogram.valueUnsafe(context) // the series exists (count 0) before the first shutdown
      return histogram
    }
    this.stepDuration = {
      [stepNames.Joining]: make(stepNames.Joining),
      [stepNames.AtExit]: make(stepNames.AtExit),
      [stepNames.Stopping]: make(stepNames.Stopping)
    }
  }
}

/** One `RegistryMetrics` per registry, whichever copy of the library asks. */
const registries: WeakMap<Metric.MetricRegistry, RegistryMetrics> =
  ((globalThis as any)[Symbol.for("effect-threading/observability/registries")] ??= new WeakMap())

export const metricsOf = (context: Context.Context<never>): RegistryMetrics => {
  const registry = Context.get(context, Metric.MetricRegistry)
  let metrics = registries.get(registry)
  if (metrics === undefined) {
    metrics = new RegistryMetrics(registry)
    registries.set(registry, metrics)
  }
  return metrics
}
