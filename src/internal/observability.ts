/**
 * Spans and metrics for threads and the shutdown (see docs/observability.md).
 *
 * Spans: each thread runs in a span `thread NAME` (a new root trace linked to
 * the span current where the thread was started, or that span's child with
 * `trace: "child"`); the shutdown is a span `threading.shutdown` with one
 * child per step. They are made only when a real tracer listens: the context
 * holds a tracer other than Effect's built-in native one (whose spans go
 * nowhere) and tracing is enabled (`References.TracerEnabled`) — the check
 * `HttpEffect` makes for request spans. Otherwise a thread costs nothing here
 * but the metric counts below.
 *
 * Metrics: the per-thread ones (started, alive, failed, overdue) are plain
 * numbers, one set per metric registry, that Effect's registry reads when it
 * is snapshotted (`Metric.registerUnsafe`): a thread start is two additions
 * and an exit observer, whether or not an exporter listens. The shutdown step
 * durations are an Effect histogram, updated three times per shutdown.
 *
 * Everything here is called from `./threading.ts`, which owns the lifecycle;
 * this module imports its types only.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import * as Metric from "effect/Metric"
import * as Ref from "effect/Ref"
import * as References from "effect/References"
import * as Tracer from "effect/Tracer"
import type { ThreadImpl, ThreadingImpl } from "./threading.js"

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

/** The shutdown steps, as span names and as the `threading.shutdown.step` attribute. @internal */
export const steps = {
  join: "join non-daemon threads",
  atExit: "atExit hooks",
  interrupt: "interrupt daemon threads"
} as const

/** @internal */
export type Step = typeof steps[keyof typeof steps]

/** The bounds whose expiry is counted by `threading.thread.overdue`. @internal */
export type Bound = "shutdownTimeout" | "daemonGrace" | "mainGrace"

/** What cuts a step short: a bound, or a signal (step (a) only). @internal */
export type Cut = Bound | "signal"

/** @internal */
export const shutdownSpanName = "threading.shutdown"

/** @internal */
export const threadSpanName = (name: string): string => `thread ${name}`

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
  readonly stepDuration: Record<Step, Metric.Histogram<number>>

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
    const make = (step: Step) => {
      const histogram = Metric.histogram(metricNames.stepDuration, {
        description: "Duration of each step of the threading shutdown, in seconds",
        attributes: { unit: "seconds", "threading.shutdown.step": step },
        boundaries: stepBoundaries
      })
      histogram.valueUnsafe(context) // the series exists (count 0) before the first shutdown
      return histogram
    }
    this.stepDuration = {
      [steps.join]: make(steps.join),
      [steps.atExit]: make(steps.atExit),
      [steps.interrupt]: make(steps.interrupt)
    }
  }
}

/** One `RegistryMetrics` per registry, whichever copy of the library asks. */
const registries: WeakMap<Metric.MetricRegistry, RegistryMetrics> =
  ((globalThis as any)[Symbol.for("effect-threading/observability/registries")] ??= new WeakMap())

const metricsOf = (context: Context.Context<never>): RegistryMetrics => {
  const registry = Context.get(context, Metric.MetricRegistry)
  let metrics = registries.get(registry)
  if (metrics === undefined) {
    metrics = new RegistryMetrics(registry)
    registries.set(registry, metrics)
  }
  return metrics
}

// -----------------------------------------------------------------------------
// Per instance
// -----------------------------------------------------------------------------

/**
 * What an instance keeps for observability: its registry's metrics (the
 * registry of the first context it saw: the first thread started, or the
 * shutdown), and, once a traced thread has started, what the shutdown spans
 * need.
 *
 * @internal
 */
export interface Telemetry {
  readonly metrics: RegistryMetrics
  /** The last real tracer a traced thread used: the shutdown's spans use it when their own context has none. */
  tracer: Tracer.Tracer | undefined
  /** The thread spans not ended yet (traced threads only), ended at step (c) when left behind. */
  readonly open: Set<Tracer.Span>
  /** The open `threading.shutdown` span and step span, where cuts are recorded as events. */
  shutdownSpan: Tracer.Span | undefined
  stepSpan: Tracer.Span | undefined
  /** Set by `cut` during a step: what cut it short. */
  cutBy: Cut | undefined
}

const telemetryOf = (instance: ThreadingImpl, context: Context.Context<never>): Telemetry =>
  instance.telemetry ??= {
    metrics: metricsOf(context),
    tracer: undefined,
    open: new Set(),
    shutdownSpan: undefined,
    stepSpan: undefined,
    cutBy: undefined
  }

// -----------------------------------------------------------------------------
// Is anyone listening?
// -----------------------------------------------------------------------------

/** The tracer to make spans with, or `undefined` when no real tracer listens. */
const listeningTracer = (tracerEnabled: boolean, tracer: Tracer.Tracer | undefined): Tracer.Tracer | undefined =>
  tracerEnabled && tracer !== undefined && tracer !== Tracer.nativeTracer ? tracer : undefined

const tracerOfContext = (context: Context.Context<never>): Tracer.Tracer | undefined =>
  listeningTracer(
    Context.get(context, References.TracerEnabled),
    Context.getOrUndefined(context, Tracer.Tracer)
  )

// -----------------------------------------------------------------------------
// Threads
// -----------------------------------------------------------------------------

/**
 * The body of a thread about to be forked: as is when no tracer listens,
 * else inside the thread's span. `starter` is the fiber that starts it, whose
 * current span the thread's span links to (or is a child of).
 *
 * @internal
 */
export const traced = <A, E>(
  body: Effect.Effect<A, E, any>,
  thread: ThreadImpl<A, E>,
  starter: Fiber.Fiber<unknown, unknown> | undefined
): Effect.Effect<A, E, any> => {
  // `spawn` starts a thread in the context it was made in: the fiber's cache already tells.
  const tracer = starter !== undefined && starter.context === thread.context
    ? listeningTracer(starter.cache.tracerEnabled, starter.cache.tracer)
    : tracerOfContext(thread.context)
  if (tracer === undefined) return body
  const current = starter !== undefined
    ? starter.cache.span
    : Context.getOrUndefined(thread.context, Tracer.ParentSpan)
  return threadSpan(body, thread as ThreadImpl<unknown, unknown>, tracer, current) as Effect.Effect<A, E, any>
}

/** No stack capture for the library's own spans: it costs an `Error` each, and would point into this file. */
const noStack: Tracer.TraceOptions = { captureStackTrace: false }

const threadSpan = (
  body: Effect.Effect<unknown, unknown, any>,
  thread: ThreadImpl<unknown, unknown>,
  tracer: Tracer.Tracer,
  current: Tracer.AnySpan | undefined
): Effect.Effect<unknown, unknown, any> => {
  const telemetry = telemetryOf(thread.instance, thread.context)
  telemetry.tracer = tracer
  const attributes = { "thread.name": thread.name, "thread.daemon": thread.daemon }
  const options: Tracer.SpanOptionsNoTrace = current === undefined
    ? { root: true, attributes }
    : thread.traceMode === "child"
    ? { parent: current, attributes }
    : { root: true, links: [{ span: current, attributes: { "threading.link": "started_from" } }], attributes }
  return Effect.useSpan(threadSpanName(thread.name), options, (span) => {
    span.attribute("thread.ident", thread.ident)
    telemetry.open.add(span)
    return Effect.onExit(Effect.withParentSpan(body, span, noStack), (exit) =>
      Effect.sync(() => {
        telemetry.open.delete(span)
        span.attribute("thread.outcome", outcomeOf(exit, thread.instance))
      }))
  })
}

/** A thread's `thread.outcome`, from its exit and its instance's state when it ended. @internal */
export const outcomeOf = (exit: Exit.Exit<unknown, unknown>, instance: ThreadingImpl): string => {
  if (Exit.isSuccess(exit)) return "success"
  if (!Cause.hasInterruptsOnly(exit.cause)) return "failure"
  const state = instance.state._tag
  return state === "Stopping" || state === "Done" ? "interrupted_at_shutdown" : "interrupted"
}

/**
 * Counts a thread that has just been forked. The hot path: two additions.
 *
 * @internal
 */
export const threadStarted = (thread: ThreadImpl<any, any>): void => {
  const metrics = (thread.instance.telemetry ?? telemetryOf(thread.instance, thread.context)).metrics
  if (thread.daemon) {
    metrics.startedDaemon++
    metrics.aliveDaemon++
  } else {
    metrics.startedNonDaemon++
    metrics.aliveNonDaemon++
  }
}

/**
 * Counts the end of a thread counted by `threadStarted`, in its last step
 * (no exit observer: a live thread costs no more than its counters).
 *
 * @internal
 */
export const threadEnded = (thread: ThreadImpl<any, any>): void => {
  const metrics = thread.instance.telemetry!.metrics
  if (thread.daemon) metrics.aliveDaemon--
  else metrics.aliveNonDaemon--
}

/**
 * Counts a failure reported to the excepthook.
 *
 * @internal
 */
export const threadFailed = (thread: ThreadImpl<unknown, unknown>): Effect.Effect<void> =>
  Effect.sync(() => {
    const metrics = telemetryOf(thread.instance, thread.context).metrics
    if (thread.daemon) metrics.failedDaemon++
    else metrics.failedNonDaemon++
  })

// -----------------------------------------------------------------------------
// Shutdown
// -----------------------------------------------------------------------------

const count = (fibers: Iterable<unknown>): number => {
  let n = 0
  for (const _ of fibers) n++
  return n
}
const nonDaemonCount = (self: ThreadingImpl): number => count(self.nonDaemons)
const daemonCount = (self: ThreadingImpl): number => count(self.daemons)

/**
 * The whole shutdown, inside the span `threading.shutdown` when a tracer
 * listens: the one of the shutdown's context, else the one the traced threads
 * used (with `runMain`'s `layer` option, the tracer is a service of the
 * program, not of the fiber that shuts down).
 *
 * @internal
 */
export const shutdown = (self: ThreadingImpl, effect: Effect.Effect<void>): Effect.Effect<void> =>
  Effect.withFiber((fiber) => {
    const telemetry = telemetryOf(self, fiber.context)
    const own = listeningTracer(fiber.cache.tracerEnabled, fiber.cache.tracer)
    const tracer = own ?? (fiber.cache.tracer === undefined ? telemetry.tracer : undefined)
    if (tracer === undefined) return effect
    const attributes = {
      "threading.threads.non_daemon": nonDaemonCount(self),
      "threading.threads.daemon": daemonCount(self)
    }
    const spanned = Effect.useSpan(shutdownSpanName, { attributes }, (span) => {
      telemetry.shutdownSpan = span
      return Effect.ensuring(
        Effect.withParentSpan(effect, span, noStack),
        Effect.sync(() => {
          telemetry.shutdownSpan = undefined
        })
      )
    })
    return own === undefined ? Effect.withTracer(spanned, tracer) : spanned
  })

/**
 * One step of the shutdown: its duration goes to the histogram; when the
 * shutdown is traced, it runs in a child span of `threading.shutdown` with
 * its counts as attributes.
 *
 * @internal
 */
export const step = <A>(self: ThreadingImpl, name: Step, effect: Effect.Effect<A>): Effect.Effect<A> =>
  Effect.withFiber((fiber) => {
    const telemetry = telemetryOf(self, fiber.context)
    const clock = fiber.getRef(Clock.Clock)
    const startedAt = clock.currentTimeNanosUnsafe()
    telemetry.cutBy = undefined
    const done = (exit: Exit.Exit<A>, span: Tracer.Span | undefined) =>
      Effect.sync(() => {
        const seconds = Math.max(0, Number(clock.currentTimeNanosUnsafe() - startedAt) / 1e9)
        telemetry.metrics.stepDuration[name].updateUnsafe(seconds, telemetry.metrics.context)
        if (span === undefined) return
        telemetry.stepSpan = undefined
        if (telemetry.cutBy !== undefined) span.attribute("threading.step.cut_by", telemetry.cutBy)
        if (name === steps.join) {
          span.attribute("threading.threads.remaining", nonDaemonCount(self))
        } else if (name === steps.interrupt) {
          const interrupted = self.state._tag === "Stopping" ? self.state.threads.length : 0
          const leftBehind = Exit.isSuccess(exit) && Array.isArray(exit.value) ? exit.value.length : 0
          span.attribute("threading.threads.interrupted", interrupted)
          span.attribute("threading.threads.left_behind", leftBehind)
          endLeftBehind(telemetry, clock)
        }
      })
    const parent = telemetry.shutdownSpan
    if (parent === undefined) return Effect.onExit(effect, (exit) => done(exit, undefined))
    const before: Record<string, unknown> = name === steps.join
      ? { "threading.threads.non_daemon": nonDaemonCount(self) }
      : name === steps.atExit
      ? { "threading.atexit.hooks": Ref.getUnsafe(self.hooks).length }
      : { "threading.threads.daemon": daemonCount(self), "threading.threads.non_daemon": nonDaemonCount(self) }
    return Effect.useSpan(name, { parent, attributes: before }, (span) => {
      telemetry.stepSpan = span
      return Effect.onExit(Effect.withParentSpan(effect, span, noStack), (exit) => done(exit, span))
    })
  })

/** Ends the spans of the traced threads still running after step (c), so that they are exported. */
const endLeftBehind = (telemetry: Telemetry, clock: Clock.Clock): void => {
  if (telemetry.open.size === 0) return
  const now = clock.currentTimeNanosUnsafe()
  for (const span of telemetry.open) {
    span.attribute("thread.outcome", "left_behind")
    span.event("left behind", now, { "threading.bound": "daemonGrace" })
    span.end(now, Exit.failCause(Cause.interrupt()))
  }
  telemetry.open.clear()
}

const cutEvents: Record<Cut, string> = {
  shutdownTimeout: "shutdownTimeout elapsed",
  signal: "signal received",
  daemonGrace: "daemonGrace elapsed",
  mainGrace: "mainGrace elapsed"
}

/**
 * Records that `why` cut a wait short with `threads` still running (their
 * names in `names`): an event on the step's span (or the shutdown's) when
 * traced, and, for a bound, the `threading.thread.overdue` counter.
 *
 * @internal
 */
export const cut = (self: ThreadingImpl, why: Cut, threads: number, names: string): Effect.Effect<void> =>
  Effect.withFiber((fiber) => {
    const telemetry = telemetryOf(self, fiber.context)
    if (why !== "signal") telemetry.metrics.overdue[why] += threads
    telemetry.cutBy = why
    const span = telemetry.stepSpan ?? telemetry.shutdownSpan
    if (span !== undefined) {
      span.event(cutEvents[why], fiber.getRef(Clock.Clock).currentTimeNanosUnsafe(), {
        "threading.threads.remaining": threads,
        "threading.threads.names": names
      })
    }
    return Effect.void
  })
