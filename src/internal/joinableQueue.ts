/**
 * Python's `queue.Queue`, counting unfinished tasks: the storage and the
 * waiting takers are an unbounded Effect `Queue`; a `Latch` open exactly when
 * no task is unfinished is what `join` waits on; a second `Latch` (bounded
 * queues only) is what producers wait on while the queue is full.
 *
 * Every change of the count happens in the same synchronous step as the
 * change of the items it counts (an `offer` counts its item as it enqueues
 * it; `taskDone` opens the latch as the count reaches zero), so no fiber can
 * see one without the other. A producer waiting for room holds nothing: when
 * it is interrupted, nothing was enqueued or counted.
 *
 * @internal
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import { dual } from "effect/Function"
import * as Inspectable from "effect/Inspectable"
import * as Latch from "effect/Latch"
import * as MutableRef from "effect/MutableRef"
import * as Option from "effect/Option"
import { pipeArguments } from "effect/Pipeable"
import * as Queue from "effect/Queue"
import type * as JoinableQueue from "../JoinableQueue.js"
import { ThreadError } from "./errors.js"
import * as validate from "./validate.js"
import { queueCapacity } from "./validateModules.js"

/** @internal */
export const TypeId: JoinableQueue.TypeId = Symbol.for("effect-threading/JoinableQueue") as JoinableQueue.TypeId

const variance = { _A: (a: unknown) => a }

/** @internal */
export class JoinableQueueImpl<in out A> implements JoinableQueue.JoinableQueue<A> {
  readonly [TypeId] = variance as JoinableQueue.JoinableQueue.Variance<A>
  /** The items; unbounded: the capacity is enforced by `notFull`. */
  readonly items: Queue.Queue<A>
  /** Python's `unfinished_tasks`: items offered and not yet marked done. */
  readonly unfinishedTasks: MutableRef.MutableRef<number> = MutableRef.make(0)
  /** Open exactly when `unfinishedTasks` is 0: what `join` waits on. */
  readonly allTasksDone: Latch.Latch = Latch.makeUnsafe(true)
  /** Open unless the queue is full (bounded queues only): what a producer waits on. */
  readonly notFull: Latch.Latch | undefined
  constructor(items: Queue.Queue<A>, readonly capacity: number) {
    this.items = items
    this.notFull = Number.isFinite(capacity) ? Latch.makeUnsafe(true) : undefined
  }
  get size(): number {
    return Queue.sizeUnsafe(this.items)
  }
  get unfinished(): number {
    return MutableRef.get(this.unfinishedTasks)
  }
  toString(): string {
    const capacity = Number.isFinite(this.capacity) ? `, capacity ${this.capacity}` : ""
    return `JoinableQueue(${this.size} queued, ${this.unfinished} unfinished${capacity})`
  }
  toJSON(): unknown {
    return { _id: "JoinableQueue", size: this.size, unfinished: this.unfinished, capacity: this.capacity }
  }
  [Inspectable.NodeInspectSymbol](): unknown {
    return this.toString()
  }
  pipe() {
    return pipeArguments(this, arguments)
  }
}

/** @internal */
export class TaskDoneError extends Data.TaggedError("TaskDoneError")<{ readonly message: string }> {}

/** Python's `ValueError('task_done() called too many times')`, in this module's words. @internal */
export const taskDoneTooManyTimes = "taskDone() called too many times"

/** @internal */
export const isJoinableQueue = (u: unknown): u is JoinableQueue.JoinableQueue<unknown> =>
  typeof u === "object" && u !== null && TypeId in u

/** A plain JavaScript caller may pass anything: a defect naming the argument, before anything runs. */
const checked = <A, X, E>(
  name: string,
  self: JoinableQueue.JoinableQueue<A>,
  f: (self: JoinableQueueImpl<A>) => Effect.Effect<X, E>
): Effect.Effect<X, E> => {
  const invalid = validate.argument(`JoinableQueue.${name}`, self, isJoinableQueue, "a JoinableQueue")
  return invalid === undefined ? f(self as JoinableQueueImpl<A>) : Effect.die(invalid)
}

/** @internal */
export const make = <A>(options?: JoinableQueue.MakeOptions): Effect.Effect<JoinableQueue.JoinableQueue<A>> =>
  Effect.suspend(() => {
    const capacity = queueCapacity(options)
    if (capacity instanceof ThreadError) return Effect.die(capacity)
    return Effect.map(Queue.unbounded<A>(), (items) => new JoinableQueueImpl(items, capacity))
  })

/** Enqueues and counts `item`, in one step. */
const enqueueUnsafe = <A>(self: JoinableQueueImpl<A>, item: A): void => {
  Queue.offerUnsafe(self.items, item) // unbounded and never ended: always accepted
  if (MutableRef.incrementAndGet(self.unfinishedTasks) === 1) self.allTasksDone.closeUnsafe()
}

/** After a take: a producer waiting for room may go on. */
const roomMade = <A>(self: JoinableQueueImpl<A>): void => {
  if (self.notFull !== undefined && self.size < self.capacity) self.notFull.openUnsafe()
}

/** @internal */
export const offer = dual<
  <A>(item: A) => (self: JoinableQueue.JoinableQueue<A>) => Effect.Effect<void>,
  <A>(self: JoinableQueue.JoinableQueue<A>, item: A) => Effect.Effect<void>
>(2, (self, item) =>
  checked("offer", self, (queue) => {
    const notFull = queue.notFull
    if (notFull === undefined) {
      return Effect.sync(() => enqueueUnsafe(queue, item))
    }
    // Wait (holding nothing) until there is room, then enqueue in the same step as the check.
    const attempt: Effect.Effect<void> = Effect.suspend(() => {
      if (queue.size < queue.capacity) {
        enqueueUnsafe(queue, item)
        return Effect.void
      }
      notFull.closeUnsafe()
      return Effect.andThen(notFull.await, attempt)
    })
    return attempt
  }))

/** @internal */
export const take = <A>(self: JoinableQueue.JoinableQueue<A>): Effect.Effect<A> =>
  checked("take", self, (queue) =>
    queue.notFull === undefined
      ? Queue.take(queue.items)
      : Effect.uninterruptibleMask((restore) =>
        Effect.tap(restore(Queue.take(queue.items)), () => Effect.sync(() => roomMade(queue)))
      ))

/** @internal */
export const poll = <A>(self: JoinableQueue.JoinableQueue<A>): Effect.Effect<Option.Option<A>> =>
  checked("poll", self, (queue) =>
    Effect.sync(() => {
      const taken = Queue.takeUnsafe(queue.items)
      if (taken === undefined || taken._tag === "Failure") return Option.none()
      roomMade(queue)
      return Option.some(taken.value)
    }))

/** @internal */
export const taskDone = <A>(self: JoinableQueue.JoinableQueue<A>): Effect.Effect<void, TaskDoneError> =>
  checked("taskDone", self, (queue) =>
    Effect.suspend(() => {
      const unfinished = MutableRef.get(queue.unfinishedTasks)
      if (unfinished <= 0) return Effect.fail(new TaskDoneError({ message: taskDoneTooManyTimes }))
      MutableRef.set(queue.unfinishedTasks, unfinished - 1)
      if (unfinished === 1) queue.allTasksDone.openUnsafe()
      return Effect.void
    }))

/** @internal */
export const join = <A>(self: JoinableQueue.JoinableQueue<A>): Effect.Effect<void> =>
  checked("join", self, (queue) => queue.allTasksDone.await)

/** @internal */
export const unfinished = <A>(self: JoinableQueue.JoinableQueue<A>): Effect.Effect<number> =>
  checked("unfinished", self, (queue) => Effect.sync(() => queue.unfinished))

/** @internal */
export const size = <A>(self: JoinableQueue.JoinableQueue<A>): Effect.Effect<number> =>
  checked("size", self, (queue) => Effect.sync(() => queue.size))
