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
 * Metrics (`./metrics.ts`): threads started, alive, failed and overdue are
 * plain numbers a thread start or end adds to, whether or not an exporter
 * listens; the shutdown step durations are an Effect histogram, updated three
 * times per shutdown.
 *
 * It attaches to the core at two places only: a thread's start and end
 * (`./threadFiber.ts`, and `./report.ts` for a failure reported), and the
 * shutdown's step table (`./shutdown.ts`: a step is a span, its outcome the
 * span's attributes and events). It reads the instance through `counts()` and
 * its phase.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import * as References from "effect/References"
import * as Tracer from "effect/Tracer"
import type { ThreadingImpl } from "./instance.js"
import { type Cut, type StepName, stepNames } from "./lifecycle.js"
import { metricsOf, type RegistryMetrics } from "./metrics.js"
import type { Outcome } from "./shutdown.js"
import { names, outcomeOf, type ThreadImpl } from "./thread.js"

// -----------------------------------------------------------------------------
// Span names (listed in docs/observability.md)
// -----------------------------------------------------------------------------

/** @internal */
export const shutdownSpanName = "threading.shutdown"

/** @internal */
export const threadSpanName = (name: string): string => `thread ${name}`

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
  /** The open `threading.shutdown` span, the parent of the step spans. */
  shutdownSpan: Tracer.Span | undefined
}

const telemetryOf = (instance: ThreadingImpl, context: Context.Context<never>): Telemetry =>
  instance.telemetry ??= {
    metrics: metricsOf(context),
    tracer: undefined,
    open: new Set(),
    shutdownSpan: undefined
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
    const counts = self.counts()
    const attributes = {
      "threading.threads.non_daemon": counts.nonDaemons,
      "threading.threads.daemon": counts.daemons
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

/** A step's span attributes before it runs: what it is about to wait for. */
const attributesBefore = (
  name: StepName,
  counts: ReturnType<ThreadingImpl["counts"]>
): Record<string, number> =>
  name === stepNames.Joining
    ? { "threading.threads.non_daemon": counts.nonDaemons }
    : name === stepNames.AtExit
    ? { "threading.atexit.hooks": counts.hooks }
    : { "threading.threads.daemon": counts.daemons, "threading.threads.non_daemon": counts.nonDaemons }

const cutEvents: Record<Cut, string> = {
  shutdownTimeout: "shutdownTimeout elapsed",
  signal: "signal received",
  daemonGrace: "daemonGrace elapsed",
  mainGrace: "mainGrace elapsed"
}

/**
 * One step of the shutdown, `effect`, then `report` of its outcome: the
 * step's duration goes to the histogram; a bound's cut to the overdue counter;
 * when the shutdown is traced, it runs in a child span of
 * `threading.shutdown`, with its counts as attributes before it runs, and its
 * outcome once it has: what cut it short (an attribute, and an event naming
 * the threads left, before the report's log entries), the threads remaining
 * (step (a)), interrupted and left behind (step (c)).
 *
 * @internal
 */
export const step = (
  self: ThreadingImpl,
  name: StepName,
  effect: Effect.Effect<Outcome>,
  report: (outcome: Outcome) => Effect.Effect<void>
): Effect.Effect<Outcome> =>
  Effect.withFiber((fiber) => {
    const telemetry = telemetryOf(self, fiber.context)
    const clock = fiber.getRef(Clock.Clock)
    const startedAt = clock.currentTimeNanosUnsafe()
    const counts = self.counts()
    const recorded = (span: Tracer.Span | undefined) =>
      Effect.flatMap(effect, (outcome) => {
        const left = outcome._tag === "Cut" ? outcome.left.length : 0
        if (outcome._tag === "Cut") countOverdue(telemetry, outcome)
        if (span !== undefined) {
          if (outcome._tag === "Cut") {
            span.attribute("threading.step.cut_by", outcome.by)
            span.event(cutEvents[outcome.by], clock.currentTimeNanosUnsafe(), {
              "threading.threads.remaining": left,
              "threading.threads.names": names(outcome.left)
            })
          }
          if (name === stepNames.Joining) {
            span.attribute("threading.threads.remaining", left)
          } else if (name === stepNames.Stopping) {
            span.attribute("threading.threads.interrupted", counts.daemons + counts.nonDaemons)
            span.attribute("threading.threads.left_behind", left)
          }
        }
        return Effect.as(report(outcome), outcome)
      })
    const done = Effect.sync(() => {
      const seconds = Math.max(0, Number(clock.currentTimeNanosUnsafe() - startedAt) / 1e9)
      telemetry.metrics.stepDuration[name].updateUnsafe(seconds, telemetry.metrics.context)
      if (name === stepNames.Stopping) endLeftBehind(telemetry, clock)
    })
    const parent = telemetry.shutdownSpan
    if (parent === undefined) return Effect.ensuring(recorded(undefined), done)
    return Effect.useSpan(
      name,
      { parent, attributes: attributesBefore(name, counts) },
      (span) => Effect.ensuring(Effect.withParentSpan(recorded(span), span, noStack), done)
    )
  })

/** A bound's cut: its threads counted by `threading.thread.overdue`. */
const countOverdue = (telemetry: Telemetry, outcome: Extract<Outcome, { readonly _tag: "Cut" }>): void => {
  if (outcome.by !== "signal") telemetry.metrics.overdue[outcome.by] += outcome.left.length
}

/**
 * The outcome of a wait outside the steps (the main program's finalizers,
 * bounded by `mainGrace`): counted when a bound cut it.
 *
 * @internal
 */
export const outcome = (self: ThreadingImpl, outcome: Outcome): Effect.Effect<void> =>
  Effect.withFiber((fiber) => {
    if (outcome._tag === "Cut") countOverdue(telemetryOf(self, fiber.context), outcome)
    return Effect.void
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
