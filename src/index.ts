/**
 * effect-threading: Python's thread lifecycle for Effect programs.
 *
 * @since 0.1.0
 * @module
 */

/**
 * Threads in the style of Python's `threading.Thread`, as Effect fibers.
 *
 * @since 0.1.0
 */
export * as Thread from "./Thread.js"

/**
 * Threading instances: the registry, the main thread and the shutdown
 * sequence (`main`, `runMain`, `layer`).
 *
 * @since 0.1.0
 */
export * as Threading from "./Threading.js"
