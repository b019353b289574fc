/**
 * The one validated boundary: what every public entry checks in what it is
 * handed — plain JavaScript callers pass anything — before anything runs.
 * One function per entry's input, returning the input as the core uses it, or
 * the `ThreadError` that refuses it (the caller fails with it, or dies where
 * its type has no error channel). The messages name the option or argument;
 * their texts are in `messages.ts`, shared by both editions.
 *
 * The flat options of an entry are a record of fields: an Effect refinement
 * (`Predicate.isBoolean`, `Layer.isLayer`, `Schedule.isSchedule`...) and what
 * the option expects, one per known key. `Thread.spawn` runs them for every
 * thread, and a refinement costs a few nanoseconds where a compiled
 * `Schema.is` guard costs 60–90 (Effect 4.1, measured). `readOptions.ts`
 * (plain TypeScript, shared by both editions) reads an options object with
 * them: one pass over the keys handed in; only a refused input is gone
 * through again, to say what is wrong. `decode.ts` shows values in messages,
 * decodes durations (what `Duration.fromInputUnsafe` would silently turn into
 * zero — negative numbers, `NaN`, `{}`, `{ secs: 5 }` — refused first) and,
 * with Effect's `Schema`, what has structure: a Duration object,
 * `Threading.formatDump`'s `ThreadDump`, `ThreadingCluster.layer`'s options.
 *
 * Effect 4's `Clock` sleeps longer than a Node timer can hold (2^31 - 1 ms) in
 * steps, so a long `shutdownTimeout`, `mainGrace`, `daemonGrace`, `drainDelay`,
 * `join` timeout or `Timer` interval is honoured as given; the one raw timer
 * of the library (the exit deadline after a signal, `node.ts`) is capped at it.
 *
 * @internal
 */
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

export {
  /**
   * A value as an error message shows it (see `decode.ts`).
   *
   * @internal
   */
  describe
}

// -----------------------------------------------------------------------------
// Arguments
// -----------------------------------------------------------------------------

const isEffect = (u: unknown): u is Effect.Effect<unknown, unknown, unknown> => Effect.isEffect(u)

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
 * An argument that must pass `is` (`Thread.start`'s thread...): `undefined`
 * if it does, else `ENTRY expects WHAT (got ...)`.
 *
 * @internal
 */
export const argument = (
  entry: string,
  input: unknown,
  is: (u: unknown) => boolean,
  what: string,
  name?: string
): ThreadError | undefined =>
  is(input) ? undefined : refuse(messages.invalidArgument(entry, what, describe(input), name))

/**
 * `Threading.atExit`'s hook (its message predates this module, and is kept).
 *
 * @internal
 */
export const atExit = (input: unknown): ThreadError | undefined =>
  isEffect(input) ? undefined : refuse(`atExit expects an Effect (got ${describe(input)})`)

const isThread = (u: unknown): boolean => Predicate.hasProperty(u, ThreadTypeId)
const isTimer = (u: unknown): boolean => Predicate.hasProperty(u, TimerTypeId)

/**
 * A `Thread` argument (`start`, `join`, `await`, `isAlive`, `interrupt`, `setDaemon`).
 *
 * @internal
 */
export const thread = (entry: string, input: unknown): ThreadError | undefined =>
  argument(entry, input, isThread, "a Thread")

/**
 * A `Timer` argument (`cancel`).
 *
 * @internal
 */
export const timer = (entry: string, input: unknown): ThreadError | undefined =>
  argument(entry, input, isTimer, "a Timer")

/**
 * `Thread.setDaemon`'s flag.
 *
 * @internal
 */
export const daemonFlag = (input: unknown): ThreadError | undefined =>
  argument("Thread.setDaemon", input, Predicate.isBoolean, "a boolean", "daemon")

// -----------------------------------------------------------------------------
// Options: the fields of each entry's options
// -----------------------------------------------------------------------------

const { any, field } = readOptions

/**
 * `readOptions.read`, a refusal as a `ThreadError`.
 *
 * @internal
 */
export const read = <F extends readOptions.Fields>(
  spec: readOptions.Spec<F>,
  entry: string,
  input: unknown
): readOptions.Checked<F> | ThreadError => {
  const options = readOptions.read(spec, entry, input, describe)
  return readOptions.isRefused(options) ? refuse(options.refused) : options
}

/** @internal */
export const boolean = field(Predicate.isBoolean, messages.expected.boolean)
/** @internal */
export const schedule = field(Schedule.isSchedule, messages.expected.schedule)
const string = field(Predicate.isString, messages.expected.string)
const isTrace = (u: unknown): u is "link" | "child" => u === "link" || u === "child"

const MakeOptions = { name: string, daemon: boolean, trace: field(isTrace, messages.expected.trace) }
const ShorthandOptions = { name: string }
const PeriodicOptions = { ...MakeOptions, stopOnError: boolean, immediate: boolean }
const JoinOptions = { timeout: any }
const InstanceOptions = {
  shutdownTimeout: any,
  daemonGrace: any,
  mainGrace: any,
  excepthook: field(Predicate.isFunction, messages.expected.excepthook),
  excepthookTimeout: any
}
/** @internal */
export const MainOptions = { ...InstanceOptions, layer: field(Layer.isLayer, messages.expected.layer) }
/**
 * The options only the Node entry points (`runMain`, `launch`) have. A new
 * one: its field here, its decoding in `nodeOptions`, its type in
 * `options.ts` (`ResolvedEntry`) and `Threading.ts`.
 */
const isUncaught = (u: unknown): u is "shutdown" | "crash" => u === "shutdown" || u === "crash"
const NodeOptions = {
  disablePrettyLogger: boolean,
  drainDelay: any,
  uncaught: field(isUncaught, messages.expected.uncaught)
}
const LaunchOptions = { ...InstanceOptions, ...NodeOptions }
const RunMainOptions = { ...MainOptions, ...NodeOptions }

const makeSpec = readOptions.spec(MakeOptions)
const shorthandSpec = readOptions.spec(ShorthandOptions)
const periodicSpec = readOptions.spec(PeriodicOptions)
const joinSpec = readOptions.spec(JoinOptions)
const instanceSpec = readOptions.spec(InstanceOptions)
/** @internal */
export const mainSpec = readOptions.spec(MainOptions)
const launchSpec = readOptions.spec(LaunchOptions)
const runMainSpec = readOptions.spec(RunMainOptions)

/** The options of `make` and `spawn`, checked. @internal */
export type MakeOptions = readOptions.Checked<typeof MakeOptions>

// -----------------------------------------------------------------------------
// Thread
// -----------------------------------------------------------------------------

/**
 * The options of `Thread.make`, `Thread.spawn` (their target is checked by
 * `effect`, as the call is made).
 *
 * @internal
 */
export const makeOptions = (entry: string, options: unknown): MakeOptions | ThreadError =>
  read(makeSpec, entry, options)

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
): readOptions.Checked<typeof PeriodicOptions> | ThreadError =>
  effect("Thread.periodic", input, "effect") ??
    argument("Thread.periodic", schedule, Schedule.isSchedule, "a Schedule", "schedule") ??
    read(periodicSpec, "Thread.periodic", options)

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
  const decoded = duration({ entry, argument: "interval" }, interval, rules.timeout)
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

// -----------------------------------------------------------------------------
// Threading: the entry points
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
  const excepthookTimeout = options.excepthookTimeout === undefined
    ? options_.DEFAULT_EXCEPTHOOK_TIMEOUT
    : duration("excepthookTimeout", options.excepthookTimeout, rules.grace)
  if (excepthookTimeout instanceof ThreadError) return excepthookTimeout
  return { shutdownTimeout, daemonGrace, mainGrace, excepthook, excepthookTimeout }
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
 * An entry point's input, checked: the instance's options and the app's layer.
 *
 * @internal
 */
export interface Entry {
  readonly options: options_.Resolved
  readonly layer: Layer.Layer<any, any, any> | undefined
}

/**
 * `Threading.main`'s input, or that of an entry that runs `main` (`entry`
 * names it in the messages: `TestThreading.fork`).
 *
 * @internal
 */
export const main = (program: unknown, options: unknown, entry: string = "Threading.main"): Entry | ThreadError => {
  const invalid = effect(entry, program, "program")
  if (invalid !== undefined) return invalid
  const read_ = read(mainSpec, entry, options)
  if (read_ instanceof ThreadError) return read_
  const resolved = resolve(read_)
  return resolved instanceof ThreadError ? resolved : { options: resolved, layer: read_.layer }
}

/**
 * A Node entry point's input (`runMain`, `launch`), checked: `main`'s, and
 * its own options (`options_.ResolvedEntry`).
 *
 * @internal
 */
export interface NodeEntry extends Entry, options_.ResolvedEntry {}

/** The Node entry points' own options, decoded and filled in. */
const nodeOptions = (options: readOptions.Checked<typeof NodeOptions>): options_.ResolvedEntry | ThreadError => {
  const drainDelay = options.drainDelay === undefined
    ? options_.DEFAULT_DRAIN_DELAY
    : duration("drainDelay", options.drainDelay, rules.grace)
  if (drainDelay instanceof ThreadError) return drainDelay
  return {
    disablePrettyLogger: options.disablePrettyLogger === true,
    drainDelay,
    uncaught: options.uncaught ?? "shutdown"
  }
}

const nodeEntry = (
  entry: string,
  spec: readOptions.Spec<typeof RunMainOptions>,
  options: unknown
): NodeEntry | ThreadError => {
  const read_ = read(spec, entry, options)
  if (read_ instanceof ThreadError) return read_
  const resolved = resolve(read_)
  if (resolved instanceof ThreadError) return resolved
  const node = nodeOptions(read_)
  return node instanceof ThreadError ? node : { options: resolved, layer: read_.layer, ...node }
}

/**
 * `Threading.runMain`.
 *
 * @internal
 */
export const runMain = (program: unknown, options: unknown): NodeEntry | ThreadError =>
  effect("Threading.runMain", program, "program") ?? nodeEntry("Threading.runMain", runMainSpec, options)

/**
 * `Threading.launch`: the layer is the app, not an option.
 *
 * @internal
 */
export const launch = (app: unknown, options: unknown): NodeEntry | ThreadError =>
  argument("Threading.launch", app, Layer.isLayer, "a Layer", "layer") ??
    nodeEntry("Threading.launch", launchSpec, options)
