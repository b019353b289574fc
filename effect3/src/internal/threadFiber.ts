/**
 * How a thread's fiber starts and ends: it is forked as a root fiber in the
 * context the thread captured (like `Effect.forkDaemon`), with the thread as
 * its `currentThread`; it enters the instance's registry as it starts; its
 * last step — one exit path for every thread — reports a failure through the
 * excepthook, then leaves the registry.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import type * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as FiberRef from "effect/FiberRef"
import * as FiberRefs from "effect/FiberRefs"
import * as HashMap from "effect/HashMap"
import type * as Option from "effect/Option"
import * as Runtime from "effect/Runtime"
import type { Live, ThreadingImpl } from "./instance.js"
import { reportThreadFailure } from "./report.js"
import { currentThread, type ThreadImpl } from "./thread.js"

// -----------------------------------------------------------------------------
// Forking on behalf of a thread
// -----------------------------------------------------------------------------

/**
 * Runs `body` in a root fiber (like `Effect.forkDaemon`) on behalf of
 * `thread`: with the fiber refs of `parent`, in `context`, with
 * `currentThread` set and the `thread` log annotation. Synchronous, so that
 * checking, forking and registering a thread happen in one step no other
 * fiber can see half-done. `body` begins on the scheduler's next tick, as a
 * forked fiber does.
 */
const runAs = <A, E>(
  parent: Fiber.RuntimeFiber<unknown, unknown>,
  thread: ThreadImpl<unknown, unknown>,
  context: Context.Context<never>,
  body: Effect.Effect<A, E, any>
): Fiber.RuntimeFiber<A, E> =>
  Runtime.runFork(
    Runtime.make({ context, runtimeFlags: Runtime.defaultRuntimeFlags, fiberRefs: parent.getFiberRefs() }),
    body as Effect.Effect<A, E>,
    {
      immediate: false,
      updateRefs: (refs, fiberId) =>
        // `refs` are already forked for `fiberId` by `runFork`: only set ours.
        FiberRefs.updateManyAs(refs, {
          entries: [
            [currentThread, [[fiberId, thread]]],
            [
              FiberRef.currentLogAnnotations,
              [[
                fiberId,
                HashMap.set(FiberRefs.getOrDefault(refs, FiberRef.currentLogAnnotations), "thread", thread.name)
              ]]
            ]
          ]
        })
    }
  )

/**
 * Runs `body` on behalf of `thread` (the main thread, for the library's own
 * work: the shutdown, the main program's bounded end), starting on the
 * scheduler's next tick.
 *
 * @internal
 */
export const forkAs = <A, E>(
  parent: Fiber.RuntimeFiber<unknown, unknown>,
  thread: ThreadImpl<unknown, unknown>,
  context: Context.Context<never>,
  body: Effect.Effect<A, E, any>
): Fiber.RuntimeFiber<A, E> => runAs(parent, thread, context, body)

/**
 * Runs `effect` in a fiber of its own on behalf of the main thread of
 * `instance`, and waits for it: for the library's work that runs in
 * finalizers, which are uninterruptible, where a timeout could never
 * interrupt its losing side.
 *
 * @internal
 */
export const awaitAsMain = (instance: ThreadingImpl, effect: Effect.Effect<void>): Effect.Effect<void> =>
  Effect.withFiberRuntime((parent) =>
    Effect.asVoid(Fiber.await(forkAs(parent, instance.mainThread, parent.currentContext, effect)))
  )

/**
 * Starts the main thread of an instance: `body` is the main program (or, for
 * `Threading.layer`, the wait for the layer's end), run in `context`, from
 * the scheduler's next tick.
 *
 * @internal
 */
export const forkMain = <A, E>(
  parent: Fiber.RuntimeFiber<unknown, unknown>,
  thread: ThreadImpl<A, E>,
  context: Context.Context<never>,
  body: Effect.Effect<A, E, any>
): Fiber.RuntimeFiber<A, E> => {
  const fiber = runAs(parent, thread as ThreadImpl<unknown, unknown>, context, body)
  thread.fiber = fiber
  return fiber
}

// -----------------------------------------------------------------------------
// The thread's steps
// -----------------------------------------------------------------------------

/**
 * The target of the thread the fiber runs for, dropped from the thread as it
 * starts (a thread starts once): the Effect tree a live thread no longer
 * needs can be collected, as it is for a forked fiber.
 */
const runTarget: Effect.Effect<unknown, unknown, any> = Effect.withFiberRuntime((fiber) => {
  const thread = fiber.getFiberRef(currentThread)!
  const target = thread.target!
  thread.target = undefined
  return target
})

/** The thread of the fiber an exit handler runs in: it runs in its fiber's run loop. */
const exitingThread = (): ThreadImpl<unknown, unknown> =>
  (Fiber.getCurrentFiber() as Option.Some<Fiber.RuntimeFiber<unknown, unknown>>).value.getFiberRef(currentThread)!

/**
 * The first half of a thread's last step: its failure reported through the
 * excepthook. An interruption is not a failure.
 */
const reportExit = (exit: Exit.Exit<unknown, unknown>): Effect.Effect<void> =>
  Exit.isFailure(exit) && !Cause.isInterruptedOnly(exit.cause)
    ? reportThreadFailure(exitingThread(), exit.cause)
    : Effect.void

/**
 * The second half: the thread leaves the registry (nothing to leave once step
 * (c) has begun: the registry is closed).
 */
const leave = (): Effect.Effect<void> => {
  leaveNow()
  return Effect.void
}

const leaveNow = (): void => leaveRegistry(exitingThread())

/**
 * `thread` leaves the registry, if it is still in it: in its last step, and
 * after `Thread.interrupt` (a fiber interrupted before its first step ends
 * without running any of its Effect, its exit handler included).
 *
 * @internal
 */
export const leaveRegistry = (thread: ThreadImpl<unknown, unknown>): void => {
  const live = thread.instance.live()
  if (live !== undefined) (thread.daemon ? live.daemons : live.nonDaemons).delete(thread.fiber!)
}

/**
 * A thread's last step, whatever its end: `reportExit`, then `leave`. One
 * handler for every thread (it finds its thread in the fiber's refs), so
 * that a thread costs no closure of its own. It runs uninterruptibly
 * (`onExit`), so that a thread that fails or dies while being interrupted — a
 * daemon whose finalizer dies at step (c) — is reported too.
 */
const endThread = (exit: Exit.Exit<unknown, unknown>): Effect.Effect<void> => {
  const reported = reportExit(exit)
  return reported === Effect.void ? leave() : Effect.ensuring(reported, Effect.sync(leaveNow))
}

/**
 * The fiber of every thread, one Effect for all: its target, started on the
 * scheduler's next tick (as a forked fiber), then `endThread`. (A fiber
 * interrupted before that tick skips the whole Effect, `onExit` included:
 * `Thread.interrupt` then takes the thread out of the registry itself,
 * `leaveRegistry`; step (c) needs nothing, the registry is closed by then.)
 */
const threadMain: Effect.Effect<unknown, unknown, any> = Effect.onExit(runTarget, endThread)

/**
 * Forks the fiber of `thread` and enters it in the instance's registry `live`
 * (the caller checked that the phase allows it). `starter` is the fiber
 * starting it (its fiber refs are the thread's).
 *
 * @internal
 */
export const startFiber = <A, E>(
  thread: ThreadImpl<A, E>,
  live: Live,
  starter: Fiber.RuntimeFiber<unknown, unknown>
): void => {
  const fiber = runAs(starter, thread as ThreadImpl<unknown, unknown>, thread.context, threadMain)
  thread.fiber = fiber as Fiber.RuntimeFiber<A, E>
  ;(thread.daemon ? live.daemons : live.nonDaemons).add(fiber)
}
