/**
 * The one validated boundary: what every public entry checks in what it is
 * handed — plain JavaScript callers pass anything — before anything runs.
 * One function per entry's input, returning the input as the core uses it, or
 * the `ThreadError` that refuses it (the caller fails with it, or dies where
 * its type has no error channel). The messages name the option or argument;
 * their texts are in `messages.ts`, shared by both editions.
 *
 * The options of an entry are a record of Effect refinements
 * (`Predicate.isBoolean`, `Effect.isEffect`, `Schedule.isSchedule`...), one
 * per known key: `Thread.spawn` runs them for every thread, where Effect
 * 3.22's `Schema.is` costs a few hundred nanoseconds per value (it spreads
 * its options on every call: measured) — more than this edition's whole
 * bookkeeping of a spawn. The valid path is one pass over the keys handed
 * in; only a refused input is gone through again, to say what is wrong.
 * (This edition's entries take no structured input: the Effect 4 edition
 * decodes its Duration objects, `ThreadDump` and cluster options with
 * `Schema`.) Durations are decoded by `Duration.decode`, with what it would
 * silently turn into zero (negative numbers, `NaN`) refused first.
 *
 * Effect 3's `Clock` treats a sleep longer than a Node timer can hold
 * (2^31 - 1 ms, about 24.8 days) as infinite: it never wakes. So a finite
 * `shutdownTimeout`, `mainGrace`, `daemonGrace`, `join` timeout or `Timer`
 * interval longer than that is refused here rather than silently turned into
 * "forever" (`Infinity` still means forever where it is allowed).
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Predicate from "effect/Predicate"
import * as Schedule from "effect/Schedule"
import { ThreadError } from "./errors.js"
import * as messages from "./messages.js"
import * as options_ from "./options.js"

// -----------------------------------------------------------------------------
// Values
// -----------------------------------------------------------------------------

/**
 * The type ids of the library's models, as `Symbol.for` gives them to every
 * copy of the library (`Thread.TypeId`, `Thread.TimerTypeId`): checked here
 * without importing the modules that define the models.
 */
const ThreadTypeId = Symbol.for("effect-threading/Thread")
const TimerTypeId = Symbol.for("effect-threading/Timer")

/**
 * A value as an error message shows it (`messages.describe`), Effect's own
 * values by what they are: a Duration as `Duration.format` writes it, an
 * Effect as `an Effect`, a thread as its `toString`.
 *
 * @internal
 */
export const describe = (input: unknown): string => {
  try {
    if (Duration.isDuration(input)) return Duration.format(input)
    if (Effect.isEffect(input)) return "an Effect"
    if (Predicate.hasProperty(input, ThreadTypeId)) return String(input) // <Thread(worker, started 7)>
  } catch {
    // a Proxy that throws on `in`: shown as what it is otherwise
  }
  return messages.describe(input)
}

const refuse = (message: string): ThreadError => new ThreadError({ message })

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

/** What the message of an option says it expects, by the option's name. */
const expectations: Readonly<Record<string, string>> = {
  name: messages.expected.string,
  daemon: messages.expected.boolean,
  stopOnError: messages.expected.boolean,
  immediate: messages.expected.boolean,
  excepthook: messages.expected.excepthook,
  layer: messages.expected.layer,
  disablePrettyLogger: messages.expected.boolean
}

/** The refinement of each option of an entry, by its key. */
type Fields = Readonly<Record<string, (u: unknown) => boolean>>

/** The options of `F`, checked: each optional, of its refinement's type. */
type Checked<F extends Fields> = {
  readonly [K in keyof F]?: F[K] extends (u: unknown) => u is infer T ? T : unknown
}

/** The options of an entry: its known keys and the guard of each (`undefined` passes: not given). */
interface Spec<F extends Fields> {
  readonly known: ReadonlyArray<string>
  readonly guards: Readonly<Record<string, (u: unknown) => boolean>>
  /** The options' type once checked (phantom). */
  readonly _T?: Checked<F>
}

const specOf = <F extends Fields>(fields: F): Spec<F> => {
  const guards: Record<string, (u: unknown) => boolean> = Object.create(null)
  for (const key of Object.keys(fields)) {
    const is = fields[key]
    guards[key] = (u) => u === undefined || is(u)
  }
  return { known: Object.keys(fields), guards }
}

/** Durations are decoded after the keys are checked (`duration`): any value passes. */
const isAny = (_: unknown): _ is unknown => true

const MakeOptions = { name: Predicate.isString, daemon: Predicate.isBoolean }
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
const RunMainOptions = { ...MainOptions, disablePrettyLogger: Predicate.isBoolean }

const makeSpec = specOf(MakeOptions)
const shorthandSpec = specOf(ShorthandOptions)
const periodicSpec = specOf(PeriodicOptions)
const joinSpec = specOf(JoinOptions)
const instanceSpec = specOf(InstanceOptions)
const mainSpec = specOf(MainOptions)
const runMainSpec = specOf(RunMainOptions)

/** The options of `make` and `spawn`, checked. @internal */
export type MakeOptions = Checked<typeof MakeOptions>

const noOptions = {}

/**
 * Copies the options `input` has for `spec`, checking each: the copy (so
 * that a getter is read once), or the error. `undefined` or `null` is no
 * options. Anything off — a key `spec` does not know, a value its guard
 * refuses, a getter that throws — is left to `refused`, which says what.
 */
const read = <F extends Fields>(spec: Spec<F>, entry: string, input: unknown): Checked<F> | ThreadError => {
  if (input === undefined || input === null) return noOptions
  if (typeof input !== "object" || Array.isArray(input)) {
    return refuse(messages.invalidOptions(entry, spec.known, describe(input)))
  }
  const copy: Record<string, unknown> = {}
  try {
    for (const key in input) {
      const guard = spec.guards[key]
      if (guard === undefined) return refused(spec, entry, input)
      const value = (input as Record<string, unknown>)[key]
      if (!guard(value)) return refused(spec, entry, input)
      if (value !== undefined) copy[key] = value
    }
  } catch {
    return refused(spec, entry, input)
  }
  return copy as Checked<F>
}

/** What is wrong with options `read` refused: the first key, in their order, that is unknown, unreadable or invalid. */
const refused = <F extends Fields>(spec: Spec<F>, entry: string, input: object): Checked<F> | ThreadError => {
  let keys: Array<string>
  try {
    keys = []
    for (const key in input) keys.push(key)
  } catch (error) {
    return refuse(messages.optionsThrew(entry, error))
  }
  const copy: Record<string, unknown> = {}
  for (const key of keys) {
    const guard = spec.guards[key]
    if (guard === undefined) return refuse(messages.unknownOption(key, entry, spec.known))
    let value: unknown
    try {
      value = (input as Record<string, unknown>)[key]
    } catch (error) {
      return refuse(messages.optionThrew(key, error))
    }
    if (!guard(value)) return refuse(messages.invalidOption(key, expectations[key], describe(value)))
    if (value !== undefined) copy[key] = value
  }
  // Nothing wrong the second time (a getter that threw once): the values read now.
  return copy as Checked<F>
}

// -----------------------------------------------------------------------------
// Durations
// -----------------------------------------------------------------------------

const isNegativeOrNaN = (n: number) => Number.isNaN(n) || n < 0

/**
 * What a duration may be, besides finite, non-negative and within what a
 * timer holds: infinite (it then means "wait forever"), and negative numbers
 * counted as zero (Python's `join` and `Timer`).
 */
interface DurationRule {
  readonly infinite: boolean
  readonly negativeAsZero: boolean
}

/**
 * Decodes a user-supplied duration, refusing what `Duration.decode` would
 * silently turn into zero (negative numbers, `NaN`) or throw on, and a finite
 * one Effect 3's Clock would never wake from.
 */
const duration = (name: string, input: unknown, rule: DurationRule): Duration.Duration | ThreadError => {
  const invalid = (why: string) => refuse(messages.invalidOption(name, why, describe(input)))
  if (typeof input === "number" && isNegativeOrNaN(input)) {
    return rule.negativeAsZero && input < 0 ? Duration.zero : invalid(messages.expected.nonNegative)
  }
  if (typeof input === "bigint" && input < BigInt(0)) return invalid(messages.expected.nonNegative)
  if (Array.isArray(input)) {
    if (input.length !== 2 || input.some((n) => typeof n !== "number" || isNegativeOrNaN(n))) {
      return invalid(messages.expected.pair)
    }
  } else if (typeof input === "string") {
    if (isNegativeOrNaN(Number.parseFloat(input))) return invalid(messages.expected.nonNegative)
  }
  let decoded: Duration.Duration
  try {
    decoded = Duration.decode(input as Duration.DurationInput)
  } catch {
    return invalid(messages.expected.duration)
  }
  if (!Duration.isFinite(decoded)) return rule.infinite ? decoded : invalid(messages.expected.finite)
  if (Duration.toMillis(decoded) > messages.maxTimerMillis) {
    return invalid(rule.infinite ? messages.expected.withinTimerOrInfinity : messages.expected.withinTimer)
  }
  return decoded
}

const wait: DurationRule = { infinite: true, negativeAsZero: false }
const grace: DurationRule = { infinite: false, negativeAsZero: false }
const timeout: DurationRule = { infinite: true, negativeAsZero: true }

/** A duration that may be infinite, `undefined` (forever) when it is. */
const finiteOrForever = (name: string, input: unknown): Duration.Duration | undefined | ThreadError => {
  if (input === undefined) return undefined
  const decoded = duration(name, input, wait)
  return decoded instanceof ThreadError || Duration.isFinite(decoded) ? decoded : undefined
}

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
): Checked<typeof ShorthandOptions> | ThreadError =>
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
): Checked<typeof PeriodicOptions> | ThreadError => {
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
  const decoded = duration("interval", interval, timeout)
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
  return read_.timeout === undefined ? undefined : duration("timeout", read_.timeout, timeout)
}

// -----------------------------------------------------------------------------
// Threading
// -----------------------------------------------------------------------------

/** The instance options among `options`, decoded and filled in. */
const resolve = (options: Checked<typeof InstanceOptions>): options_.Resolved | ThreadError => {
  const shutdownTimeout = finiteOrForever("shutdownTimeout", options.shutdownTimeout)
  if (shutdownTimeout instanceof ThreadError) return shutdownTimeout
  const daemonGrace = options.daemonGrace === undefined
    ? options_.DEFAULT_DAEMON_GRACE
    : duration("daemonGrace", options.daemonGrace, grace)
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
 * and whether to keep Effect's default loggers (`runMain`).
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
  spec: Spec<typeof RunMainOptions>,
  program: unknown,
  options: unknown
): Entry | ThreadError => {
  const invalid = effect(entry, program, "program")
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
  entryOf("Threading.main", mainSpec, program, options)

/**
 * `Threading.runMain`.
 *
 * @internal
 */
export const runMain = (program: unknown, options: unknown): Entry | ThreadError =>
  entryOf("Threading.runMain", runMainSpec, program, options)
