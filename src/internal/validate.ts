/**
 * The one validated boundary: what every public entry checks in what it is
 * handed — plain JavaScript callers pass anything — before anything runs.
 * One function per entry's input, returning the input as the core uses it, or
 * the `ThreadError` that refuses it (the caller fails with it, or dies where
 * its type has no error channel). The messages name the option or argument;
 * their texts are in `messages.ts`, shared by both editions.
 *
 * The flat options of an entry are a record of Effect refinements
 * (`Predicate.isBoolean`, `Effect.isEffect`, `Schedule.isSchedule`...), one
 * per known key: `Thread.spawn` runs them for every thread, and a
 * refinement costs a few nanoseconds where a compiled `Schema.is` guard
 * costs 60–90 (Effect 4.1, measured). `readOptions.ts` (plain TypeScript,
 * shared by both editions) reads an options object with them: one pass over
 * the keys handed in; only a refused input is gone through again, to say
 * what is wrong. `decode.ts` shows values in messages, decodes durations
 * (what `Duration.fromInputUnsafe` would silently turn into zero — negative
 * numbers, `NaN`, `{}`, `{ secs: 5 }` — refused first) and, with Effect's
 * `Schema`, what has structure: a Duration object, `Threading.formatDump`'s
 * `ThreadDump`, `ThreadingCluster.layer`'s nested options.
 *
 * Effect 4's `Clock` sleeps longer than a Node timer can hold (2^31 - 1 ms) in
 * steps, so a long `shutdownTimeout`, `mainGrace`, `daemonGrace`, `join`
 * timeout or `Timer` interval is honoured as given; the one raw timer of the
 * library (the exit deadline after a signal, `runMain.ts`) is capped at it.
 *
 * @internal
 */
import * as Config from "effect/Config"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Predicate from "effect/Predicate"
import * as Schedule from "effect/Schedule"
import { describe, duration, finiteOrForever, refuse, rules, ThreadTypeId, TimerTypeId } from "./decode.js"
import { ThreadError } from "./errors.js"
import * as messages from "./messages.js"
import * as options_ from "./options.js"
import * as readOptions from "./readOptions.js"

// -----------------------------------------------------------------------------
// Values
// -----------------------------------------------------------------------------

export {
  /**
   * A value as an error message shows it (see `decode.ts`).
   *
   * @internal
   */
  describe
}

const isEffect = (u: unknown): u is Effect.Effect<unknown, unknown, unknown> => Effect.isEffect(u)
const isThread = (u: unknown): u is object => Predicate.hasProperty(u, ThreadTypeId)
const isTimer = (u: unknown): u is object => Predicate.hasProperty(u, TimerTypeId)

/** `ENTRY expects an Effect as its ARGUMENT argument (got ...)`, with what to write instead. */
const notAnEffect = (entry: string, input: unknown, argument?: string): ThreadError =>
  refuse(messages.invalidArgument(entry, "an Effect", describe(input), argument) + messages.effectHint(input))

/**
 * The effect an entry runs (`Thread.spawn`'s target, `Threading.main`'s
 * program...): `undefined` if it is an Effect, else the error naming it.
 *
 * @internal
 */
export const effect = (entry: string, input: unknown, argument?: string): ThreadError | undefined =>
  isEffect(input) ? undefined : notAnEffect(entry, input, argument)

/**
 * `Threading.atExit`'s hook (its message predates this module, and is kept).
 *
 * @internal
 */
export const atExit = (input: unknown): ThreadError | undefined =>
  isEffect(input) ? undefined : refuse(`atExit expects an Effect (got ${describe(input)})`)

/**
 * A `Thread` argument (`start`, `join`, `await`, `isAlive`, `interrupt`, `setDaemon`).
 *
 * @internal
 */
export const thread = (entry: string, input: unknown): ThreadError | undefined =>
  isThread(input) ? undefined : refuse(messages.invalidArgument(entry, "a Thread", describe(input)))

/**
 * A `Timer` argument (`cancel`).
 *
 * @internal
 */
export const timer = (entry: string, input: unknown): ThreadError | undefined =>
  isTimer(input) ? undefined : refuse(messages.invalidArgument(entry, "a Timer", describe(input)))

/**
 * `Thread.setDaemon(self, daemon)`.
 *
 * @internal
 */
export const setDaemon = (self: unknown, daemon: unknown): ThreadError | undefined =>
  thread("Thread.setDaemon", self) ??
    (typeof daemon === "boolean"
      ? undefined
      : refuse(messages.invalidArgument("Thread.setDaemon", "a boolean", describe(daemon), "daemon")))

// -----------------------------------------------------------------------------
// Options
// -----------------------------------------------------------------------------

const isAny = readOptions.isAny

/** `readOptions.read`, a refusal as a `ThreadError`. */
const read = <F extends readOptions.Fields>(
  spec: readOptions.Spec<F>,
  entry: string,
  input: unknown
): readOptions.Checked<F> | ThreadError => {
  const options = readOptions.read(spec, entry, input, describe)
  return readOptions.isRefused(options) ? refuse(options.refused) : options
}

const isTrace = (u: unknown): u is "link" | "child" => u === "link" || u === "child"

const MakeOptions = { name: Predicate.isString, daemon: Predicate.isBoolean, trace: isTrace }
const ShorthandOptions = { name: Predicate.isString }
const PeriodicOptions = { ...MakeOptions, stopOnError: Predicate.isBoolean, immediate: Predicate.isBoolean }
const JoinOptions = { timeout: isAny }
const InstanceOptions = {
  shutdownTimeout: isAny,
  daemonGrace: isAny,
  mainGrace: isAny,
  excepthook: Predicate.isFunction
}
const MainOptions = { ...InstanceOptions, layer: Layer.isLayer }
const LaunchOptions = { ...InstanceOptions, disablePrettyLogger: Predicate.isBoolean }
const RunMainOptions = { ...MainOptions, ...LaunchOptions }
const SingletonOptions = {
  shardGroup: Predicate.isString,
  schedule: Schedule.isSchedule,
  immediate: Predicate.isBoolean,
  stopOnError: Predicate.isBoolean
}

const makeSpec = readOptions.spec(MakeOptions)
const shorthandSpec = readOptions.spec(ShorthandOptions)
const periodicSpec = readOptions.spec(PeriodicOptions)
const joinSpec = readOptions.spec(JoinOptions)
const instanceSpec = readOptions.spec(InstanceOptions)
const mainSpec = readOptions.spec(MainOptions)
const launchSpec = readOptions.spec(LaunchOptions)
const runMainSpec = readOptions.spec(RunMainOptions)
const singletonSpec = readOptions.spec(SingletonOptions)

/** The options of `make` and `spawn`, checked. @internal */
export type MakeOptions = readOptions.Checked<typeof MakeOptions>

// -----------------------------------------------------------------------------
// Thread
// -----------------------------------------------------------------------------

/**
 * `Thread.make`, `Thread.spawn`: the target, then the options.
 *
 * @internal
 */
export const make = (entry: string, target: unknown, options: unknown): MakeOptions | ThreadError =>
  isEffect(target) ? read(makeSpec, entry, options) : notAnEffect(entry, target, "target")

/**
 * `Thread.daemon`, `Thread.nonDaemon`.
 *
 * @internal
 */
export const shorthand = (
  entry: string,
  input: unknown,
  options: unknown
): readOptions.Checked<typeof ShorthandOptions> | ThreadError =>
  isEffect(input) ? read(shorthandSpec, entry, options) : notAnEffect(entry, input, "effect")

/**
 * `Thread.periodic`.
 *
 * @internal
 */
export const periodic = (
  input: unknown,
  schedule: unknown,
  options: unknown
): readOptions.Checked<typeof PeriodicOptions> | ThreadError => {
  if (!isEffect(input)) return notAnEffect("Thread.periodic", input, "effect")
  if (!Schedule.isSchedule(schedule)) {
    return refuse(messages.invalidArgument("Thread.periodic", "a Schedule", describe(schedule), "schedule"))
  }
  return read(periodicSpec, "Thread.periodic", options)
}

/**
 * `Thread.timer`, `Thread.makeTimer`: the interval (a negative number counts
 * as zero, as in Python), the effect, the options.
 *
 * @internal
 */
export const makeTimer = (
  entry: string,
  interval: unknown,
  input: unknown,
  options: unknown
): { readonly interval: Duration.Duration; readonly options: MakeOptions } | ThreadError => {
  const decoded = duration("interval", interval, rules.timeout)
  if (decoded instanceof ThreadError) return decoded
  if (!isEffect(input)) return notAnEffect(entry, input, "effect")
  const read_ = read(makeSpec, entry, options)
  return read_ instanceof ThreadError ? read_ : { interval: decoded, options: read_ }
}

/**
 * `Thread.join`'s options: the timeout (a negative number counts as zero, as
 * in Python), `undefined` for none.
 *
 * @internal
 */
export const join = (options: unknown): Duration.Duration | undefined | ThreadError => {
  const read_ = read(joinSpec, "Thread.join", options)
  if (read_ instanceof ThreadError) return read_
  return read_.timeout === undefined ? undefined : duration("timeout", read_.timeout, rules.timeout)
}

/**
 * `Thread.singleton`.
 *
 * @internal
 */
export const singleton = (
  name: unknown,
  input: unknown,
  options: unknown
): readOptions.Checked<typeof SingletonOptions> | ThreadError => {
  if (typeof name !== "string" || name.length === 0) {
    return refuse("Thread.singleton needs a non-empty name (the same on every runner)")
  }
  if (!isEffect(input)) return notAnEffect("Thread.singleton", input, "effect")
  return read(singletonSpec, "Thread.singleton", options)
}

// -----------------------------------------------------------------------------
// Threading
// -----------------------------------------------------------------------------

/** The instance options among `options`, decoded and filled in. */
const resolve = (options: readOptions.Checked<typeof InstanceOptions>): options_.Resolved | ThreadError => {
  const shutdownTimeout = finiteOrForever("shutdownTimeout", options.shutdownTimeout)
  if (shutdownTimeout instanceof ThreadError) return shutdownTimeout
  const daemonGrace = options.daemonGrace === undefined
    ? options_.DEFAULT_DAEMON_GRACE
    : duration("daemonGrace", options.daemonGrace, rules.grace)
  if (daemonGrace instanceof ThreadError) return daemonGrace
  const mainGrace = finiteOrForever("mainGrace", options.mainGrace)
  if (mainGrace instanceof ThreadError) return mainGrace
  const excepthook = options.excepthook as options_.Resolved["excepthook"]
  return { shutdownTimeout, daemonGrace, mainGrace, excepthook }
}

/**
 * `Threading.layer`'s options.
 *
 * @internal
 */
export const layer = (options: unknown): options_.Resolved | ThreadError => {
  const read_ = read(instanceSpec, "Threading.layer", options)
  return read_ instanceof ThreadError ? read_ : resolve(read_)
}

/**
 * An entry point's input, checked: the instance's options, the app's layer,
 * and whether to keep Effect's default loggers (`runMain`, `launch`).
 *
 * @internal
 */
export interface Entry {
  readonly options: options_.Resolved
  readonly layer: Layer.Layer<any, any, any> | undefined
  readonly disablePrettyLogger: boolean
}

const entryOf = (
  entry: string,
  spec: readOptions.Spec<typeof RunMainOptions>,
  program: unknown,
  argument: string,
  options: unknown
): Entry | ThreadError => {
  const invalid = argument === "layer"
    ? (Layer.isLayer(program)
      ? undefined
      : refuse(messages.invalidArgument(entry, "a Layer", describe(program), argument)))
    : effect(entry, program, argument)
  if (invalid !== undefined) return invalid
  const read_ = read(spec, entry, options)
  if (read_ instanceof ThreadError) return read_
  const resolved = resolve(read_)
  return resolved instanceof ThreadError
    ? resolved
    : { options: resolved, layer: read_.layer, disablePrettyLogger: read_.disablePrettyLogger === true }
}

/**
 * `Threading.main`.
 *
 * @internal
 */
export const main = (program: unknown, options: unknown): Entry | ThreadError =>
  entryOf("Threading.main", mainSpec, program, "program", options)

/**
 * `Threading.runMain`.
 *
 * @internal
 */
export const runMain = (program: unknown, options: unknown): Entry | ThreadError =>
  entryOf("Threading.runMain", runMainSpec, program, "program", options)

/**
 * `Threading.launch`: the layer is the app, not an option.
 *
 * @internal
 */
export const launch = (app: unknown, options: unknown): Entry | ThreadError =>
  entryOf("Threading.launch", launchSpec, app, "layer", options)

// -----------------------------------------------------------------------------
// ThreadingCluster (its options, with structure, are decode.ts's)
// -----------------------------------------------------------------------------

/**
 * `ThreadingCluster.layerConfig`'s argument.
 *
 * @internal
 */
export const config = (input: unknown): ThreadError | undefined =>
  Config.isConfig(input)
    ? undefined
    : refuse(messages.invalidArgument("ThreadingCluster.layerConfig", "a Config", describe(input)))

/**
 * `ThreadingCluster.layerFrom`'s argument.
 *
 * @internal
 */
export const sharding = (input: unknown): ThreadError | undefined =>
  Layer.isLayer(input)
    ? undefined
    : refuse(messages.invalidArgument("ThreadingCluster.layerFrom", "a Layer", describe(input)))
