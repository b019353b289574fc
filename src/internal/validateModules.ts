/**
 * The validated boundary (`validate.ts`) of the Effect 4 edition's other
 * public entries: `Thread.singleton` and `ThreadingCluster` (checked before
 * the cluster engine is loaded; the layer's options, which have structure,
 * are decoded by `decode.ts`), `JoinableQueue`, `Readiness`'s probes and
 * `TestThreading` — in the same terms: one function per entry's input,
 * returning it as the core uses it or the `ThreadError` that refuses it.
 *
 * @internal
 */
import * as Config from "effect/Config"
import type * as Duration from "effect/Duration"
import * as Layer from "effect/Layer"
import * as Schedule from "effect/Schedule"
import { describe, duration, refuse, rules } from "./decode.js"
import { ThreadError } from "./errors.js"
import * as messages from "./messages.js"
import * as options_ from "./options.js"
import * as readOptions from "./readOptions.js"
import { argument, boolean, effect, type Entry, main, mainSpec, read, schedule } from "./validate.js"

const { any, field } = readOptions

// -----------------------------------------------------------------------------
// ThreadingCluster and Thread.singleton (their options with structure are decode.ts's)
// -----------------------------------------------------------------------------

const isNonEmptyString = (u: unknown): u is string => typeof u === "string" && u.length > 0
const isBackoff = (u: unknown): u is Schedule.Schedule<unknown> | false => u === false || Schedule.isSchedule(u)

const SingletonOptions = {
  shardGroup: field(isNonEmptyString, messages.expected.nonEmptyString),
  schedule,
  immediate: boolean,
  stopOnError: boolean,
  backoff: field(isBackoff, messages.expected.backoff)
}
const singletonSpec = readOptions.spec(SingletonOptions)

/**
 * `Thread.singleton`: checked before the cluster engine is loaded.
 *
 * @internal
 */
export const singleton = (
  name: unknown,
  input: unknown,
  options: unknown
): readOptions.Checked<typeof SingletonOptions> | ThreadError => {
  if (!isNonEmptyString(name)) return refuse("Thread.singleton needs a non-empty name (the same on every runner)")
  return effect("Thread.singleton", input, "effect") ?? read(singletonSpec, "Thread.singleton", options)
}

/**
 * `ThreadingCluster.layerConfig`'s argument.
 *
 * @internal
 */
export const config = (input: unknown): ThreadError | undefined =>
  argument("ThreadingCluster.layerConfig", input, Config.isConfig, "a Config")

/**
 * `ThreadingCluster.layerFrom`'s argument.
 *
 * @internal
 */
export const sharding = (input: unknown): ThreadError | undefined =>
  argument("ThreadingCluster.layerFrom", input, Layer.isLayer, "a Layer")

// -----------------------------------------------------------------------------
// JoinableQueue, Readiness, TestThreading
// -----------------------------------------------------------------------------

const isCapacity = (u: unknown): u is number =>
  u === Number.POSITIVE_INFINITY || (Number.isSafeInteger(u) && (u as number) > 0)
const queueSpec = readOptions.spec({ capacity: field(isCapacity, messages.expected.capacity) })

/**
 * `JoinableQueue.make`'s options: the capacity, `Infinity` by default.
 *
 * @internal
 */
export const queueCapacity = (options: unknown): number | ThreadError => {
  const read_ = read(queueSpec, "JoinableQueue.make", options)
  return read_ instanceof ThreadError ? read_ : read_.capacity ?? Number.POSITIVE_INFINITY
}

const isPath = (u: unknown): u is `/${string}` => typeof u === "string" && u.startsWith("/") && !/[?#\s]/.test(u)
const path = field(isPath, messages.expected.path)
const pathsSpec = readOptions.spec({ readyPath: path, livePath: path })

/**
 * The paths of the readiness and liveness probes (`Readiness.routes`,
 * `Readiness.nodeHandler`): each a string starting with `/`, without a
 * query, and not the same.
 *
 * @internal
 */
export const paths = (entry: string, options: unknown): options_.Paths | ThreadError => {
  const read_ = read(pathsSpec, entry, options)
  if (read_ instanceof ThreadError) return read_
  const paths: options_.Paths = {
    readyPath: read_.readyPath ?? options_.DEFAULT_PATHS.readyPath,
    livePath: read_.livePath ?? options_.DEFAULT_PATHS.livePath
  }
  return paths.readyPath === paths.livePath
    ? refuse(messages.sameAs("livePath", "readyPath", describe(paths.readyPath)))
    : paths
}

/** `main`'s options are `main`'s to check: each passes here, and `run` hands them on. */
const runSpec = readOptions.spec({
  ...Object.fromEntries(mainSpec.known.map((key) => [key, any])),
  horizon: any
})

/**
 * `TestThreading.run`: the program, the options object and its `horizon`
 * (`undefined`: the default) checked here; `main` is the input of the
 * `main` it runs, whose refusal is that program's defect.
 *
 * @internal
 */
export const testRun = (
  program: unknown,
  options: unknown
): { readonly horizon: Duration.Duration | undefined; readonly main: Entry | ThreadError } | ThreadError => {
  const invalid = effect("TestThreading.run", program, "program")
  if (invalid !== undefined) return invalid
  const read_ = read(runSpec, "TestThreading.run", options)
  if (read_ instanceof ThreadError) return read_
  const { horizon, ...mainOptions } = read_ as { readonly horizon?: unknown }
  const decoded = horizon === undefined ? undefined : duration("horizon", horizon, rules.grace)
  if (decoded instanceof ThreadError) return decoded
  return { horizon: decoded, main: main(program, mainOptions, "TestThreading.run") }
}

/**
 * `TestThreading.adjust`'s duration.
 *
 * @internal
 */
export const adjustBy = (input: unknown): Duration.Duration | ThreadError =>
  duration({ entry: "TestThreading.adjust", argument: "duration" }, input, rules.grace)
