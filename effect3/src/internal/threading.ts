import * as Cause from "effect/Cause"
import * as Console from "effect/Console"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as ExecutionStrategy from "effect/ExecutionStrategy"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as FiberRef from "effect/FiberRef"
import * as FiberRefs from "effect/FiberRefs"
import * as FiberSet from "effect/FiberSet"
import { dual, identity } from "effect/Function"
import { globalValue } from "effect/GlobalValue"
import * as HashMap from "effect/HashMap"
import * as Inspectable from "effect/Inspectable"
import * as Layer from "effect/Layer"
import { pipeArguments } from "effect/Pipeable"
import * as Ref from "effect/Ref"
import * as Runtime from "effect/Runtime"
import * as Scope from "effect/Scope"
import type * as Thread from "../Thread.js"
import type * as Threading from "../Threading.js"
import * as errors from "./errors.js"
import type * as options_ from "./options.js"
import * as validate from "./validate.js"

// -----------------------------------------------------------------------------
// Type ids
// -----------------------------------------------------------------------------

/** @internal */
export const ThreadTypeId: Thread.TypeId = Symbol.for("effect-threading/Thread") as Thread.TypeId

/** @internal */
export const ThreadingTypeId: Threading.TypeId = Symbol.for("effect-threading/Threading") as Threading.TypeId

const variance = { _A: identity, _E: identity }

// -----------------------------------------------------------------------------
// State
// -----------------------------------------------------------------------------

/**
 * Where an instance is in its life. Non-daemon threads may be started until
 * `"atexit"` (step (b)), daemon threads until `"stopping"`, the step in which
 * the daemons are interrupted (Python's "interpreter shutdown").
 *
 * @internal
 */
export type Phase = "running" | "joining" | "atexit" | "stopping" | "done"

/**
 * The thread of the calling fiber. Fibers forked inside a thread inherit it
 * (`Effect.fork` children and `forkDaemon` fibers alike), which is what makes
 * `Thread.current` report the thread in them too.
 *
 * @internal
 */
export const currentThread: FiberRef.FiberRef<ThreadImpl<unknown, unknown> | undefined> = globalValue(
  Symbol.for("effect-threading/currentThread"),
  () => FiberRef.unsafeMake<ThreadImpl<unknown, unknown> | undefined>(undefined)
)

/** @internal */
export class ThreadImpl<A, E> implements Thread.Thread<A, E> {
  readonly [ThreadTypeId] = variance as Thread.Thread.Variance<A, E>
  /** Set, once, by `start`; a thread is alive while its fiber has no exit. */
  fiber: Fiber.RuntimeFiber<A, E> | undefined = undefined
  constructor(
    readonly instance: ThreadingImpl,
    readonly name: string,
    public daemon: boolean,
    readonly target: Effect.Effect<A, E, any>,
    readonly context: Context.Context<never>
  ) {}
  get ident(): number | undefined {
    return this.fiber === undefined ? undefined : this.fiber.id().id
  }
  get status(): "initial" | "started" | "stopped" {
    return this.fiber === undefined ? "initial" : this.fiber.unsafePoll() === null ? "started" : "stopped"
  }
  toString(): string {
    const ident = this.ident
    return `<Thread(${this.name}, ${this.status}${this.daemon ? " daemon" : ""}${
      ident === undefined ? "" : ` ${ident}`
    })>`
  }
  toJSON(): unknown {
    return { _id: "Thread", name: this.name, daemon: this.daemon, ident: this.ident, status: this.status }
  }
  [Inspectable.NodeInspectSymbol](): unknown {
    return this.toString()
  }
  pipe() {
    return pipeArguments(this, arguments)
  }
}

/**
 * One "interpreter": a registry of threads, a main thread and a shutdown
 * sequence. Non-daemon and daemon threads live in two `FiberSet`s owned by
 * the instance's registry scope; a finished thread leaves its set.
 *
 * @internal
 */
export class ThreadingImpl implements Threading.Threading {
  readonly [ThreadingTypeId]: Threading.TypeId = ThreadingTypeId
  phase: Phase = "running"
  /** For the default names `Thread-N`. */
  counter = 0
  mainThread!: ThreadImpl<unknown, unknown>
  /**
   * The threads step (c) stops, set when it begins: no thread can start from
   * then on, and the registry's sets are closed (closing them is what
   * interrupts their fibers).
   */
  stopping: ReadonlyArray<Fiber.RuntimeFiber<unknown, unknown>> | undefined = undefined
  constructor(
    readonly options: options_.Resolved,
    readonly registry: Scope.CloseableScope,
    readonly nonDaemons: FiberSet.FiberSet<unknown, unknown>,
    readonly daemons: FiberSet.FiberSet<unknown, unknown>,
    readonly hooks: Ref.Ref<ReadonlyArray<Effect.Effect<unknown, unknown>>>,
    /** Completed by a signal (see `runMain`) to cut step (a) short. */
    readonly skipJoin: Deferred.Deferred<void>,
    /**
     * Where the app's layer (`runMain`'s and `main`'s `layer` option) is
     * built: closed after step (c), so the services threads captured outlive
     * them.
     */
    readonly resources: Scope.CloseableScope
  ) {}
  toString(): string {
    return `Threading(${this.phase}, ${this.activeCount()} active)`
  }
  /** The main thread counts for the instance's whole life, as in CPython (`enumerate()` lists it at exit). */
  activeCount(): number {
    return 1 + this.threadFibers().length
  }
  /** The fibers of the threads alive now (the main thread aside). */
  threadFibers(): ReadonlyArray<Fiber.RuntimeFiber<unknown, unknown>> {
    // Once step (c) has begun, the sets are closed (and a closed FiberSet
    // cannot be iterated in effect 3.22): the snapshot it took tells instead.
    return this.stopping === undefined
      ? [...this.nonDaemons, ...this.daemons]
      : this.stopping.filter((fiber) => fiber.unsafePoll() === null)
  }
}

/** @internal */
export const tag: Context.Tag<Threading.Threading, Threading.Threading> = Context.GenericTag<Threading.Threading>(
  "effect-threading/Threading"
)

/** @internal */
export const isThread = (u: unknown): u is Thread.Thread<unknown, unknown> =>
  typeof u === "object" && u !== null && ThreadTypeId in u

const makeInstance = (options: options_.Resolved): Effect.Effect<ThreadingImpl> =>
  Effect.gen(function*() {
    const registry = yield* Scope.make(ExecutionStrategy.parallel)
    const nonDaemons = yield* Scope.extend(FiberSet.make(), registry)
    const daemons = yield* Scope.extend(FiberSet.make(), registry)
    const hooks = yield* Ref.make<ReadonlyArray<Effect.Effect<unknown, unknown>>>([])
    const skipJoin = yield* Deferred.make<void>()
    const resources = yield* Scope.make(ExecutionStrategy.sequential)
    const instance = new ThreadingImpl(options, registry, nonDaemons, daemons, hooks, skipJoin, resources)
    processState.instances.add(instance)
    return instance
  })

// -----------------------------------------------------------------------------
// The process
// -----------------------------------------------------------------------------

/**
 * What every instance in the process shares, whichever copy of the library
 * made it (as `globalValue` does, per version of `effect`): the instances
 * alive, and how many signals an entry point (`runMain`) has received. Its
 * key is not the Effect 4 edition's: the instances of the two editions do not
 * have the same shape.
 *
 * @internal
 */
export interface ProcessState {
  readonly instances: Set<ThreadingImpl>
  signals: number
}

/** @internal */
export const processState: ProcessState = globalValue(
  Symbol.for("effect-threading/process/v0"),
  (): ProcessState => ({ instances: new Set(), signals: 0 })
)

/**
 * Records a signal received by an entry point and tells every instance: the
 * second signal cuts the non-daemon wait of all of them; a first one cuts the
 * wait of those already past their main program.
 *
 * @internal
 */
export const receiveSignal = (): number => {
  const signals = ++processState.signals
  for (const instance of processState.instances) {
    if (signals >= 2 || instance.phase !== "running") {
      Deferred.unsafeDone(instance.skipJoin, Exit.void)
    }
  }
  return signals
}

/** The thread of a fiber, as seen by `instance`: outside its threads, the main thread. */
const currentOf = (
  instance: ThreadingImpl,
  thread: ThreadImpl<unknown, unknown> | undefined
): ThreadImpl<unknown, unknown> => thread !== undefined && thread.instance === instance ? thread : instance.mainThread

// -----------------------------------------------------------------------------
// Reporting
// -----------------------------------------------------------------------------

/** @internal */
export const defaultExcepthook = (thread: Thread.Thread, cause: Cause.Cause<unknown>): Effect.Effect<void> =>
  Console.error(`Exception in thread ${thread.name}:\n${Cause.pretty(cause)}`)

/**
 * Calls a user's excepthook: a hook that throws, or returns something that is
 * not an Effect, fails (dies) like a hook whose Effect fails.
 */
const callExcepthook = (
  hook: (thread: Thread.Thread, cause: Cause.Cause<unknown>) => Effect.Effect<void>,
  thread: ThreadImpl<unknown, unknown>,
  cause: Cause.Cause<unknown>
): Effect.Effect<void> =>
  Effect.suspend(() => {
    // `suspend` turns a throw into a defect.
    const result: unknown = hook(thread, cause)
    return Effect.isEffect(result)
      ? result as Effect.Effect<void>
      : Effect.die(new TypeError(`excepthook returned ${validate.describe(result)}, not an Effect`))
  })

/**
 * Reports a thread's failure through its instance's excepthook; a failing
 * (or throwing) hook is itself reported, with the thread's failure: nothing
 * is lost. Never fails, so a thread's exit stays its own.
 *
 * @internal
 */
export const reportThreadFailure = (
  thread: ThreadImpl<unknown, unknown>,
  cause: Cause.Cause<unknown>
): Effect.Effect<void> =>
  callExcepthook(thread.instance.options.excepthook ?? defaultExcepthook, thread, cause).pipe(
    Effect.catchAllCause((hookCause) =>
      Console.error(
        `Exception in threading.excepthook:\n${Cause.pretty(hookCause)}\n` +
          `Exception in thread ${thread.name}:\n${Cause.pretty(cause)}`
      )
    )
  )

const warn = (message: string) => Console.error(`Warning: ${message}`)

/** The most names a warning lists. */
const maxNames = 20

/** `999980` → `999,980`. */
const withThousands = (n: number): string => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",")

/**
 * The names a warning lists: at most the first 20, then `and N more` (N
 * with thousands separators). `total` counts names not passed in.
 *
 * @internal
 */
export const nameList = (names: ReadonlyArray<string>, total: number = names.length): string => {
  const shown = names.slice(0, maxNames)
  const more = total - shown.length
  return more > 0 ? `${shown.join(", ")} and ${withThousands(more)} more` : shown.join(", ")
}

/** The threads of `fibers`, for a warning (only the first 20 are looked at). */
const names = (fibers: ReadonlyArray<Fiber.RuntimeFiber<unknown, unknown>>): string =>
  nameList(
    fibers.slice(0, maxNames).map((fiber) => fiber.getFiberRef(currentThread)?.name ?? `fiber #${fiber.id().id}`),
    fibers.length
  )

// -----------------------------------------------------------------------------
// Threads
// -----------------------------------------------------------------------------

/**
 * Forks a root fiber (like `Effect.forkDaemon`) that runs `body` on behalf of
 * `thread`: with the caller's fiber refs, `context`, `currentThread` set and
 * the `thread` log annotation. Synchronous, so that checking, forking and
 * registering a thread happen in one step no other fiber can see half-done.
 */
const forkAs = <A, E>(
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

/** Forks the fiber of a thread, in the context it captured, and records it. */
const forkThread = <A, E>(
  parent: Fiber.RuntimeFiber<unknown, unknown>,
  thread: ThreadImpl<A, E>,
  body: Effect.Effect<A, E, any>
): Fiber.RuntimeFiber<A, E> => {
  const fiber = forkAs(parent, thread as ThreadImpl<unknown, unknown>, thread.context, body)
  thread.fiber = fiber
  return fiber
}

/**
 * A thread's target, with its failure reported. The report runs
 * uninterruptibly (`onError`), so that a thread that fails or dies while being
 * interrupted — a daemon whose finalizer dies at step (c) — is reported too:
 * `tapErrorCause`'s handler would itself be interrupted. A cause that is only
 * interruption is not a failure.
 */
const threadBody = <A, E>(thread: ThreadImpl<A, E>): Effect.Effect<A, E, any> =>
  Effect.onError(
    thread.target,
    (cause) => Cause.isInterruptedOnly(cause) ? Effect.void : reportThreadFailure(thread, cause)
  )

/**
 * A new thread of the caller's instance, in the caller's context (`make`
 * without the effect), or the `ThreadError` of an option that cannot be read.
 */
const newThread = <A, E>(
  fiber: Fiber.RuntimeFiber<unknown, unknown>,
  target: Effect.Effect<A, E, any>,
  input: Thread.MakeOptions | undefined,
  entry: string
): ThreadImpl<A, E> | errors.ThreadError => {
  const options = validate.make(entry, target, input)
  if (options instanceof errors.ThreadError) return options
  const context = fiber.currentContext
  const instance = Context.unsafeGet(context, tag) as ThreadingImpl
  // An empty name counts as none, as in CPython (`str(name or _newname())`).
  const name = options?.name || `Thread-${++instance.counter}`
  const daemon = options?.daemon ?? currentOf(instance, fiber.getFiberRef(currentThread)).daemon
  return new ThreadImpl(instance, name, daemon, target, context)
}

/** Starts `thread` from `parent`: the error `start` fails with, or `undefined` once started. */
const startThread = <A, E>(
  parent: Fiber.RuntimeFiber<unknown, unknown>,
  thread: ThreadImpl<A, E>
): errors.ThreadError | undefined => {
  if (thread.fiber !== undefined) {
    return errors.make(errors.messages.startedTwice)
  }
  const instance = thread.instance
  // From step (b) on, a non-daemon thread could never be joined (CPython 3.12
  // refuses it too); from step (c) on, no thread starts.
  if (
    instance.phase === "stopping" || instance.phase === "done" || (instance.phase === "atexit" && !thread.daemon)
  ) {
    return errors.make(errors.messages.atShutdown)
  }
  const fiber = forkThread(parent, thread, threadBody(thread))
  FiberSet.unsafeAdd(thread.daemon ? instance.daemons : instance.nonDaemons, fiber)
  return undefined
}

/** @internal */
export const make = <A, E, R>(
  target: Effect.Effect<A, E, R>,
  options?: Thread.MakeOptions
): Effect.Effect<Thread.Thread<A, E>, never, Threading.Threading | R> =>
  Effect.withFiberRuntime((fiber) => {
    // `make` cannot fail: an option that cannot be read is a defect.
    const thread = newThread(fiber, target, options, "Thread.make")
    return thread instanceof errors.ThreadError ? Effect.die(thread) : Effect.succeed(thread)
  })

/** @internal */
export const start = <A, E>(self: Thread.Thread<A, E>): Effect.Effect<void, errors.ThreadError> =>
  Effect.withFiberRuntime((parent) => {
    const error = validate.thread("Thread.start", self) ?? startThread(parent, self as ThreadImpl<A, E>)
    return error === undefined ? Effect.void : Effect.fail(error)
  })

/** @internal */
export const spawn = <A, E, R>(
  target: Effect.Effect<A, E, R>,
  options?: Thread.MakeOptions
): Effect.Effect<Thread.Thread<A, E>, errors.ThreadError, Threading.Threading | R> =>
  // `make` then `start`, in one step.
  Effect.withFiberRuntime((parent) => {
    const thread = newThread(parent, target, options, "Thread.spawn")
    if (thread instanceof errors.ThreadError) return Effect.fail(thread)
    const error = startThread(parent, thread)
    return error === undefined ? Effect.succeed(thread) : Effect.fail(error)
  })

/** @internal */
export const setDaemon = dual<
  (daemon: boolean) => <A, E>(self: Thread.Thread<A, E>) => Effect.Effect<void, errors.ThreadError>,
  <A, E>(self: Thread.Thread<A, E>, daemon: boolean) => Effect.Effect<void, errors.ThreadError>
>(2, (self, daemon) =>
  Effect.suspend(() => {
    const thread = self as ThreadImpl<unknown, unknown>
    const invalid = validate.setDaemon(self, daemon)
    if (invalid !== undefined) return Effect.fail(invalid)
    if (thread.fiber !== undefined) {
      return Effect.fail(errors.make(errors.messages.daemonOfActive))
    }
    thread.daemon = daemon
    return Effect.void
  }))

/** The checks Python's `join` makes, then the thread's fiber. */
const joinable = <A, E>(
  entry: string,
  self: Thread.Thread<A, E>,
  f: (fiber: Fiber.RuntimeFiber<A, E>) => Effect.Effect<any, any>
) =>
  Effect.withFiberRuntime<any, any>((caller) => {
    const thread = self as ThreadImpl<A, E>
    const invalid = validate.thread(entry, self)
    if (invalid !== undefined) return Effect.fail(invalid)
    if (thread.fiber === undefined) {
      return Effect.fail(errors.make(errors.messages.joinBeforeStart))
    }
    if (currentOf(thread.instance, caller.getFiberRef(currentThread)) === thread) {
      return Effect.fail(errors.make(errors.messages.joinCurrent))
    }
    return f(thread.fiber)
  })

/** @internal */
export const join = <A, E>(
  self: Thread.Thread<A, E>,
  options?: Thread.JoinOptions
): Effect.Effect<void, errors.ThreadError> => {
  if (options === undefined) {
    return joinable("Thread.join", self, (fiber) => Effect.asVoid(Fiber.await(fiber)))
  }
  return Effect.suspend(() => {
    const timeout = validate.join(options)
    if (timeout instanceof errors.ThreadError) return Effect.fail(timeout)
    if (timeout === undefined) return joinable("Thread.join", self, (fiber) => Effect.asVoid(Fiber.await(fiber)))
    return joinable("Thread.join", self, (fiber) => Effect.asVoid(Effect.timeoutOption(Fiber.await(fiber), timeout)))
  })
}

/** @internal */
export const await_ = <A, E>(self: Thread.Thread<A, E>): Effect.Effect<Exit.Exit<A, E>, errors.ThreadError> =>
  joinable("Thread.await", self, Fiber.await)

/** @internal */
export const isAlive = <A, E>(self: Thread.Thread<A, E>): Effect.Effect<boolean> =>
  Effect.suspend(() => {
    const invalid = validate.thread("Thread.isAlive", self)
    return invalid === undefined ? Effect.succeed((self as ThreadImpl<A, E>).status === "started") : Effect.die(invalid)
  })

/** @internal */
export const interrupt = <A, E>(self: Thread.Thread<A, E>): Effect.Effect<void> =>
  Effect.suspend(() => {
    const invalid = validate.thread("Thread.interrupt", self)
    if (invalid !== undefined) return Effect.die(invalid)
    const fiber = (self as ThreadImpl<A, E>).fiber
    return fiber === undefined ? Effect.void : Effect.asVoid(Fiber.interrupt(fiber))
  })

/** @internal */
export const current: Effect.Effect<Thread.Thread, never, Threading.Threading> = Effect.withFiberRuntime((fiber) =>
  Effect.succeed(
    currentOf(Context.unsafeGet(fiber.currentContext, tag) as ThreadingImpl, fiber.getFiberRef(currentThread))
  )
)

/** @internal */
export const critical = <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> => {
  const invalid = validate.effect("Thread.critical", self)
  return invalid === undefined ? Effect.uninterruptible(self) : Effect.die(invalid)
}

// -----------------------------------------------------------------------------
// Registry queries
// -----------------------------------------------------------------------------

/** @internal */
export const enumerate: Effect.Effect<ReadonlyArray<Thread.Thread>, never, Threading.Threading> = Effect.map(
  tag,
  (self) => {
    const instance = self as ThreadingImpl
    const threads: Array<ThreadImpl<unknown, unknown>> = []
    for (const fiber of instance.threadFibers()) {
      const thread = fiber.getFiberRef(currentThread)
      if (thread !== undefined) threads.push(thread)
    }
    threads.sort((a, b) => a.ident! - b.ident!)
    // The main thread is listed first even once it has ended (CPython: at
    // shutdown, `enumerate() == [main_thread()]`, shown as stopped).
    return [instance.mainThread, ...threads]
  }
)

/** @internal */
export const activeCount: Effect.Effect<number, never, Threading.Threading> = Effect.map(
  tag,
  (self) => (self as ThreadingImpl).activeCount()
)

/** @internal */
export const mainThread: Effect.Effect<Thread.Thread, never, Threading.Threading> = Effect.map(
  tag,
  (self) => (self as ThreadingImpl).mainThread
)

/**
 * Registers a hook for step (b). Refused once step (b) has begun: a hook
 * registered then would never run (CPython 3.11–3.13 accept it silently and
 * drop it); registering while step (a) waits still works.
 *
 * @internal
 */
export const atExit = <X, E, R>(
  effect: Effect.Effect<X, E, R>
): Effect.Effect<void, errors.ThreadError, Threading.Threading | R> =>
  Effect.contextWithEffect((context: Context.Context<Threading.Threading | R>) => {
    const instance = Context.get(context, tag) as ThreadingImpl
    const invalid = validate.atExit(effect)
    if (invalid !== undefined) return Effect.fail(invalid)
    if (instance.phase !== "running" && instance.phase !== "joining") {
      return Effect.fail(errors.make(errors.messages.atExitAfterShutdown))
    }
    return Ref.update(instance.hooks, (hooks) => [...hooks, Effect.provide(effect, context)])
  })

// -----------------------------------------------------------------------------
// Shutdown
// -----------------------------------------------------------------------------

/**
 * The shutdown sequence, run when the main program has ended (by success,
 * failure or interruption). The steps are named as in the README.
 *
 * @internal
 */
export const shutdown = (self: ThreadingImpl): Effect.Effect<void> =>
  Effect.gen(function*() {
    yield* joinNonDaemonThreads(self) // (a)
    yield* runAtExitHooks(self) // (b)
    yield* interruptDaemonThreads(self) // (c)
    self.phase = "done" // (d)
    processState.instances.delete(self)
  })

/**
 * (a) Join every non-daemon thread, including those started while waiting;
 * at most `shutdownTimeout`, and no longer once a signal asks to skip it.
 */
const joinNonDaemonThreads = (self: ThreadingImpl): Effect.Effect<void> =>
  Effect.suspend(() => {
    self.phase = "joining"
    const all = Effect.as(FiberSet.awaitEmpty(self.nonDaemons), "joined" as const)
    const timeout = self.options.shutdownTimeout
    const bounded = timeout === undefined ? all : Effect.timeoutTo(all, {
      duration: timeout,
      onSuccess: identity,
      onTimeout: () => "timeout" as const
    })
    return Effect.raceFirst(bounded, Effect.as(Deferred.await(self.skipJoin), "skipped" as const)).pipe(
      Effect.flatMap((outcome) => {
        const left = Array.from(self.nonDaemons)
        if (outcome === "joined" || left.length === 0) return Effect.void
        const why = outcome === "timeout"
          ? `shutdownTimeout (${Duration.format(timeout!)}) elapsed`
          : "signal received while waiting for non-daemon threads"
        return warn(`${why}; interrupting non-daemon threads still running: ${names(left)}`)
      })
    )
  })

/** (b) Run the `atExit` hooks, last registered first; a failing hook is reported and the others still run. */
const runAtExitHooks = (self: ThreadingImpl): Effect.Effect<void> => {
  const next = Ref.modify(
    self.hooks,
    (hooks) => [hooks[hooks.length - 1], hooks.slice(0, -1)] as const
  )
  const loop: Effect.Effect<void> = Effect.flatMap(next, (hook) =>
    hook === undefined ? Effect.void : hook.pipe(
      Effect.catchAllCause((cause) => Console.error(`Exception ignored in atExit hook:\n${Cause.pretty(cause)}`)),
      Effect.zipRight(loop)
    ))
  return Effect.suspend(() => {
    self.phase = "atexit"
    return loop
  })
}

/**
 * (c) Interrupt every daemon thread (and any non-daemon still running after
 * (a) was cut short), so their finalizers run; wait at most `daemonGrace`.
 * From here on, starting a thread fails.
 *
 * Closing the registry is the interruption: each `FiberSet` interrupts its
 * fibers and awaits them, as `Fiber.interruptAll` does. It runs in a fiber of
 * its own so that a thread that will not stop cannot hold the exit past
 * `daemonGrace`.
 */
const interruptDaemonThreads = (self: ThreadingImpl): Effect.Effect<void> =>
  Effect.gen(function*() {
    self.phase = "stopping"
    self.stopping = [...self.daemons, ...self.nonDaemons]
    const grace = self.options.daemonGrace
    const closing = yield* Effect.forkDaemon(Scope.close(self.registry, Exit.void))
    const finished = yield* Fiber.await(closing).pipe(
      Effect.timeoutTo({ duration: grace, onSuccess: () => true, onTimeout: () => false })
    )
    const stuck = finished ? [] : self.threadFibers()
    if (stuck.length > 0) {
      yield* warn(`daemonGrace (${Duration.format(grace)}) elapsed; threads still running at exit: ${names(stuck)}`)
    } else {
      self.stopping = []
    }
  })

/**
 * Runs `shutdown` in its own interruptible fiber and waits for it: called
 * from finalizers, which are uninterruptible, where a timeout could never
 * interrupt its losing side.
 */
const runShutdown = (self: ThreadingImpl): Effect.Effect<void> =>
  Effect.withFiberRuntime((parent) =>
    Effect.asVoid(Fiber.await(forkAs(parent, self.mainThread, parent.currentContext, shutdown(self))))
  )

// -----------------------------------------------------------------------------
// Entry points
// -----------------------------------------------------------------------------

const validated = <A, E, R>(
  resolved: options_.Resolved | errors.ThreadError,
  f: (options: options_.Resolved) => Effect.Effect<A, E, R>
): Effect.Effect<A, E, R> =>
  Effect.suspend(() => resolved instanceof errors.ThreadError ? Effect.die(resolved) : f(resolved))

/**
 * After the main program was interrupted (by a signal, or by whoever runs
 * `main`), waits for its finalizers — at most `mainGrace` when it is set, in
 * a fiber of its own since this runs where interruption is off.
 */
const stopMain = (instance: ThreadingImpl, fiber: Fiber.RuntimeFiber<unknown, unknown>): Effect.Effect<void> => {
  const grace = instance.options.mainGrace
  if (grace === undefined) return Fiber.interrupt(fiber)
  const bounded = Fiber.await(fiber).pipe(
    Effect.timeoutTo({ duration: grace, onSuccess: () => false, onTimeout: () => true }),
    Effect.flatMap((elapsed) =>
      elapsed
        ? warn(`mainGrace (${Duration.format(grace)}) elapsed; the main program's finalizers are still running`)
        : Effect.void
    )
  )
  return Effect.withFiberRuntime((parent) => {
    fiber.unsafeInterruptAsFork(parent.id())
    return Effect.asVoid(Fiber.await(forkAs(parent, instance.mainThread, parent.currentContext, bounded)))
  })
}

/**
 * `main`, with the app's layer (built in the instance's `resources` scope, so
 * it is released after step (c)) and a callback that sees the instance once
 * the main thread has started (used by `runMain` to route signals).
 *
 * @internal
 */
export const mainWith = <A, E, R, ROut = never, LE = never>(
  program: Effect.Effect<A, E, R>,
  options: options_.Resolved,
  appLayer: Layer.Layer<ROut, LE, any> | undefined,
  onStart: (instance: ThreadingImpl) => void
): Effect.Effect<A, E | LE, Exclude<R, Threading.Threading | ROut>> =>
  validated(options, (resolved) =>
    Effect.acquireUseRelease(
      makeInstance(resolved),
      (instance) =>
        Effect.withFiberRuntime<A, E | LE, Exclude<R, Threading.Threading | ROut>>((parent) => {
          const context = Context.add(parent.currentContext, tag, instance)
          const body: Effect.Effect<A, E | LE, any> = appLayer === undefined ? program : Effect.flatMap(
            Layer.buildWithScope(appLayer, instance.resources),
            (services) => Effect.provide(program, services)
          )
          const thread = new ThreadImpl(instance, "MainThread", false, body, context)
          instance.mainThread = thread as ThreadImpl<unknown, unknown>
          const fiber = forkThread(parent, thread, body)
          onStart(instance)
          return Effect.flatMap(Fiber.await(fiber), identity).pipe(
            Effect.onInterrupt(() => stopMain(instance, fiber))
          )
        }),
      (instance, exit) => Effect.zipRight(runShutdown(instance), Scope.close(instance.resources, exit))
    ))

/** @internal */
export const main = <A, E, R, ROut = never, LE = never>(
  program: Effect.Effect<A, E, R>,
  options?: options_.MainOptions<ROut, LE>
): Effect.Effect<A, E | LE, Exclude<R, Threading.Threading | ROut>> =>
  Effect.suspend(() => {
    const input = validate.main(program, options)
    return input instanceof errors.ThreadError
      ? Effect.die(input)
      : mainWith(program, input.options, input.layer, () => {})
  })

/** @internal */
export const layer = (options?: options_.Options): Layer.Layer<Threading.Threading> =>
  Layer.scoped(
    tag,
    validated(validate.layer(options), (resolved) =>
      Effect.gen(function*() {
        const mainEnded = yield* Deferred.make<void>()
        const instance = yield* Effect.acquireRelease(
          makeInstance(resolved),
          (instance) =>
            Deferred.succeed(mainEnded, undefined).pipe(
              Effect.zipRight(Fiber.await(instance.mainThread.fiber!)),
              Effect.zipRight(runShutdown(instance))
            )
        )
        yield* Effect.withFiberRuntime<void>((parent) => {
          const thread = new ThreadImpl(instance, "MainThread", false, Deferred.await(mainEnded), parent.currentContext)
          instance.mainThread = thread
          forkThread(parent, thread, thread.target)
          return Effect.void
        })
        yield* Effect.annotateLogsScoped({ thread: "MainThread" })
        return instance
      }))
  )
