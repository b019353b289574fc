import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import { dual, identity } from "effect/Function"
import * as Inspectable from "effect/Inspectable"
import * as Layer from "effect/Layer"
import * as MutableRef from "effect/MutableRef"
import { pipeArguments } from "effect/Pipeable"
import * as Ref from "effect/Ref"
import * as References from "effect/References"
import type * as Scheduler from "effect/Scheduler"
import * as Scope from "effect/Scope"
import type * as Thread from "../Thread.js"
import type * as Threading from "../Threading.js"
import * as dump_ from "./dump.js"
import * as errors from "./errors.js"
import * as observability from "./observability.js"
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
 * Where an instance is in its life, as a tagged union (like `FiberSet`'s
 * `Open | Closed`). Non-daemon threads may be started until `AtExit` (step
 * (b)), daemon threads until `Stopping`, the step in which the daemons are
 * interrupted (Python's "interpreter shutdown").
 *
 * - `Running`: the main program runs.
 * - `Joining`: step (a), waiting for the non-daemon threads.
 * - `AtExit`: step (b), running the `atExit` hooks.
 * - `Stopping`: step (c); `threads` is the snapshot of the fibers it
 *   interrupts (the registry's sets are closed from then on).
 * - `Done`: step (d); `leftBehind` are the threads that outlived `daemonGrace`.
 *
 * @internal
 */
export type State =
  | { readonly _tag: "Running" }
  | { readonly _tag: "Joining" }
  | { readonly _tag: "AtExit" }
  | { readonly _tag: "Stopping"; readonly threads: ReadonlyArray<Fiber.Fiber<unknown, unknown>> }
  | { readonly _tag: "Done"; readonly leftBehind: ReadonlyArray<Fiber.Fiber<unknown, unknown>> }

const Running: State = { _tag: "Running" }
const Joining: State = { _tag: "Joining" }
const AtExit: State = { _tag: "AtExit" }

/**
 * The thread that the calling fiber belongs to. Fibers forked inside a thread
 * inherit it (it is in their context), which is what makes `Thread.current`
 * work for them too.
 *
 * @internal
 */
export const currentThread: Context.Reference<ThreadImpl<unknown, unknown> | undefined> = Context.Reference<
  ThreadImpl<unknown, unknown> | undefined
>("effect-threading/currentThread", { defaultValue: () => undefined })

/** @internal */
export class ThreadImpl<A, E> implements Thread.Thread<A, E> {
  // Per-instance fields are what a live thread costs in heap (issue 13):
  // constants (the variance) are on the prototype, as `FiberImpl` does.
  get [ThreadTypeId](): Thread.Thread.Variance<A, E> {
    return variance as Thread.Thread.Variance<A, E>
  }
  /** Set, once, by `start`; a thread is alive while its fiber has no exit. */
  fiber: Fiber.Fiber<A, E> | undefined = undefined
  /**
   * When `start` ran, in milliseconds of the thread's `Clock` after its
   * instance's `epoch`: a small integer, which V8 keeps in the object itself,
   * where a clock reading (≈ 1.7e12) would cost every live thread a boxed
   * number (16 bytes) of its own.
   */
  startedAfter = 0
  /**
   * How the thread's span relates to the span current where it starts
   * (`MakeOptions.trace`; observability): `"link"` unless set (no field until then).
   */
  declare traceMode?: "link" | "child"
  constructor(
    readonly instance: ThreadingImpl,
    readonly name: string,
    public daemon: boolean,
    /** Dropped by the thread's fiber as it starts it: a live thread does not keep its target's Effect alive. */
    public target: Effect.Effect<A, E, any> | undefined,
    readonly context: Context.Context<never>
  ) {}
  /** When `start` ran, in the milliseconds of the thread's `Clock` (for `Threading.dump`); 0 before. */
  get startedAt(): number {
    const epoch = this.instance.epoch
    return this.fiber === undefined || epoch === undefined ? 0 : epoch + this.startedAfter
  }
  get ident(): number | undefined {
    return this.fiber === undefined ? undefined : this.fiber.id
  }
  get status(): "initial" | "started" | "stopped" {
    return this.fiber === undefined ? "initial" : this.fiber.pollUnsafe() === undefined ? "started" : "stopped"
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
 * sequence. The fibers of the non-daemon and daemon threads alive are in two
 * sets, in start order: a thread enters its set as it starts and leaves it in
 * its own last step (`endThread`), so a thread costs the registry one set
 * entry and nothing else (no observer, no closure). The registry scope holds
 * what must stop with the threads at step (c) (e.g. the instance's cluster).
 *
 * @internal
 */
export class ThreadingImpl implements Threading.Threading {
  readonly [ThreadingTypeId]: Threading.TypeId = ThreadingTypeId
  state: State = Running
  /** For the default names `Thread-N`. */
  readonly counter: MutableRef.MutableRef<number> = MutableRef.make(0)
  /** The main thread; its fiber is the main program's (or the layer user's). */
  readonly mainThread: ThreadImpl<unknown, unknown>
  /** The instance's metrics and spans (internal/observability.ts), made on first use. */
  telemetry: observability.Telemetry | undefined = undefined
  /** The clock reading at the instance's first start, the origin of its threads' `startedAfter`. */
  epoch: number | undefined = undefined
  /**
   * The loggers (and minimum log level) the app's layer provides, if it
   * provides any (`runMain`'s `layer` option, `launch`): the shutdown's
   * reports use them, so that they follow the app's logger like the rest of
   * its lines. Empty until the layer is built.
   */
  logging: Context.Context<never> = Context.empty()
  constructor(
    readonly options: options_.Resolved,
    readonly registry: Scope.Closeable,
    readonly nonDaemons: Set<Fiber.Fiber<unknown, unknown>>,
    readonly daemons: Set<Fiber.Fiber<unknown, unknown>>,
    readonly hooks: Ref.Ref<ReadonlyArray<Effect.Effect<unknown, unknown>>>,
    /** Completed by a signal (see `runMain`) to cut step (a) short. */
    readonly skipJoin: Deferred.Deferred<void>,
    /**
     * Where the app's layer (`runMain`'s `layer` option, `launch`) is built:
     * closed after step (c), so the services threads captured outlive them.
     */
    readonly resources: Scope.Closeable
  ) {
    this.mainThread = new ThreadImpl(this, "MainThread", false, Effect.void, Context.empty())
  }
  toString(): string {
    return `Threading(${this.state._tag}, ${this.activeCount()} active)`
  }
  /** The main thread counts for the instance's whole life, as in CPython (`enumerate()` lists it at exit). */
  activeCount(): number {
    return 1 + this.threadFibers().length
  }
  /** The thread whose fiber (or one of its forks) `fiber` is, if it is one of this instance's. */
  threadOf(fiber: Fiber.Fiber<unknown, unknown>): ThreadImpl<unknown, unknown> | undefined {
    const thread = fiber.getRef(currentThread)
    return thread !== undefined && thread.instance === this ? thread : undefined
  }
  /** The fibers of the threads alive now (the main thread aside). */
  threadFibers(): ReadonlyArray<Fiber.Fiber<unknown, unknown>> {
    // Once step (c) has begun, the snapshot it took tells.
    switch (this.state._tag) {
      case "Stopping":
        return this.state.threads.filter(isRunning)
      case "Done":
        return this.state.leftBehind.filter(isRunning)
      default:
        return [...this.nonDaemons, ...this.daemons]
    }
  }
}

const isRunning = (fiber: Fiber.Fiber<unknown, unknown>): boolean => fiber.pollUnsafe() === undefined

/** @internal */
export const tag: Context.Service<Threading.Threading, Threading.Threading> = Context.Service<Threading.Threading>(
  "effect-threading/Threading"
)

/** @internal */
export const isThread = (u: unknown): u is Thread.Thread<unknown, unknown> =>
  typeof u === "object" && u !== null && ThreadTypeId in u

const makeInstance = (options: options_.Resolved): Effect.Effect<ThreadingImpl> =>
  Effect.gen(function*() {
    const registry = yield* Scope.make("parallel")
    const nonDaemons = new Set<Fiber.Fiber<unknown, unknown>>()
    const daemons = new Set<Fiber.Fiber<unknown, unknown>>()
    const hooks = yield* Ref.make<ReadonlyArray<Effect.Effect<unknown, unknown>>>([])
    const skipJoin = yield* Deferred.make<void>()
    const resources = yield* Scope.make("sequential")
    const instance = new ThreadingImpl(options, registry, nonDaemons, daemons, hooks, skipJoin, resources)
    processState.instances.add(instance)
    return instance
  })

// -----------------------------------------------------------------------------
// The process
// -----------------------------------------------------------------------------

/**
 * What every instance in the process shares, whichever copy of the library
 * made it: the instances alive, how many signals an entry point (`runMain`,
 * `launch`) has received, and the first of them (`SIGINT`, `SIGTERM`), which
 * the waiting line names. (`firstSignal` may be missing from a state an
 * older copy of the library made.)
 *
 * @internal
 */
export interface ProcessState {
  readonly instances: Set<ThreadingImpl>
  signals: number
  firstSignal?: string | undefined
}

/** @internal */
export const processState: ProcessState = ((globalThis as any)[Symbol.for("effect-threading/process")] ??= {
  instances: new Set(),
  signals: 0,
  firstSignal: undefined
})

/**
 * Records a signal received by an entry point and tells every instance: the
 * second signal cuts the non-daemon wait of all of them; a first one cuts the
 * wait of those already past their main program.
 *
 * @internal
 */
export const receiveSignal = (signal: string): number => {
  const signals = ++processState.signals
  processState.firstSignal ??= signal
  for (const instance of processState.instances) {
    if (signals >= 2 || instance.state._tag !== "Running") {
      Deferred.doneUnsafe(instance.skipJoin, Exit.void)
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

/**
 * Logs a report of the library — a warning, the thread dump, a failure no one
 * else handles — through the app's loggers (`Effect.logWarning` /
 * `Effect.logError`), with `fields` as log annotations (`thread` among them)
 * and `cause` as the entry's cause. The built-in console loggers (Effect's
 * default one, `Logger.consolePretty`) write it to stderr
 * (`References.LogToStderr`), where Python prints its warnings and
 * tracebacks; a logger the app installs writes it where it writes the rest.
 *
 * A logger that throws cannot cut the shutdown short, nor lose the report:
 * the report is then written with `console.error`, with the logger's failure.
 */
const report = (
  level: "Warn" | "Error",
  message: string,
  fields: Readonly<Record<string, unknown>>,
  cause?: Cause.Cause<unknown>
): Effect.Effect<void> => {
  const log = level === "Warn" ? Effect.logWarning : Effect.logError
  return (cause === undefined ? log(message) : log(message, cause)).pipe(
    Effect.annotateLogs(fields),
    Effect.provideService(References.LogToStderr, true),
    Effect.catchCause((loggerCause) =>
      Effect.sync(() => {
        const text = cause === undefined ? message : `${message}\n${Cause.pretty(cause)}`
        globalThis.console.error(`${text}\n(a logger failed while reporting it: ${Cause.pretty(loggerCause)})`)
      })
    )
  )
}

/**
 * Python's `threading.excepthook`: `Exception in thread NAME:` and the
 * cause, logged at level Error (see `report`).
 *
 * @internal
 */
export const defaultExcepthook = (thread: Thread.Thread, cause: Cause.Cause<unknown>): Effect.Effect<void> =>
  report("Error", `Exception in thread ${thread.name}:`, { thread: thread.name }, cause)

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
  Effect.andThen(
    observability.threadFailed(thread), // observability: threading.thread.failed
    callExcepthook(thread.instance.options.excepthook ?? defaultExcepthook, thread, cause).pipe(
      Effect.catchCause((hookCause) =>
        Effect.andThen(
          report("Error", "Exception in threading.excepthook:", { thread: thread.name }, hookCause),
          defaultExcepthook(thread, cause)
        )
      )
    )
  )

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

/** The names of the first 20 threads of `fibers`. */
const firstNames = (fibers: ReadonlyArray<Fiber.Fiber<unknown, unknown>>): Array<string> =>
  fibers.slice(0, maxNames).map((fiber) => fiber.getRef(currentThread)?.name ?? `fiber #${fiber.id}`)

/** The threads of `fibers`, for a warning (only the first 20 are looked at). */
const names = (fibers: ReadonlyArray<Fiber.Fiber<unknown, unknown>>): string =>
  nameList(firstNames(fibers), fibers.length)

/** `1 non-daemon thread`, `1,000 non-daemon threads`. */
const nonDaemonCount = (n: number): string => `${withThousands(n)} non-daemon thread${n === 1 ? "" : "s"}`

/**
 * The structured fields of a report about `fibers`: the names of the first 20
 * (`threads`) and how many there are (`threadCount`), with the `thread` that
 * reports (the main thread, which runs the shutdown).
 */
const threadFields = (self: ThreadingImpl, fibers: ReadonlyArray<Fiber.Fiber<unknown, unknown>>) => ({
  thread: self.mainThread.name,
  threads: firstNames(fibers),
  threadCount: fibers.length
})

/** The logging services of `services` (loggers, minimum level), those it has. */
const loggingOf = (services: Context.Context<never>): Context.Context<never> => {
  let logging = Context.empty()
  const loggers = Context.getOrUndefined(services, References.CurrentLoggers)
  if (loggers !== undefined) logging = Context.add(logging, References.CurrentLoggers, loggers)
  const level = Context.getOrUndefined(services, References.MinimumLogLevel)
  if (level !== undefined) logging = Context.add(logging, References.MinimumLogLevel, level)
  return logging
}

/** A report of the shutdown of `self`, through the app layer's loggers if it has some (`ThreadingImpl.logging`). */
const shutdownReport = (
  self: ThreadingImpl,
  level: "Warn" | "Error",
  message: string,
  fields: Readonly<Record<string, unknown>>,
  cause?: Cause.Cause<unknown>
): Effect.Effect<void> => Effect.provideContext(report(level, message, fields, cause), self.logging)

/** A warning of the shutdown about `fibers` (see `report`). */
const warn = (self: ThreadingImpl, message: string, fibers: ReadonlyArray<Fiber.Fiber<unknown, unknown>>) =>
  shutdownReport(self, "Warn", message, threadFields(self, fibers))

/**
 * Logs the thread dump of `self` (`Threading.dump`, as `formatDump` prints
 * it, its first 100 threads) as one warning: what the shutdown is waiting
 * for when it cuts a wait.
 */
const logDump = (self: ThreadingImpl): Effect.Effect<void> =>
  Effect.withFiber((fiber) => {
    const dump = dump_.take(self, fiber)
    return shutdownReport(self, "Warn", dump_.format(dump, dump_.loggedThreads), {
      thread: self.mainThread.name,
      threadCount: dump.threads.length
    })
  })

/** What the waiting line asks for: the first signal again (`processState.firstSignal`). */
const againHint = (): string =>
  processState.firstSignal === "SIGTERM" ? "send SIGTERM again to stop them" : "press Ctrl+C again to stop them"

// -----------------------------------------------------------------------------
// Threads
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

/** `runAs`, the body starting on the scheduler's next tick. */
const forkAs = <A, E>(
  thread: ThreadImpl<unknown, unknown>,
  context: Context.Context<never>,
  body: Effect.Effect<A, E, any>
): Fiber.Fiber<A, E> => runAs(thread, context, later(body))

/** Starts `effect` on the scheduler's next tick, as a forked fiber does. */
const later = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.andThen(Effect.yieldNow, effect)

/**
 * `runAs` for the fiber of a thread, recorded as the thread's; `body` runs
 * at once: it must begin with `later` (or `nextTick`) itself.
 */
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

/** Forks the fiber of a thread, in the context it captured, and records it. */
const forkThread = <A, E>(
  thread: ThreadImpl<A, E>,
  context: Context.Context<never>,
  body: Effect.Effect<A, E, any>
): Fiber.Fiber<A, E> => forkThreadNow(thread, context, later(body))

/** A thread leaves the registry (in its own last step, see `endThread`). */
const deregister = (thread: ThreadImpl<unknown, unknown>): void => {
  const instance = thread.instance
  ;(thread.daemon ? instance.daemons : instance.nonDaemons).delete(thread.fiber!)
  observability.threadEnded(thread) // observability: threading.thread.count
}

/** Whether an exit is a failure to report: a cause that is only interruption is not. */
const isReported = (exit: Exit.Exit<unknown, unknown>): exit is Exit.Failure<unknown, unknown> =>
  Exit.isFailure(exit) && !Cause.hasInterruptsOnly(exit.cause)

/**
 * The last step of a thread, whatever its end: its failure reported through
 * the excepthook, then the thread leaves the registry. One handler for every
 * thread (it finds its thread in the fiber's context), so that a thread costs
 * no closure of its own. It runs uninterruptibly (`onExit`), so that a thread
 * that fails or dies while being interrupted — a daemon whose finalizer dies
 * at step (c) — is reported too, and a thread interrupted before its first
 * step still leaves the registry.
 */
const endThread = (exit: Exit.Exit<unknown, unknown>): Effect.Effect<void> => {
  // An exit handler runs in its fiber's run loop: the current fiber is the thread's.
  const thread = Fiber.getCurrent()!.getRef(currentThread)!
  if (!isReported(exit)) {
    deregister(thread)
    return noFinalizer
  }
  return Effect.ensuring(reportThreadFailure(thread, exit.cause), Effect.sync(() => deregister(thread)))
}

/**
 * What an exit handler returns when it has nothing left to run: Effect's
 * `onExit` frame then ends with the exit as it is, where `Effect.void` would
 * cost every thread's last step a `flatMap` (and, for an interrupted thread,
 * the combination of the causes) — one more frame per thread at shutdown.
 * (`onExit` takes the handler's result as optional: the frame's
 * continuations check for it, `onExitPrimitive` types it so.)
 */
const noFinalizer = undefined as unknown as Effect.Effect<void>

/** `endThread`'s report alone (traced threads: inside the thread's span). */
const reportExit = (exit: Exit.Exit<unknown, unknown>): Effect.Effect<void> =>
  isReported(exit)
    ? Effect.withFiber((fiber) => reportThreadFailure(fiber.getRef(currentThread)!, exit.cause))
    : noFinalizer

/** `endThread`'s deregistration alone (traced threads: outside the thread's span). */
const deregisterExit = (): Effect.Effect<void> => {
  // As in `endThread`: the current fiber is the thread's.
  deregister(Fiber.getCurrent()!.getRef(currentThread)!)
  return noFinalizer
}

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

/** `runTarget` with `endThread`'s report (a traced thread's, inside its span). */
const reportedTarget: Effect.Effect<unknown, unknown, any> = Effect.onExit(runTarget, reportExit)

/**
 * The fiber of every (untraced) thread, one Effect for all: its target,
 * started on the next tick, then `endThread`. A thread costs no Effect of its
 * own: the fiber finds its thread in its context.
 */
const threadMain: Effect.Effect<unknown, unknown, any> = Effect.onExit(Effect.andThen(nextTick, runTarget), endThread)

/**
 * A thread's fiber: `threadMain`, or, when a tracer listens, the target in
 * the thread's span (the report too), the deregistration outside it, in the
 * thread's very last step.
 */
const threadFiberBody = <A, E>(
  thread: ThreadImpl<A, E>,
  starter: Fiber.Fiber<unknown, unknown>
): Effect.Effect<A, E, any> => {
  const traced = observability.traced(reportedTarget, thread, starter)
  return (traced === reportedTarget
    ? threadMain
    : Effect.onExit(Effect.andThen(nextTick, traced), deregisterExit)) as Effect.Effect<A, E, any>
}

/**
 * A new thread of the caller's instance, in the caller's context (`make`
 * without the effect), or the `ThreadError` of an option that cannot be read.
 */
const newThread = <A, E>(
  fiber: Fiber.Fiber<unknown, unknown>,
  target: Effect.Effect<A, E, any>,
  input: Thread.MakeOptions | undefined,
  entry: string
): ThreadImpl<A, E> | errors.ThreadError => {
  const options = validate.make(entry, target, input)
  if (options instanceof errors.ThreadError) return options
  const context = fiber.context
  const instance = Context.getUnsafe(context, tag) as ThreadingImpl
  // An empty name counts as none, as in CPython (`str(name or _newname())`).
  const name = options?.name || `Thread-${MutableRef.incrementAndGet(instance.counter)}`
  const daemon = options?.daemon ?? currentOf(instance, fiber.getRef(currentThread)).daemon
  const thread = new ThreadImpl(instance, name, daemon, target, context)
  if (options?.trace !== undefined) thread.traceMode = options.trace // observability
  return thread
}

/**
 * Starts `thread`: the error `start` fails with, or `undefined` once started.
 * `starter` is the fiber starting it (its current span is the thread span's link).
 */
const startThread = <A, E>(
  thread: ThreadImpl<A, E>,
  starter: Fiber.Fiber<unknown, unknown>
): errors.ThreadError | undefined => {
  if (thread.fiber !== undefined) {
    return errors.make(errors.messages.startedTwice)
  }
  const instance = thread.instance
  // From step (b) on, a non-daemon thread could never be joined (CPython 3.12
  // refuses it too); from step (c) on, no thread starts.
  const state = instance.state._tag
  if (state === "Stopping" || state === "Done" || (state === "AtExit" && !thread.daemon)) {
    return errors.make(errors.messages.atShutdown)
  }
  const fiber = forkThreadNow(thread, thread.context, threadFiberBody(thread, starter))
  observability.threadStarted(thread)
  ;(thread.daemon ? instance.daemons : instance.nonDaemons).add(fiber as Fiber.Fiber<unknown, unknown>)
  return undefined
}

/** @internal */
export const make = <A, E, R>(
  target: Effect.Effect<A, E, R>,
  options?: Thread.MakeOptions
): Effect.Effect<Thread.Thread<A, E>, never, Threading.Threading | R> =>
  Effect.withFiber((fiber) => {
    // `make` cannot fail: an option that cannot be read is a defect.
    const thread = newThread(fiber, target, options, "Thread.make")
    return thread instanceof errors.ThreadError ? Effect.die(thread) : Effect.succeed(thread)
  })

/** @internal */
export const start = <A, E>(self: Thread.Thread<A, E>): Effect.Effect<void, errors.ThreadError> =>
  Effect.withFiber((starter) => {
    const error = validate.thread("Thread.start", self) ?? startThread(self as ThreadImpl<A, E>, starter)
    return error === undefined ? Effect.void : Effect.fail(error)
  })

/** @internal */
export const spawn = <A, E, R>(
  target: Effect.Effect<A, E, R>,
  options?: Thread.MakeOptions
): Effect.Effect<Thread.Thread<A, E>, errors.ThreadError, Threading.Threading | R> =>
  // `make` then `start`, in one step.
  Effect.withFiber((parent) => {
    const thread = newThread(parent, target, options, "Thread.spawn")
    if (thread instanceof errors.ThreadError) return Effect.fail(thread)
    const error = startThread(thread, parent)
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
  f: (fiber: Fiber.Fiber<A, E>) => Effect.Effect<any, any>
) =>
  Effect.withFiber<any, any>((caller) => {
    const thread = self as ThreadImpl<A, E>
    const invalid = validate.thread(entry, self)
    if (invalid !== undefined) return Effect.fail(invalid)
    if (thread.fiber === undefined) {
      return Effect.fail(errors.make(errors.messages.joinBeforeStart))
    }
    if (currentOf(thread.instance, caller.getRef(currentThread)) === thread) {
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
export const current: Effect.Effect<Thread.Thread, never, Threading.Threading> = Effect.withFiber((fiber) =>
  Effect.succeed(currentOf(Context.getUnsafe(fiber.context, tag) as ThreadingImpl, fiber.getRef(currentThread)))
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
      const thread = fiber.getRef(currentThread)
      if (thread !== undefined) threads.push(thread)
    }
    threads.sort((a, b) => a.ident! - b.ident!)
    // The main thread is listed first even once it has ended (CPython: at
    // shutdown, `enumerate() == [main_thread()]`, shown as stopped).
    return [instance.mainThread, ...threads]
  }
)

/** @internal */
export const dump: Effect.Effect<dump_.Dump, never, Threading.Threading> = Effect.withFiber((fiber) =>
  Effect.succeed(dump_.take(Context.getUnsafe(fiber.context, tag) as ThreadingImpl, fiber))
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

/** @internal */
export const atExit = <X, E, R>(
  effect: Effect.Effect<X, E, R>
): Effect.Effect<void, errors.ThreadError, Threading.Threading | R> =>
  Effect.contextWith((context: Context.Context<Threading.Threading | R>) => {
    const instance = Context.get(context, tag) as ThreadingImpl
    const invalid = validate.atExit(effect)
    if (invalid !== undefined) return Effect.fail(invalid)
    // A hook registered once step (b) has begun would never run (CPython
    // 3.11–3.13 accept it silently and drop it); while step (a) waits, it may.
    if (instance.state._tag !== "Running" && instance.state._tag !== "Joining") {
      return Effect.fail(errors.make(errors.messages.atExitAfterShutdown))
    }
    return Ref.update(instance.hooks, (hooks) => [...hooks, Effect.provideContext(effect, context)])
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
  observability.shutdown( // observability: the span threading.shutdown, one child span per step
    self,
    Effect.gen(function*() {
      const { atExit, interrupt, join } = observability.steps
      yield* observability.step(self, join, joinNonDaemonThreads(self)) // (a)
      yield* observability.step(self, atExit, runAtExitHooks(self)) // (b)
      const leftBehind = yield* observability.step(self, interrupt, interruptDaemonThreads(self)) // (c)
      self.state = { _tag: "Done", leftBehind } // (d)
      processState.instances.delete(self)
    })
  )

/**
 * Waits until no non-daemon thread is left, including those started while
 * waiting (as `FiberSet.awaitEmpty` does).
 */
const awaitNonDaemons = (self: ThreadingImpl): Effect.Effect<void> =>
  Effect.whileLoop({
    while: () => self.nonDaemons.size > 0,
    body: () => Fiber.await(self.nonDaemons.values().next().value!),
    step: () => {}
  })

/**
 * (a) Join every non-daemon thread, including those started while waiting;
 * at most `shutdownTimeout`, and no longer once a signal asks to skip it.
 *
 * What it says (see `report`): nothing when the program ended by itself, as
 * Python. When a signal started the shutdown and non-daemon threads run, the
 * waiting line (`Waiting for N non-daemon threads (NAMES); press Ctrl+C again
 * to stop them`); when a signal cuts the wait, `Stopping N non-daemon
 * threads...`, and when `shutdownTimeout` does, a warning naming them: both
 * followed by the thread dump.
 */
const joinNonDaemonThreads = (self: ThreadingImpl): Effect.Effect<void> =>
  Effect.suspend(() => {
    self.state = Joining
    const waiting = Array.from(self.nonDaemons)
    // A signal started the shutdown (it came before step (a)), and has not cut the wait already.
    const announce = waiting.length > 0 && processState.signals > 0 && !Deferred.isDoneUnsafe(self.skipJoin)
      ? warn(self, `Waiting for ${nonDaemonCount(waiting.length)} (${names(waiting)}); ${againHint()}`, waiting)
      : Effect.void
    const all = Effect.as(awaitNonDaemons(self), "joined" as const)
    const timeout = self.options.shutdownTimeout
    const bounded = timeout === undefined
      ? all
      : Effect.timeoutOrElse(all, { duration: timeout, orElse: () => Effect.succeed("timeout" as const) })
    return Effect.andThen(
      announce,
      Effect.raceFirst(bounded, Effect.as(Deferred.await(self.skipJoin), "skipped" as const))
    ).pipe(
      Effect.flatMap((outcome) => {
        const left = Array.from(self.nonDaemons)
        if (outcome === "joined" || left.length === 0) return Effect.void
        const message = outcome === "timeout"
          ? `shutdownTimeout (${Duration.format(timeout!)}) elapsed; ` +
            `interrupting non-daemon threads still running: ${names(left)}`
          : `Stopping ${nonDaemonCount(left.length)}...`
        return Effect.andThen(
          observability.cut(self, outcome === "timeout" ? "shutdownTimeout" : "signal", left.length, names(left)),
          Effect.andThen(warn(self, message, left), logDump(self))
        )
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
      Effect.catchCause((cause) =>
        shutdownReport(self, "Error", "Exception ignored in atExit hook:", { thread: self.mainThread.name }, cause)
      ),
      Effect.andThen(loop)
    ))
  return Effect.suspend(() => {
    self.state = AtExit
    return loop
  })
}

/**
 * (c) Interrupt every daemon thread (and any non-daemon still running after
 * (a) was cut short), so their finalizers run; wait at most `daemonGrace`.
 * From here on, starting a thread fails. Returns the threads left behind.
 *
 * One `Fiber.interruptAll` over the snapshot interrupts them (and awaits
 * them), while the registry scope closes (what must stop with the threads).
 * It runs in a fiber of its own so that a thread that will not stop cannot
 * hold the exit past `daemonGrace`.
 */
const interruptDaemonThreads = (
  self: ThreadingImpl
): Effect.Effect<ReadonlyArray<Fiber.Fiber<unknown, unknown>>> =>
  Effect.gen(function*() {
    const threads = [...self.daemons, ...self.nonDaemons]
    self.state = { _tag: "Stopping", threads }
    // From here on the snapshot tells (as a closed `FiberSet` iterates as
    // empty), and a thread that ends leaves an empty set: no work per thread.
    self.daemons.clear()
    self.nonDaemons.clear()
    const grace = self.options.daemonGrace
    const closing = yield* Effect.forkDetach(
      Effect.all([Fiber.interruptAll(threads), Scope.close(self.registry, Exit.void)], {
        concurrency: "unbounded",
        discard: true
      })
    )
    const finished = yield* Fiber.await(closing).pipe(
      Effect.as(true),
      Effect.timeoutOrElse({ duration: grace, orElse: () => Effect.succeed(false) })
    )
    const stuck = finished ? [] : self.threadFibers()
    if (stuck.length > 0) {
      yield* observability.cut(self, "daemonGrace", stuck.length, names(stuck))
      yield* warn(
        self,
        `daemonGrace (${Duration.format(grace)}) elapsed; threads still running at exit: ${names(stuck)}`,
        stuck
      )
      yield* logDump(self)
    }
    return stuck
  })

/**
 * Runs `shutdown` in its own interruptible fiber and waits for it: called
 * from finalizers, which are uninterruptible, where a timeout could never
 * interrupt its losing side.
 */
const runShutdown = (self: ThreadingImpl): Effect.Effect<void> =>
  Effect.withFiber((parent) => Effect.asVoid(Fiber.await(forkAs(self.mainThread, parent.context, shutdown(self)))))

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
const stopMain = (instance: ThreadingImpl, fiber: Fiber.Fiber<unknown, unknown>): Effect.Effect<void> => {
  const grace = instance.options.mainGrace
  if (grace === undefined) return Fiber.interrupt(fiber)
  fiber.interruptUnsafe()
  const bounded = Fiber.await(fiber).pipe(
    Effect.asVoid,
    Effect.timeoutOrElse({
      duration: grace,
      orElse: () =>
        Effect.andThen(
          observability.cut(instance, "mainGrace", 1, instance.mainThread.name),
          Effect.andThen(
            shutdownReport(
              instance,
              "Warn",
              `mainGrace (${Duration.format(grace)}) elapsed; the main program's finalizers are still running`,
              { thread: instance.mainThread.name }
            ),
            logDump(instance)
          )
        )
    })
  )
  return Effect.withFiber((parent) => Effect.asVoid(Fiber.await(forkAs(instance.mainThread, parent.context, bounded))))
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
        Effect.withFiber<A, E | LE, Exclude<R, Threading.Threading | ROut>>((parent) => {
          const context = Context.add(parent.context, tag, instance)
          const body: Effect.Effect<A, E | LE, any> = appLayer === undefined ? program : Effect.flatMap(
            Layer.buildWithScope(appLayer, instance.resources),
            (services) => {
              instance.logging = loggingOf(services)
              return Effect.provideContext(program, services)
            }
          )
          const fiber = forkThread(instance.mainThread, context, body) as Fiber.Fiber<A, E | LE>
          onStart(instance)
          return Effect.flatMap(Fiber.await(fiber), identity).pipe(
            Effect.onInterrupt(() => stopMain(instance, fiber))
          )
        }),
      (instance, exit) => Effect.andThen(runShutdown(instance), Scope.close(instance.resources, exit))
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
  Layer.effectContext(
    validated(validate.layer(options), (resolved) =>
      Effect.gen(function*() {
        const mainEnded = yield* Deferred.make<void>()
        const instance = yield* Effect.acquireRelease(
          makeInstance(resolved),
          (instance) =>
            Deferred.succeed(mainEnded, undefined).pipe(
              Effect.andThen(Fiber.await(instance.mainThread.fiber!)),
              Effect.andThen(runShutdown(instance))
            )
        )
        yield* Effect.withFiber<void>((parent) => {
          forkThread(instance.mainThread, parent.context, Deferred.await(mainEnded))
          return Effect.void
        })
        const annotations = yield* References.CurrentLogAnnotations
        return Context.make(tag, instance).pipe(
          Context.add(References.CurrentLogAnnotations, { ...annotations, thread: "MainThread" })
        )
      }))
  )
