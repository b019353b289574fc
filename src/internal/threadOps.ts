/**
 * What a thread does, as Python's `threading.Thread` methods: `make` (the
 * constructor), `start`, `spawn` (both at once), `setDaemon`, `join`,
 * `await`, `isAlive`, `interrupt`; and `critical`. Python's own errors for
 * misuse (`RuntimeError: threads can only be started once`…) are
 * `ThreadError`s with the same messages.
 *
 * @internal
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import { dual } from "effect/Function"
import * as MutableRef from "effect/MutableRef"
import type * as Thread from "../Thread.js"
import type * as Threading from "../Threading.js"
import * as errors from "./errors.js"
import { tag, type ThreadingImpl } from "./instance.js"
import { canStart } from "./lifecycle.js"
import { currentThread, ThreadImpl } from "./thread.js"
import { startFiber } from "./threadFiber.js"
import * as validate from "./validate.js"

/**
 * Builds a thread object of a kind (`ThreadImpl` or a subclass: `Timer`) from
 * what `make` worked out: its instance, name, daemon flag and context.
 *
 * @internal
 */
export type Build<T extends ThreadImpl<any, any>> = (
  instance: ThreadingImpl,
  name: string,
  daemon: boolean,
  context: Context.Context<never>
) => T

/**
 * A new thread of the caller's instance, in the caller's context (`make`
 * without the effect), from checked options (`validate.makeOptions`).
 */
const newThread = <T extends ThreadImpl<any, any>>(
  fiber: Fiber.Fiber<unknown, unknown>,
  target: Effect.Effect<unknown, unknown, any>,
  options: validate.MakeOptions,
  build?: Build<T>
): T => {
  const context = fiber.context
  const instance = Context.getUnsafe(context, tag) as ThreadingImpl
  // An empty name counts as none, as in CPython (`str(name or _newname())`).
  const name = options.name || `Thread-${MutableRef.incrementAndGet(instance.counter)}`
  const daemon = options.daemon ?? instance.currentOf(fiber.getRef(currentThread)).daemon
  const thread = build === undefined
    ? new ThreadImpl(instance, name, daemon, target, context) as unknown as T
    : build(instance, name, daemon, context)
  if (options.trace !== undefined) thread.traceMode = options.trace // observability
  return thread
}

/**
 * `make` from checked options or, with `build`, `make` for a thread of
 * another kind (a `Timer`): Python's `Thread.__init__` as a subclass calls it.
 *
 * @internal
 */
export const makeWith = <T extends ThreadImpl<any, any>>(
  target: Effect.Effect<unknown, unknown, any>,
  options: validate.MakeOptions,
  build?: Build<T>
): Effect.Effect<T> => Effect.withFiber((fiber) => Effect.succeed(newThread(fiber, target, options, build)))

/**
 * `spawn` from checked options (`validate.makeOptions`): `make` then `start`,
 * in one step.
 *
 * @internal
 */
export const spawnWith = <A, E, R>(
  target: Effect.Effect<A, E, R>,
  options: validate.MakeOptions
): Effect.Effect<Thread.Thread<A, E>, errors.ThreadError, Threading.Threading | R> =>
  Effect.withFiber((parent) => spawnIn(parent, target, options))

/** `spawn` in the fiber `parent`. */
const spawnIn = <A, E>(
  parent: Fiber.Fiber<unknown, unknown>,
  target: Effect.Effect<A, E, any>,
  options: validate.MakeOptions
): Effect.Effect<Thread.Thread<A, E>, errors.ThreadError> => {
  const thread = newThread<ThreadImpl<A, E>>(parent, target, options)
  const error = startThread(thread, parent)
  return error === undefined ? Effect.succeed(thread) : Effect.fail(error)
}

/** No options given. */
const noOptions: validate.MakeOptions = {}

/**
 * A refusal of an argument seen as the call is made: its stack is the
 * call's (`errors.callSite` of `fn`), so that it names the user's line.
 */
const refusedAt = (error: errors.ThreadError, fn: Function): errors.ThreadError =>
  errors.misuse(error.message, errors.callSite(fn))

/**
 * Starts `thread`: the error `start` fails with, or `undefined` once started.
 * `starter` is the fiber starting it; `site` the call's stack, if it was
 * taken (`errors.callSite`).
 */
const startThread = <A, E>(
  thread: ThreadImpl<A, E>,
  starter: Fiber.Fiber<unknown, unknown>,
  site?: string
): errors.ThreadError | undefined => {
  if (thread.fiber !== undefined) {
    return errors.misuse(errors.messages.startedTwice, site)
  }
  const live = thread.instance.live()
  if (live === undefined || !canStart(thread.instance.phase, thread.daemon)) {
    return errors.misuse(errors.messages.atShutdown, site)
  }
  startFiber(thread, live, starter)
  return undefined
}

// A misuse seen as the call is made (the usual case: `yield* Thread.join(t)`
// is called just before it runs) takes the call's stack, so that its error
// names the user's line; a correct call costs a few reads.

/** Whether `start` would fail, seen from the call. */
const startIsMisuse = (thread: ThreadImpl<unknown, unknown>): boolean =>
  thread.fiber !== undefined || !canStart(thread.instance.phase, thread.daemon)

/** Whether `join`/`await` would fail, seen from the call: not started, or the caller's own thread. */
const joinIsMisuse = (thread: ThreadImpl<unknown, unknown>): boolean => {
  if (thread.fiber === undefined) return true
  const caller = Fiber.getCurrent()
  return caller !== undefined && thread.instance.currentOf(caller.getRef(currentThread)) === thread
}

/** @internal */
export const make = <A, E, R>(
  target: Effect.Effect<A, E, R>,
  options?: Thread.MakeOptions
): Effect.Effect<Thread.Thread<A, E>, never, Threading.Threading | R> => {
  // `make` cannot fail: bad input is a defect.
  const invalid = validate.effect("Thread.make", target, "target")
  if (invalid !== undefined) return Effect.die(refusedAt(invalid, make))
  if (options === undefined) return makeWith(target, noOptions) as Effect.Effect<Thread.Thread<A, E>>
  return Effect.suspend(() => {
    const checked = validate.makeOptions("Thread.make", options)
    return checked instanceof errors.ThreadError ? Effect.die(checked) : makeWith(target, checked)
  }) as Effect.Effect<Thread.Thread<A, E>>
}

/** @internal */
export const start = <A, E>(self: Thread.Thread<A, E>): Effect.Effect<void, errors.ThreadError> => {
  const invalid = validate.thread("Thread.start", self)
  if (invalid !== undefined) return Effect.fail(refusedAt(invalid, start))
  const thread = self as ThreadImpl<A, E>
  const site = startIsMisuse(thread) ? errors.callSite(start) : undefined
  return Effect.withFiber((starter) => {
    const error = startThread(thread, starter, site)
    return error === undefined ? Effect.void : Effect.fail(error)
  })
}

/** @internal */
export const spawn = <A, E, R>(
  target: Effect.Effect<A, E, R>,
  options?: Thread.MakeOptions
): Effect.Effect<Thread.Thread<A, E>, errors.ThreadError, Threading.Threading | R> => {
  const invalid = validate.effect("Thread.spawn", target, "target")
  if (invalid !== undefined) return Effect.fail(refusedAt(invalid, spawn))
  // Options are read when the effect runs: a throwing getter is a `ThreadError`, not an exception.
  return Effect.withFiber((parent) => {
    const checked = validate.makeOptions("Thread.spawn", options)
    return checked instanceof errors.ThreadError ? Effect.fail(checked) : spawnIn(parent, target, checked)
  })
}

/** @internal */
export const setDaemon: {
  (daemon: boolean): <A, E>(self: Thread.Thread<A, E>) => Effect.Effect<void, errors.ThreadError>
  <A, E>(self: Thread.Thread<A, E>, daemon: boolean): Effect.Effect<void, errors.ThreadError>
} = dual(
  2,
  function setDaemonOf<A, E>(self: Thread.Thread<A, E>, daemon: boolean): Effect.Effect<void, errors.ThreadError> {
    // `setDaemon(t, flag)` is on the stack; `t.pipe(setDaemon(flag))` calls this from `pipe`.
    const siteOf = () => errors.callSite(setDaemon) ?? errors.callSite(setDaemonOf)
    const invalid = validate.thread("Thread.setDaemon", self) ?? validate.daemonFlag(daemon)
    if (invalid !== undefined) return Effect.fail(errors.misuse(invalid.message, siteOf()))
    const thread = self as ThreadImpl<A, E>
    const site: string | undefined = thread.fiber !== undefined ? siteOf() : undefined
    return Effect.suspend(() => {
      if (thread.fiber !== undefined) {
        return Effect.fail(errors.misuse(errors.messages.daemonOfActive, site))
      }
      thread.daemon = daemon
      return Effect.void
    })
  }
)

/** The checks Python's `join` makes, then the thread's fiber. `site`: the call's stack, if taken. */
const joinable = <A, E>(
  self: Thread.Thread<A, E>,
  f: (fiber: Fiber.Fiber<A, E>) => Effect.Effect<any, any>,
  site: string | undefined
) =>
  Effect.withFiber<any, any>((caller) => {
    const thread = self as ThreadImpl<A, E>
    if (thread.fiber === undefined) {
      return Effect.fail(errors.misuse(errors.messages.joinBeforeStart, site))
    }
    if (thread.instance.currentOf(caller.getRef(currentThread)) === thread) {
      return Effect.fail(errors.misuse(errors.messages.joinCurrent, site))
    }
    return f(thread.fiber)
  })

/** @internal */
export const join = <A, E>(
  self: Thread.Thread<A, E>,
  options?: Thread.JoinOptions
): Effect.Effect<void, errors.ThreadError> => {
  const invalid = validate.thread("Thread.join", self)
  if (invalid !== undefined) return Effect.fail(refusedAt(invalid, join))
  const site = joinIsMisuse(self as ThreadImpl<A, E>) ? errors.callSite(join) : undefined
  if (options === undefined) {
    return joinable(self, awaitVoid, site)
  }
  return Effect.suspend(() => {
    const timeout = validate.join(options)
    if (timeout instanceof errors.ThreadError) return Effect.fail(timeout)
    if (timeout === undefined) return joinable(self, awaitVoid, site)
    return joinable(self, (fiber) => Effect.asVoid(Effect.timeoutOption(Fiber.await(fiber), timeout)), site)
  })
}

const awaitVoid = (fiber: Fiber.Fiber<unknown, unknown>): Effect.Effect<void> => Effect.asVoid(Fiber.await(fiber))

/** @internal */
export const await_ = <A, E>(self: Thread.Thread<A, E>): Effect.Effect<Exit.Exit<A, E>, errors.ThreadError> => {
  const invalid = validate.thread("Thread.await", self)
  if (invalid !== undefined) return Effect.fail(refusedAt(invalid, await_))
  return joinable(self, Fiber.await, joinIsMisuse(self as ThreadImpl<A, E>) ? errors.callSite(await_) : undefined)
}

/** @internal */
export const isAlive = <A, E>(self: Thread.Thread<A, E>): Effect.Effect<boolean> => {
  const invalid = validate.thread("Thread.isAlive", self)
  if (invalid !== undefined) return Effect.die(refusedAt(invalid, isAlive))
  return Effect.sync(() => (self as ThreadImpl<A, E>).status === "started")
}

/** @internal */
export const interrupt = <A, E>(self: Thread.Thread<A, E>): Effect.Effect<void> => {
  const invalid = validate.thread("Thread.interrupt", self)
  if (invalid !== undefined) return Effect.die(refusedAt(invalid, interrupt))
  return Effect.suspend(() => {
    const fiber = (self as ThreadImpl<A, E>).fiber
    return fiber === undefined ? Effect.void : Effect.asVoid(Fiber.interrupt(fiber))
  })
}

/** @internal */
export const critical = <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> => {
  const invalid = validate.effect("Thread.critical", self)
  return invalid === undefined ? Effect.uninterruptible(self) : Effect.die(refusedAt(invalid, critical))
}
