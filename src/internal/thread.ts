/**
 * A thread as an object: Python's `threading.Thread` instance — a target, a
 * name, a daemon flag and, once started, the fiber that runs it — with its
 * `repr`, and the reference that tells a fiber which thread it runs for. What
 * a thread does (make, start, join…) is `./threadOps.ts`; how its fiber starts
 * and ends, `./threadFiber.ts`.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import { identity } from "effect/Function"
import * as Inspectable from "effect/Inspectable"
import { pipeArguments } from "effect/Pipeable"
import type * as Thread from "../Thread.js"
import type { ThreadingImpl } from "./instance.js"
import { isStopping } from "./lifecycle.js"
import { maxNames, nameList } from "./reportText.js"

/** @internal */
export const ThreadTypeId: Thread.TypeId = Symbol.for("effect-threading/Thread") as Thread.TypeId

const variance = { _A: identity, _E: identity }

/**
 * The thread that the calling fiber belongs to. Fibers forked inside a thread
 * inherit it (it is in their context), which is what makes `Thread.current`
 * work for them too. Keyed by a string, so every copy of the library shares it.
 *
 * @internal
 */
export const currentThread: Context.Reference<ThreadImpl<unknown, unknown> | undefined> = Context.Reference<
  ThreadImpl<unknown, unknown> | undefined
>("effect-threading/currentThread", { defaultValue: () => undefined })

/** @internal */
export class ThreadImpl<A, E> implements Thread.Thread<A, E> {
  // Per-instance fields are what a live thread costs in heap (issue 13):
  // constants (the variance, the class name) are on the prototype, as `FiberImpl` does.
  get [ThreadTypeId](): Thread.Thread.Variance<A, E> {
    return variance as Thread.Thread.Variance<A, E>
  }
  /** The name `repr` gives the class, as CPython's `__repr__` uses `self.__class__.__name__`. */
  get className(): string {
    return "Thread"
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
  /** Python's `repr`: `<Thread(NAME, STATUS[ daemon][ IDENT])>`, the class's own name first. */
  toString(): string {
    const ident = this.ident
    return `<${this.className}(${this.name}, ${this.status}${this.daemon ? " daemon" : ""}${
      ident === undefined ? "" : ` ${ident}`
    })>`
  }
  toJSON(): unknown {
    return { _id: this.className, name: this.name, daemon: this.daemon, ident: this.ident, status: this.status }
  }
  [Inspectable.NodeInspectSymbol](): unknown {
    return this.toString()
  }
  pipe() {
    return pipeArguments(this, arguments)
  }
}

/** @internal */
export const isThread = (u: unknown): u is Thread.Thread<unknown, unknown> =>
  typeof u === "object" && u !== null && ThreadTypeId in u

/**
 * The names of the threads of the first 20 of `fibers` (a fiber that runs for
 * no thread shows as `fiber #ID`).
 *
 * @internal
 */
export const firstNames = (fibers: ReadonlyArray<Fiber.Fiber<unknown, unknown>>): Array<string> =>
  fibers.slice(0, maxNames).map((fiber) => fiber.getRef(currentThread)?.name ?? `fiber #${fiber.id}`)

/**
 * The threads of `fibers`, as a report lists them: the first 20 names, then
 * `and N more`.
 *
 * @internal
 */
export const names = (fibers: ReadonlyArray<Fiber.Fiber<unknown, unknown>>): string =>
  nameList(firstNames(fibers), fibers.length)

/**
 * How a thread ended, as its span (`thread.outcome`) and `TestThreading`
 * tell it: `success`, `failure`, `interrupted` (by the program) or
 * `interrupted_at_shutdown` (step (c)).
 *
 * @internal
 */
export const outcomeOf = (exit: Exit.Exit<unknown, unknown>, instance: ThreadingImpl): string => {
  if (Exit.isSuccess(exit)) return "success"
  if (!Cause.hasInterruptsOnly(exit.cause)) return "failure"
  return isStopping(instance.phase) ? "interrupted_at_shutdown" : "interrupted"
}
