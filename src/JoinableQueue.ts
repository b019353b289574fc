/**
 * Python's `queue.Queue` with `task_done()` and `join()`: a FIFO queue that
 * counts the tasks it was given, so that a producer can wait until every one
 * of them has been processed — the worker pool of Python's threading
 * tutorials. Effect's `Queue` has no such count; this module adds it, and
 * nothing else.
 *
 * | Python `queue.Queue` | `JoinableQueue` |
 * | --- | --- |
 * | `q = Queue()` / `Queue(maxsize=10)` | `make<A>()` / `make<A>({ capacity: 10 })` |
 * | `q.put(item)` | `offer(q, item)` (waits for room while a bounded queue is full) |
 * | `q.get()` | `take(q)` (waits for an item) |
 * | `q.get_nowait()` | `poll(q)` (`Option.none()` for Python's `Empty`) |
 * | `q.task_done()` | `taskDone(q)` (fails with `TaskDoneError` when called too many times) |
 * | `q.join()` | `join(q)` (waits until every offered item was marked done) |
 * | `q.unfinished_tasks` | `unfinished(q)` |
 * | `q.qsize()` | `size(q)` |
 * | `q.put(item, timeout=...)`, `q.get(timeout=...)` | `Effect.timeout` around `offer` / `take` |
 *
 * `offer` and `take` are Effect's names (`Queue.offer`, `Queue.take`);
 * `taskDone`, `join` and `unfinished` are Python's, as Effect has no
 * counterpart. Nothing here depends on a `Threading` instance: any fibers can
 * share a queue, threads or not.
 *
 * @since 1.0.0
 * @module
 */
import type * as Cause from "effect/Cause"
import type * as Effect from "effect/Effect"
import type * as Inspectable from "effect/Inspectable"
import type * as Option from "effect/Option"
import type * as Pipeable from "effect/Pipeable"
import type * as Types from "effect/Types"
import * as internal from "./internal/joinableQueue.js"

/**
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { JoinableQueue } from "effect-threading"
 *
 * const program = Effect.gen(function*() {
 *   const queue = yield* JoinableQueue.make<string>()
 *   JoinableQueue.TypeId in queue // true
 * })
 * ```
 *
 * @since 1.0.0
 * @category symbols
 */
export const TypeId: unique symbol = internal.TypeId as TypeId

/**
 * @since 1.0.0
 * @category symbols
 */
export type TypeId = typeof TypeId

/**
 * A FIFO queue of `A` that counts its unfinished tasks: each `offer` adds
 * one, each `taskDone` removes one, and `join` waits until none is left.
 *
 * `toString()` says where it stands: `JoinableQueue(2 queued, 3 unfinished)`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { JoinableQueue } from "effect-threading"
 *
 * const program = Effect.gen(function*() {
 *   const queue: JoinableQueue.JoinableQueue<number> = yield* JoinableQueue.make<number>()
 *   yield* JoinableQueue.offer(queue, 1)
 *   String(queue) // "JoinableQueue(1 queued, 1 unfinished)"
 * })
 * ```
 *
 * @since 1.0.0
 * @category models
 */
export interface JoinableQueue<in out A> extends Pipeable.Pipeable, Inspectable.Inspectable {
  readonly [TypeId]: JoinableQueue.Variance<A>
}

/**
 * @since 1.0.0
 */
export declare namespace JoinableQueue {
  /**
   * @since 1.0.0
   * @category models
   */
  export interface Variance<in out A> {
    readonly _A: Types.Invariant<A>
  }
}

/**
 * Options of `make`, as Python's `Queue(maxsize=...)`.
 *
 * @example
 * ```ts
 * import { JoinableQueue } from "effect-threading"
 *
 * const options: JoinableQueue.MakeOptions = { capacity: 100 }
 * const program = JoinableQueue.make<string>(options)
 * ```
 *
 * @since 1.0.0
 * @category models
 */
export interface MakeOptions {
  /**
   * The most items the queue holds; `offer` waits for room beyond it.
   * A positive integer; default: unbounded (`Infinity`), as Python's
   * `maxsize=0`.
   */
  readonly capacity?: number | undefined
}

/**
 * The failure of `taskDone` called more times than items were offered:
 * Python's `ValueError('task_done() called too many times')`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { JoinableQueue } from "effect-threading"
 *
 * const program = Effect.gen(function*() {
 *   const queue = yield* JoinableQueue.make<string>()
 *   const error = yield* Effect.flip(JoinableQueue.taskDone(queue))
 *   error._tag // "TaskDoneError"
 *   error.message // "taskDone() called too many times"
 * })
 * ```
 *
 * @since 1.0.0
 * @category errors
 */
export interface TaskDoneError extends Cause.YieldableError {
  /** Always `"TaskDoneError"`: the tag `Effect.catchTag("TaskDoneError", ...)` matches. */
  readonly _tag: "TaskDoneError"
  /** `taskDone() called too many times` */
  readonly message: string
}

/**
 * Creates a `TaskDoneError` (the module does; a test may too).
 * `instanceof JoinableQueue.TaskDoneError` tells one apart.
 *
 * @example
 * ```ts
 * import { JoinableQueue } from "effect-threading"
 *
 * const error = new JoinableQueue.TaskDoneError({ message: "taskDone() called too many times" })
 * error instanceof JoinableQueue.TaskDoneError // true
 * ```
 *
 * @since 1.0.0
 * @category errors
 */
export const TaskDoneError: new(args: { readonly message: string }) => TaskDoneError = internal.TaskDoneError

/**
 * Tells whether a value is a `JoinableQueue`.
 *
 * @example
 * ```ts
 * import { Effect, Queue } from "effect"
 * import { JoinableQueue } from "effect-threading"
 *
 * const program = Effect.gen(function*() {
 *   JoinableQueue.isJoinableQueue(yield* JoinableQueue.make<number>()) // true
 *   JoinableQueue.isJoinableQueue(yield* Queue.unbounded<number>()) // false
 * })
 * ```
 *
 * @since 1.0.0
 * @category refinements
 */
export const isJoinableQueue: (u: unknown) => u is JoinableQueue<unknown> = internal.isJoinableQueue

/**
 * Creates an empty queue: unbounded by default, or holding at most
 * `capacity` items (Python's `Queue(maxsize=...)`). A `capacity` that is not
 * a positive integer (or `Infinity`) makes it die at once with a
 * `ThreadError` naming the option.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { JoinableQueue } from "effect-threading"
 *
 * const program = Effect.gen(function*() {
 *   const jobs = yield* JoinableQueue.make<string>() // queue.Queue()
 *   const bounded = yield* JoinableQueue.make<string>({ capacity: 10 }) // queue.Queue(maxsize=10)
 * })
 * ```
 *
 * @since 1.0.0
 * @category constructors
 */
export const make: <A>(options?: MakeOptions) => Effect.Effect<JoinableQueue<A>> = internal.make

/**
 * Adds an item at the back of the queue and counts it as an unfinished task
 * (Python's `put`). On a bounded queue that is full, waits for room first;
 * interrupted while waiting, it adds and counts nothing.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { JoinableQueue } from "effect-threading"
 *
 * const program = Effect.gen(function*() {
 *   const queue = yield* JoinableQueue.make<string>()
 *   yield* JoinableQueue.offer(queue, "a")
 *   yield* queue.pipe(JoinableQueue.offer("b"))
 *   yield* JoinableQueue.unfinished(queue) // 2
 * })
 * ```
 *
 * @since 1.0.0
 * @category offering
 */
export const offer: {
  <A>(item: A): (self: JoinableQueue<A>) => Effect.Effect<void>
  <A>(self: JoinableQueue<A>, item: A): Effect.Effect<void>
} = internal.offer

/**
 * Removes and returns the item at the front of the queue, waiting for one if
 * it is empty (Python's `get`). The task stays unfinished until `taskDone`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { JoinableQueue } from "effect-threading"
 *
 * const program = Effect.gen(function*() {
 *   const queue = yield* JoinableQueue.make<string>()
 *   yield* JoinableQueue.offer(queue, "job")
 *   const job = yield* JoinableQueue.take(queue) // "job"
 *   yield* JoinableQueue.taskDone(queue)
 * })
 * ```
 *
 * @since 1.0.0
 * @category taking
 */
export const take: <A>(self: JoinableQueue<A>) => Effect.Effect<A> = internal.take

/**
 * Removes and returns the item at the front of the queue if there is one,
 * without waiting (Python's `get_nowait`, whose `Empty` is `Option.none()`).
 *
 * @example
 * ```ts
 * import { Effect, Option } from "effect"
 * import { JoinableQueue } from "effect-threading"
 *
 * const program = Effect.gen(function*() {
 *   const queue = yield* JoinableQueue.make<string>()
 *   const nothing = yield* JoinableQueue.poll(queue) // Option.none()
 *   yield* JoinableQueue.offer(queue, "job")
 *   const job = yield* JoinableQueue.poll(queue) // Option.some("job")
 * })
 * ```
 *
 * @since 1.0.0
 * @category taking
 */
export const poll: <A>(self: JoinableQueue<A>) => Effect.Effect<Option.Option<A>> = internal.poll

/**
 * Marks one task done (Python's `task_done`): a consumer calls it once per
 * item it took, when it has finished with it. When the count of unfinished
 * tasks reaches zero, every `join` waiting returns. Fails with a
 * `TaskDoneError` (`taskDone() called too many times`) when no task is
 * unfinished.
 *
 * @example
 * ```ts
 * import { Console, Effect } from "effect"
 * import { JoinableQueue } from "effect-threading"
 *
 * const worker = (queue: JoinableQueue.JoinableQueue<string>) =>
 *   Effect.gen(function*() {
 *     const job = yield* JoinableQueue.take(queue)
 *     yield* Console.log(`working on ${job}`)
 *     yield* JoinableQueue.taskDone(queue)
 *   }).pipe(Effect.forever)
 * ```
 *
 * @since 1.0.0
 * @category completion
 */
export const taskDone: <A>(self: JoinableQueue<A>) => Effect.Effect<void, TaskDoneError> = internal.taskDone

/**
 * Waits until every item offered so far has been marked done with `taskDone`
 * (Python's `join`); returns at once when no task is unfinished. Items
 * offered while it waits are waited for too.
 *
 * @example
 * ```ts
 * import { Console, Effect } from "effect"
 * import { JoinableQueue, Thread, Threading } from "effect-threading"
 *
 * const program = Effect.gen(function*() {
 *   const queue = yield* JoinableQueue.make<number>()
 *   const worker = Effect.gen(function*() {
 *     const n = yield* JoinableQueue.take(queue)
 *     yield* Console.log(`job ${n} done`)
 *     yield* JoinableQueue.taskDone(queue)
 *   }).pipe(Effect.forever)
 *   yield* Thread.spawn(worker, { daemon: true })
 *   yield* Effect.forEach([1, 2, 3], (n) => JoinableQueue.offer(queue, n))
 *   yield* JoinableQueue.join(queue) // every job is done
 *   yield* Console.log("all done")
 * })
 *
 * Threading.runMain(program)
 * ```
 *
 * @since 1.0.0
 * @category completion
 */
export const join: <A>(self: JoinableQueue<A>) => Effect.Effect<void> = internal.join

/**
 * The number of unfinished tasks: items offered and not yet marked done,
 * whether still queued or taken (Python's `unfinished_tasks`).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { JoinableQueue } from "effect-threading"
 *
 * const program = Effect.gen(function*() {
 *   const queue = yield* JoinableQueue.make<string>()
 *   yield* JoinableQueue.offer(queue, "job")
 *   yield* JoinableQueue.take(queue)
 *   yield* JoinableQueue.unfinished(queue) // 1: taken, not done
 *   yield* JoinableQueue.size(queue) // 0
 * })
 * ```
 *
 * @since 1.0.0
 * @category getters
 */
export const unfinished: <A>(self: JoinableQueue<A>) => Effect.Effect<number> = internal.unfinished

/**
 * The number of items in the queue now (Python's `qsize()`).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { JoinableQueue } from "effect-threading"
 *
 * const program = Effect.gen(function*() {
 *   const queue = yield* JoinableQueue.make<string>()
 *   yield* JoinableQueue.offer(queue, "job")
 *   yield* JoinableQueue.size(queue) // 1
 * })
 * ```
 *
 * @since 1.0.0
 * @category getters
 */
export const size: <A>(self: JoinableQueue<A>) => Effect.Effect<number> = internal.size
