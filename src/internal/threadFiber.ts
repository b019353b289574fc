/**
 * How a thread's fiber starts and ends: it is forked as a root fiber in the
 * context the thread captured (like `Effect.forkDetach`), with the thread as
 * its `currentThread`; it enters the instance's registry as it starts; its
 * last step — one exit path for every thread — reports a failure through the
 * excepthook, then leaves the registry.
 *
 * Observability attaches here to a thread's start and end (counts, and the
 * span of a traced thread).
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as References from "effect/References"
import type * as Scheduler from "effect/Scheduler"
import type { Live, ThreadingImpl } from "./instance.js"
import * as observability from "./observability.js"
import { reportThreadFailure } from "./report.js"
import { currentThread, type ThreadImpl } from "./thread.js"

// -----------------------------------------------------------------------------
// Forking on behalf of a thread
// -----------------------------------------------------------------------------

/**
 * The context a thread's fiber runs in: `context` with `currentThread` set and
 * the `thread` log annotation (two overlays on `context`, which is shared).
 */
const threadContext = (
  thread: ThreadImpl<unknown, unknown>,
  context: Context.Context<never>
): Context.Context<never> => {
  const annotations = Context.get(context, References.CurrentLogAnnotations)
  let labelled: Record<string, unknown> = { thread: thread.name }
  for (const _ in annotations) {
    labelled = { ...annotations, thread: thread.name }
    break
  }
  return Context.add(Context.add(context, currentThread, thread), References.CurrentLogAnnotations, labelled)
}

/**
 * Runs `body` in a root fiber (like `Effect.forkDetach`) on behalf of
 * `thread`: in `context`, with `currentThread` set and the `thread` log
 * annotation. Synchronous, so that checking, forking and registering a thread
 * happen in one step no other fiber can see half-done. `body` runs at once:
 * it begins with `later` (or `nextTick`) to start on the scheduler's next
 * tick, as a forked fiber does.
 */
const runAs = <A, E>(
  thread: ThreadImpl<unknown, unknown>,
  context: Context.Context<never>,
  body: Effect.Effect<A, E, any>
): Fiber.Fiber<A, E> => Effect.runForkWith(threadContext(thread, context))(body as Effect.Effect<A, E>)

/** Starts `effect` on the scheduler's next tick, as a forked fiber does. */
const later = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.andThen(Effect.yieldNow, effect)

/**
 * Runs `body` on behalf of `thread` (the main thread, for the library's own
 * work: the shutdown, the main program's bounded end), starting on the
 * scheduler's next tick.
 *
 * @internal
 */
export const forkAs = <A, E>(
  thread: ThreadImpl<unknown, unknown>,
  context: Context.Context<never>,
  body: Effect.Effect<A, E, any>
): Fiber.Fiber<A, E> => runAs(thread, context, later(body))

/**
 * Runs `effect` in a fiber of its own on behalf of the main thread of
 * `instance`, and waits for it: for the library's work that runs in
 * finalizers, which are uninterruptible, where a timeout could never
 * interrupt its losing side.
 *
 * @internal
 */
export const awaitAsMain = (instance: ThreadingImpl, effect: Effect.Effect<void>): Effect.Effect<void> =>
  Effect.withFiber((parent) => Effect.asVoid(Fiber.await(forkAs(instance.mainThread, parent.context, effect))))

/** `runAs` for the fiber of a thread, recorded as the thread's, with its start time. */
const forkThreadNow = <A, E>(
  thread: ThreadImpl<A, E>,
  context: Context.Context<never>,
  body: Effect.Effect<A, E, any>
): Fiber.Fiber<A, E> => {
  const fiber = runAs(thread as ThreadImpl<unknown, unknown>, context, body)
  thread.fiber = fiber
  const now = Context.get(context, Clock.Clock).currentTimeMillisUnsafe()
  const after = now - (thread.instance.epoch ??= now)
  // `| 0` makes it an integer V8 stores unboxed (the difference of two
  // doubles stays a double otherwise), when it is one (under 24 days).
  thread.startedAfter = after === (after | 0) ? after | 0 : after
  return fiber
}

/**
 * Starts the main thread of an instance: `body` is the main program (or, for
 * `Threading.layer`, the wait for the layer's end), run in `context`.
 *
 * @internal
 */
export const forkMain = <A, E>(
  thread: ThreadImpl<A, E>,
  context: Context.Context<never>,
  body: Effect.Effect<A, E, any>
): Fiber.Fiber<A, E> => forkThreadNow(thread, context, later(body))

// -----------------------------------------------------------------------------
// The first step: the scheduler's next tick
// -----------------------------------------------------------------------------

/**
 * One dispatcher per scheduler for the first step of every thread (see
 * `nextTick`), whichever copy of the library starts it.
 */
const startDispatchers: WeakMap<Scheduler.Scheduler, Scheduler.SchedulerDispatcher> =
  ((globalThis as any)[Symbol.for("effect-threading/startDispatchers")] ??= new WeakMap())

/** `nextTick`'s register: `this` is the scheduler of the fiber that suspends. */
function scheduleStart(this: Scheduler.Scheduler, resume: (effect: Effect.Effect<void>) => void): void {
  let dispatcher = startDispatchers.get(this)
  if (dispatcher === undefined) {
    dispatcher = this.makeDispatcher()
    startDispatchers.set(this, dispatcher)
  }
  dispatcher.scheduleTask(() => resume(Effect.void), 0)
}

/**
 * Resumes on the scheduler's next tick, like `Effect.yieldNow`, through a
 * dispatcher shared by all threads (per scheduler), as `Effect.forkDetach`
 * schedules its child through the parent's: `yieldNow` in a new root fiber
 * would give every thread a dispatcher (and a `setImmediate`) of its own,
 * kept for its whole life.
 */
const nextTick: Effect.Effect<void> = Effect.callback(scheduleStart)

/**
 * The target of the thread the fiber runs for, dropped from the thread as it
 * starts (a thread starts once): the Effect tree a live thread no longer
 * needs can be collected, as it is for a forked fiber.
 */
const runTarget: Effect.Effect<unknown, unknown, any> = Effect.withFiber((fiber) => {
  const thread = fiber.getRef(currentThread)!
  const target = thread.target!
  thread.target = undefined
  return target
})

// -----------------------------------------------------------------------------
// The last step: one exit path
// -----------------------------------------------------------------------------

/**
 * What an exit handler returns when it has nothing left to run: Effect's
 * `onExit` frame then ends with the exit as it is, where `Effect.void` would
 * cost every thread's last step a `flatMap` (and, for an interrupted thread,
 * the combination of the causes) — one more frame per thread at shutdown.
 * (`onExit` takes the handler's result as optional: the frame's
 * continuations check for it, `onExitPrimitive` types it so; pinned by
 * test/upstream.test.ts.)
 */
const noFinalizer = undefined as unknown as Effect.Effect<void>

/** The thread of the fiber an exit handler runs in: it runs in its fiber's run loop. */
const exitingThread = (): ThreadImpl<unknown, unknown> => Fiber.getCurrent()!.getRef(currentThread)!

/**
 * The first half of a thread's last step: its failure reported through the
 * excepthook. An interruption is not a failure. (A traced thread runs it
 * inside its span, so that the report is logged in it.)
 */
const reportExit = (exit: Exit.Exit<unknown, unknown>): Effect.Effect<void> =>
  Exit.isFailure(exit) && !Cause.hasInterruptsOnly(exit.cause)
    ? reportThreadFailure(exitingThread(), exit.cause)
    : noFinalizer

/**
 * The second half: the thread leaves the registry (nothing to leave once step
 * (c) has begun: the registry is closed) and its count.
 */
const leave = (): Effect.Effect<void> => {
  leaveNow()
  return noFinalizer
}

const leaveNow = (): void => {
  const thread = exitingThread()
  const live = thread.instance.live()
  if (live !== undefined) (thread.daemon ? live.daemons : live.nonDaemons).delete(thread.fiber!)
  observability.threadEnded(thread)
}

/**
 * A thread's last step, whatever its end: `reportExit`, then `leave`. One
 * handler for every thread (it finds its thread in the fiber's context), so
 * that a thread costs no closure of its own. It runs uninterruptibly
 * (`onExit`), so that a thread that fails or dies while being interrupted — a
 * daemon whose finalizer dies at step (c) — is reported too, and a thread
 * interrupted before its first step still leaves the registry.
 */
const endThread = (exit: Exit.Exit<unknown, unknown>): Effect.Effect<void> => {
  const reported = reportExit(exit)
  return reported === noFinalizer ? leave() : Effect.ensuring(reported, Effect.sync(leaveNow))
}

/**
 * The fiber of every (untraced) thread, one Effect for all: its target,
 * started on the next tick, then `endThread`. A thread costs no Effect of its
 * own: the fiber finds its thread in its context.
 */
const threadMain: Effect.Effect<unknown, unknown, any> = Effect.onExit(Effect.andThen(nextTick, runTarget), endThread)

/** A traced thread's target with `reportExit`, inside the thread's span (`observability.traced`). */
const reportedTarget: Effect.Effect<unknown, unknown, any> = Effect.onExit(runTarget, reportExit)

/**
 * A thread's fiber: `threadMain`, or, when a tracer listens, the same two
 * halves around the target in the thread's span: the report inside it, the
 * leaving outside, in the thread's very last step.
 */
const threadFiberBody = <A, E>(
  thread: ThreadImpl<A, E>,
  starter: Fiber.Fiber<unknown, unknown>
): Effect.Effect<A, E, any> => {
  const traced = observability.traced(reportedTarget, thread, starter)
  return (traced === reportedTarget
    ? threadMain
    : Effect.onExit(Effect.andThen(nextTick, traced), leave)) as Effect.Effect<A, E, any>
}

/**
 * Forks the fiber of `thread` and enters it in the instance's registry `live`
 * (the caller checked that the phase allows it). `starter` is the fiber
 * starting it (its current span is the thread span's link).
 *
 * @internal
 */
export const startFiber = <A, E>(
  thread: ThreadImpl<A, E>,
  live: Live,
  starter: Fiber.Fiber<unknown, unknown>
): void => {
  const fiber = forkThreadNow(thread, thread.context, threadFiberBody(thread, starter))
  observability.threadStarted(thread)
  ;(thread.daemon ? live.daemons : live.nonDaemons).set(
    fiber as Fiber.Fiber<unknown, unknown>,
    thread as ThreadImpl<unknown, unknown>
  )
}

// -----------------------------------------------------------------------------
// A thread whose last step never ran
// -----------------------------------------------------------------------------

/**
 * Ends the thread of `fiber` if its fiber has ended without its last step:
 * out of the registry `threads`, and its failure reported through the
 * excepthook. Effect 4.1's run loop ends a fiber at once, skipping its
 * finalizers and `onExit` frames, when a step returns something that is not
 * an Effect (`Effect.flatMap(() => undefined)`: `Fiber.runLoop: Not a valid
 * effect: undefined`; pinned by test/upstream.test.ts), so such a thread
 * would otherwise stay registered forever — the wait for the non-daemon
 * threads would never end — and its failure would go unreported. The
 * shutdown looks for it where it waits (step (a)) and before it interrupts
 * (step (c)): no cost on a thread's own path.
 *
 * @internal
 */
export const endIfLost = (
  threads: Map<Fiber.Fiber<unknown, unknown>, ThreadImpl<unknown, unknown>>,
  fiber: Fiber.Fiber<unknown, unknown>
): Effect.Effect<void> =>
  Effect.suspend(() => {
    const thread = threads.get(fiber)
    const exit = fiber.pollUnsafe()
    if (thread === undefined || exit === undefined) return Effect.void
    threads.delete(fiber)
    observability.threadEnded(thread)
    return Exit.isFailure(exit) && !Cause.hasInterruptsOnly(exit.cause)
      ? reportThreadFailure(thread, exit.cause)
      : Effect.void
  })

/**
 * `endIfLost` for every thread of `threads`.
 *
 * @internal
 */
export const endLost = (
  threads: Map<Fiber.Fiber<unknown, unknown>, ThreadImpl<unknown, unknown>>
): Effect.Effect<void> =>
  Effect.suspend(() => {
    let lost: Array<Fiber.Fiber<unknown, unknown>> | undefined
    for (const fiber of threads.keys()) if (fiber.pollUnsafe() !== undefined) (lost ??= []).push(fiber)
    return lost === undefined
      ? Effect.void
      : Effect.forEach(lost, (fiber) => endIfLost(threads, fiber), { discard: true })
  })
