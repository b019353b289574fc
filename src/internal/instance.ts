/**
 * A `Threading` instance — one "interpreter": its phase (`State`, carrying the
 * data that phase needs), its main thread, the registry of live threads, and
 * the queries on it (`enumerate`, `activeCount`, `dump`…); and the process
 * that holds the instances, with the signals it has received.
 *
 * @internal
 */
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import * as MutableRef from "effect/MutableRef"
import * as Scope from "effect/Scope"
import type * as Thread from "../Thread.js"
import type * as Threading from "../Threading.js"
import * as dump_ from "./dump.js"
import * as errors from "./errors.js"
import { canRegisterAtExit, type Phase, signalCutsJoin } from "./lifecycle.js"
import type * as observability from "./observability.js"
import type * as options_ from "./options.js"
import * as signals from "./signals.js"
import { currentThread, ThreadImpl } from "./thread.js"
import * as validate from "./validate.js"

/** @internal */
export const ThreadingTypeId: Threading.TypeId = Symbol.for("effect-threading/Threading") as Threading.TypeId

/** @internal */
export const tag: Context.Service<Threading.Threading, Threading.Threading> = Context.Service<Threading.Threading>(
  "effect-threading/Threading"
)

// -----------------------------------------------------------------------------
// State
// -----------------------------------------------------------------------------

/**
 * The live threads by their fibers, in start order: a thread enters its map
 * as it starts and leaves it as it ends (`./threadFiber.ts`).
 */
export interface Live {
  readonly nonDaemons: Map<Fiber.Fiber<unknown, unknown>, ThreadImpl<unknown, unknown>>
  readonly daemons: Map<Fiber.Fiber<unknown, unknown>, ThreadImpl<unknown, unknown>>
}

/** An `atExit` hook, with the services it was registered with. */
export type Hook = Effect.Effect<unknown, unknown>

/**
 * Where an instance is in its life (`./lifecycle.ts` says what each phase
 * allows), as a tagged union whose variants carry what only means something
 * in them, as `FiberSet`'s and `Scope`'s `Open | Closed` do:
 *
 * - `Running`: the main program runs. `live` is the registry; `hooks` the
 *   `atExit` hooks registered so far; `skipJoin` is completed by a signal to
 *   cut step (a) short.
 * - `Joining`: step (a), waiting for the non-daemon threads (the same data).
 * - `AtExit`: step (b), running the hooks (taken out of the state).
 * - `Stopping`: step (c); `interrupted` is the snapshot of the fibers it
 *   interrupts (the registry is closed from then on: a thread that ends has
 *   nothing to leave).
 * - `Done`: step (d); `leftBehind` are the threads that outlived `daemonGrace`.
 *
 * @internal
 */
export type State =
  | {
    readonly _tag: "Running"
    readonly live: Live
    readonly hooks: Array<Hook>
    readonly skipJoin: Deferred.Deferred<void>
  }
  | {
    readonly _tag: "Joining"
    readonly live: Live
    readonly hooks: Array<Hook>
    readonly skipJoin: Deferred.Deferred<void>
  }
  | { readonly _tag: "AtExit"; readonly live: Live }
  | { readonly _tag: "Stopping"; readonly interrupted: ReadonlyArray<Fiber.Fiber<unknown, unknown>> }
  | { readonly _tag: "Done"; readonly leftBehind: ReadonlyArray<Fiber.Fiber<unknown, unknown>> }

const isRunning = (fiber: Fiber.Fiber<unknown, unknown>): boolean => fiber.pollUnsafe() === undefined

/**
 * One "interpreter": a registry of threads, a main thread and a shutdown
 * sequence. A thread costs the registry one set entry and nothing else (no
 * observer, no closure). The `registry` scope holds what must stop with the
 * threads at step (c) (e.g. the instance's cluster); `resources` is where the
 * app's layer is built, closed after step (c).
 *
 * @internal
 */
export class ThreadingImpl implements Threading.Threading {
  readonly [ThreadingTypeId]: Threading.TypeId = ThreadingTypeId
  state: State
  /** For the default names `Thread-N`. */
  readonly counter: MutableRef.MutableRef<number> = MutableRef.make(0)
  /** The main thread; its fiber is the main program's (or the layer user's). Set by `make`. */
  mainThread!: ThreadImpl<unknown, unknown>
  /** The instance's metrics and spans (`./observability.ts`), made on first use. */
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
    /** Whether an entry point (`runMain`, `launch`) runs this instance: its main program is the one signals stop. */
    readonly entry: boolean,
    readonly registry: Scope.Closeable,
    readonly resources: Scope.Closeable,
    skipJoin: Deferred.Deferred<void>
  ) {
    this.state = { _tag: "Running", live: { nonDaemons: new Map(), daemons: new Map() }, hooks: [], skipJoin }
  }
  get phase(): Phase {
    return this.state._tag
  }
  /** The registry while threads may still start or end in it (until step (c)). */
  live(): Live | undefined {
    const state = this.state
    return state._tag === "Stopping" || state._tag === "Done" ? undefined : state.live
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
  /** The thread a fiber runs for, as seen by this instance: outside its threads, the main thread. */
  currentOf(thread: ThreadImpl<unknown, unknown> | undefined): ThreadImpl<unknown, unknown> {
    return thread !== undefined && thread.instance === this ? thread : this.mainThread
  }
  /** The fibers of the threads alive now (the main thread aside). */
  threadFibers(): ReadonlyArray<Fiber.Fiber<unknown, unknown>> {
    // Once step (c) has begun, the snapshot it took tells.
    const state = this.state
    switch (state._tag) {
      case "Stopping":
        return state.interrupted.filter(isRunning)
      case "Done":
        return state.leftBehind.filter(isRunning)
      default:
        // (a fiber Effect 4 ended without its last step is in the registry until the shutdown reports it)
        return [...state.live.nonDaemons.keys(), ...state.live.daemons.keys()].filter(isRunning)
    }
  }
  /** How many non-daemon and daemon threads are registered, and hooks waiting (for the shutdown's span attributes). */
  counts(): { readonly nonDaemons: number; readonly daemons: number; readonly hooks: number } {
    const state = this.state
    const live = this.live()
    return {
      nonDaemons: live?.nonDaemons.size ?? 0,
      daemons: live?.daemons.size ?? 0,
      hooks: state._tag === "Running" || state._tag === "Joining" ? state.hooks.length : 0
    }
  }
  /** Registers an `atExit` hook, if the phase allows it (`canRegisterAtExit`). */
  addHook(hook: Hook): boolean {
    const state = this.state
    if (!canRegisterAtExit(state._tag)) return false
    ;(state as Extract<State, { readonly hooks: Array<Hook> }>).hooks.push(hook)
    return true
  }
  /** Cuts step (a) short (a signal asks it), if the instance has not gone past it. */
  cutJoin(): void {
    const state = this.state
    if (state._tag === "Running" || state._tag === "Joining") Deferred.doneUnsafe(state.skipJoin, Exit.void)
  }
}

/**
 * A new instance with its main thread (not started: `./entry.ts` starts it),
 * added to the process's instances.
 *
 * @internal
 */
export const make = (options: options_.Resolved, entry: boolean): Effect.Effect<ThreadingImpl> =>
  Effect.gen(function*() {
    const registry = yield* Scope.make("parallel")
    const resources = yield* Scope.make("sequential")
    const skipJoin = yield* Deferred.make<void>()
    const instance = new ThreadingImpl(options, entry, registry, resources, skipJoin)
    instance.mainThread = new ThreadImpl(instance, "MainThread", false, Effect.void, Context.empty())
    processState.instances.add(instance)
    if (entry) processState.entry = instance
    return instance
  })

// -----------------------------------------------------------------------------
// The process
// -----------------------------------------------------------------------------

/**
 * What every instance in the process shares, whichever copy of the library
 * made it: the instances alive, and the signals an entry point (`runMain`,
 * `launch`) has received — how many, and the first of them. (`firstSignal`
 * may be missing from a state an older copy of the library made.)
 *
 * @internal
 */
export interface ProcessState {
  readonly instances: Set<ThreadingImpl>
  signals: number
  firstSignal?: signals.Event | undefined
  /**
   * The instance an entry point (`runMain`, `launch`) runs, once made: kept
   * after its shutdown, for a signal that comes while its app's layer is
   * released.
   */
  entry?: ThreadingImpl | undefined
}

/** @internal */
export const processState: ProcessState = ((globalThis as any)[Symbol.for("effect-threading/process")] ??= {
  instances: new Set(),
  signals: 0,
  firstSignal: undefined
})

/**
 * The signals the process has received, as the signal policy reads them.
 *
 * @internal
 */
export const received = (): signals.Received => ({ count: processState.signals, first: processState.firstSignal })

/**
 * Counts a signal received by an entry point and cuts the wait for the
 * non-daemon threads of every instance the rule says (`signalCutsJoin`): all
 * of them from the second signal on, and those already past their main
 * program at the first. Returns the signals received.
 *
 * @internal
 */
export const receiveSignal = (signal: signals.Event): signals.Received => {
  const next = signals.count(received(), signal)
  processState.signals = next.count
  processState.firstSignal = next.first
  for (const instance of processState.instances) {
    if (signalCutsJoin(next.count, instance.phase)) instance.cutJoin()
  }
  return next
}

/**
 * The instance an entry point runs (`runMain`, `launch`), if one does.
 *
 * @internal
 */
export const entryInstance = (): ThreadingImpl | undefined => processState.entry

// -----------------------------------------------------------------------------
// Queries
// -----------------------------------------------------------------------------

const instanceOf = (fiber: Fiber.Fiber<unknown, unknown>): ThreadingImpl =>
  Context.getUnsafe(fiber.context, tag) as ThreadingImpl

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
  Effect.succeed(dump_.take(instanceOf(fiber), fiber, instanceOf(fiber).currentOf(fiber.getRef(currentThread))))
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
export const current: Effect.Effect<Thread.Thread, never, Threading.Threading> = Effect.withFiber((fiber) =>
  Effect.succeed(instanceOf(fiber).currentOf(fiber.getRef(currentThread)))
)

/**
 * Registers a hook for step (b), with the caller's services.
 *
 * @internal
 */
export const atExit = <X, E, R>(
  effect: Effect.Effect<X, E, R>
): Effect.Effect<void, errors.ThreadError, Threading.Threading | R> =>
  Effect.contextWith((context: Context.Context<Threading.Threading | R>) => {
    const instance = Context.get(context, tag) as ThreadingImpl
    const invalid = validate.atExit(effect)
    if (invalid !== undefined) return Effect.fail(invalid)
    return instance.addHook(Effect.provideContext(effect, context))
      ? Effect.void
      : Effect.fail(errors.make(errors.messages.atExitAfterShutdown))
  })
