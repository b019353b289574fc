/**
 * effect-threading: Python's thread lifecycle for Effect programs.
 *
 * @since 0.1.0
 * @module
 */

/**
 * Threads in the style of Python's `threading.Thread`, as Effect fibers.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Thread } from "effect-threading"
 * // or: import * as Thread from "effect-threading/Thread"
 *
 * const program = Thread.spawn(Effect.log("in a thread"), { name: "worker" })
 * ```
 *
 * @since 0.1.0
 */
export * as Thread from "./Thread.js"

/**
 * Threading instances: the registry, the main thread and the shutdown
 * sequence (`main`, `runMain`, `layer`).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Threading } from "effect-threading"
 * // or: import * as Threading from "effect-threading/Threading"
 *
 * Threading.runMain(Effect.log("hello"))
 * ```
 *
 * @since 0.1.0
 */
export * as Threading from "./Threading.js"

/**
 * Cluster-enabled instances: the cluster `Thread.singleton` runs on
 * (embedded by default, PostgreSQL-backed runners with `layer`).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Threading, ThreadingCluster } from "effect-threading"
 * // or: import * as ThreadingCluster from "effect-threading/ThreadingCluster"
 *
 * Threading.runMain(Effect.never.pipe(Effect.provide(ThreadingCluster.layer())))
 * ```
 *
 * @since 1.0.0
 */
export * as ThreadingCluster from "./ThreadingCluster.js"

/**
 * Python's `queue.Queue` with `task_done()` and `join()`: a queue that
 * counts unfinished tasks, so a producer can wait until every item has been
 * processed.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { JoinableQueue } from "effect-threading"
 * // or: import * as JoinableQueue from "effect-threading/JoinableQueue"
 *
 * const program = Effect.gen(function*() {
 *   const queue = yield* JoinableQueue.make<string>()
 *   yield* JoinableQueue.offer(queue, "job")
 *   yield* JoinableQueue.take(queue)
 *   yield* JoinableQueue.taskDone(queue)
 *   yield* JoinableQueue.join(queue) // returns: no task is unfinished
 * })
 * ```
 *
 * @since 1.0.0
 */
export * as JoinableQueue from "./JoinableQueue.js"
