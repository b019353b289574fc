/**
 * A thread as an object: Python's `threading.Thread` instance — a target, a
 * name, a daemon flag and, once started, the fiber that runs it — with its
 * `repr`, and the reference that tells a fiber which thread it runs for. What
 * a thread does (make, start, join…) is `./threadOps.ts`; how its fiber starts
 * and ends, `./threadFiber.ts`.
 *
 * @internal
 */
import type * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import * as FiberRef from "effect/FiberRef"
import { identity } from "effect/Function"
import { globalValue } from "effect/GlobalValue"
import * as Inspectable from "effect/Inspectable"
import { pipeArguments } from "effect/Pipeable"
import type * as Thread from "../Thread.js"
import type { ThreadingImpl } from "./instance.js"
import { maxNames, nameList } from "./reportText.js"

/** @internal */
export const ThreadTypeId: Thread.TypeId = Symbol.for("effect-threading/Thread") as Thread.TypeId

const variance = { _A: identity, _E: identity }

/**
 * The thread of the calling fiber. Fibers forked inside a thread inherit it
 * (`Effect.fork` children and `forkDaemon` fibers alike), which is what makes
 * `Thread.current` report the thread in them too. One per version of
 * `effect` (`globalValue`), so every copy of the library shares it.
 *
 * @internal
 */
export const currentThread: FiberRef.FiberRef<ThreadImpl<unknown, unknown> | undefined> = globalValue(
  Symbol.for("effect-threading/currentThread"),
  () => FiberRef.unsafeMake<ThreadImpl<unknown, unknown> | undefined>(undefined)
)

/** @internal */
export class ThreadImpl<A, E> implements Thread.Thread<A, E> {
  // Constants (the variance, the class name) are on the prototype: a live
  // thread costs only its own fields.
  get [ThreadTypeId](): Thread.Thread.Variance<A, E> {
    return variance as Thread.Thread.Variance<A, E>
  }
  /** The name `repr` gives the class, as CPython's `__repr__` uses `self.__class__.__name__`. */
  get className(): string {
    return "Thread"
  }
  /** Set, once, by `start`; a thread is alive while its fiber has no exit. */
  fiber: Fiber.RuntimeFiber<A, E> | undefined = undefined
  constructor(
    readonly instance: ThreadingImpl,
    readonly name: string,
    public daemon: boolean,
    /** Dropped by the thread's fiber as it starts it: a live thread does not keep its target's Effect alive. */
    public target: Effect.Effect<A, E, any> | undefined,
    readonly context: Context.Context<never>
  ) {}
  get ident(): number | undefined {
    return this.fiber === undefined ? undefined : this.fiber.id().id
  }
  get status(): "initial" | "started" | "stopped" {
    return this.fiber === undefined ? "initial" : this.fiber.unsafePoll() === null ? "started" : "stopped"
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
export const firstNames = (fibers: ReadonlyArray<Fiber.RuntimeFiber<unknown, unknown>>): Array<string> =>
  fibers.slice(0, maxNames).map((fiber) => fiber.getFiberRef(currentThread)?.name ?? `fiber #${fiber.id().id}`)

/**
 * The threads of `fibers`, as a report lists them: the first 20 names, then
 * `and N more`.
 *
 * @internal
 */
export const names = (fibers: ReadonlyArray<Fiber.RuntimeFiber<unknown, unknown>>): string =>
  nameList(firstNames(fibers), fibers.length)
