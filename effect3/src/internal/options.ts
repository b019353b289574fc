import type * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import type { Thread } from "../Thread.js"
import { ThreadError } from "./errors.js"

/** @internal */
export interface Options {
  readonly shutdownTimeout?: Duration.DurationInput | undefined
  readonly daemonGrace?: Duration.DurationInput | undefined
  readonly mainGrace?: Duration.DurationInput | undefined
  readonly excepthook?: ((thread: Thread, cause: Cause.Cause<unknown>) => Effect.Effect<void>) | undefined
  readonly excepthookTimeout?: Duration.DurationInput | undefined
}

/** @internal */
export interface MainOptions<ROut, LE> extends Options {
  readonly layer?: Layer.Layer<ROut, LE, any> | undefined
}

/** @internal */
export interface Resolved {
  /** `undefined` means "wait forever", as Python does. */
  readonly shutdownTimeout: Duration.Duration | undefined
  readonly daemonGrace: Duration.Duration
  /** `undefined` means "wait for the main program's finalizers", as Python does. */
  readonly mainGrace: Duration.Duration | undefined
  readonly excepthook: ((thread: Thread, cause: Cause.Cause<unknown>) => Effect.Effect<void>) | undefined
  /** How long a user's excepthook may run before it is given up. */
  readonly excepthookTimeout: Duration.Duration
}

/** @internal */
export const DEFAULT_DAEMON_GRACE: Duration.Duration = Duration.seconds(5)

/** @internal */
export const DEFAULT_EXCEPTHOOK_TIMEOUT: Duration.Duration = Duration.seconds(5)

const invalid = (name: string, input: unknown, why: string) =>
  new ThreadError({ message: `invalid option ${name}: ${why} (got ${describe(input)})` })

const describe = (input: unknown): string => {
  if (typeof input === "string") return JSON.stringify(input)
  // JSON.stringify(NaN) and JSON.stringify(Infinity) are "null"
  if (typeof input === "number") return String(input)
  if (typeof input === "bigint") return `${input}n`
  if (Duration.isDuration(input)) return Duration.format(input)
  try {
    return JSON.stringify(input) ?? String(input)
  } catch {
    return String(input)
  }
}

const isNegativeOrNaN = (n: number) => Number.isNaN(n) || n < 0

/**
 * Copies the options `keys` out of a user's options object, whose getters
 * may throw: a throwing getter gives a `ThreadError` naming the option,
 * instead of an exception escaping from the caller. `undefined` (or `null`)
 * gives `{}`.
 *
 * @internal
 */
export const read = <O extends object, K extends keyof O & string>(
  options: O | null | undefined,
  keys: ReadonlyArray<K>
): Partial<Pick<O, K>> | ThreadError => {
  const copy: Partial<Pick<O, K>> = {}
  if (options === undefined || options === null) return copy
  for (const key of keys) {
    try {
      const value = options[key]
      if (value !== undefined) copy[key] = value
    } catch (error) {
      return new ThreadError({ message: `invalid option ${key}: reading it threw ${String(error)}` })
    }
  }
  return copy
}

/**
 * A value as an error message shows it: a function as `a function`, other
 * values as `describe` does.
 *
 * @internal
 */
export const describeValue = (input: unknown): string => typeof input === "function" ? "a function" : describe(input)

/**
 * Decodes a user-supplied duration, refusing what `Duration.decode` would
 * silently turn into zero (negative numbers, `NaN`) or throw on.
 *
 * @internal
 */
export const decodeDuration = (
  name: string,
  input: unknown,
  allowInfinite: boolean
): Duration.Duration | ThreadError => {
  if (typeof input === "number" && isNegativeOrNaN(input)) {
    return invalid(name, input, "expected a non-negative duration")
  }
  if (typeof input === "bigint" && input < BigInt(0)) {
    return invalid(name, input, "expected a non-negative duration")
  }
  if (Array.isArray(input) && input.some((n) => typeof n !== "number" || isNegativeOrNaN(n))) {
    return invalid(name, input, "expected a non-negative [seconds, nanos] pair")
  }
  if (typeof input === "string") {
    const value = Number.parseFloat(input)
    if (isNegativeOrNaN(value)) return invalid(name, input, "expected a non-negative duration")
  }
  let decoded: Duration.Duration
  try {
    decoded = Duration.decode(input as Duration.DurationInput)
  } catch {
    return invalid(name, input, "expected a Duration, a number of milliseconds or a string like \"5 seconds\"")
  }
  if (!allowInfinite && !Duration.isFinite(decoded)) {
    return invalid(name, input, "expected a finite duration")
  }
  return decoded
}

/**
 * Decodes a wait's timeout as Python does for `join` and `Timer`: a negative
 * number counts as zero; anything that is not a duration is refused.
 *
 * @internal
 */
export const decodeTimeout = (name: string, input: Duration.DurationInput): Duration.Duration | ThreadError =>
  decodeDuration(name, typeof input === "number" && input < 0 ? 0 : input, true)

/**
 * Validates and fills in the options of an instance. Bad input is a
 * `ThreadError` naming the option, returned (not thrown) so the caller can
 * fail at construction time instead of hanging later.
 *
 * @internal
 */
export const resolve = (input: Options | undefined): Resolved | ThreadError => {
  const options = read(input, ["shutdownTimeout", "daemonGrace", "mainGrace", "excepthook", "excepthookTimeout"])
  if (options instanceof ThreadError) return options
  let shutdownTimeout: Duration.Duration | undefined = undefined
  if (options.shutdownTimeout !== undefined) {
    const decoded = decodeDuration("shutdownTimeout", options.shutdownTimeout, true)
    if (decoded instanceof ThreadError) return decoded
    shutdownTimeout = Duration.isFinite(decoded) ? decoded : undefined
  }
  let daemonGrace = DEFAULT_DAEMON_GRACE
  if (options.daemonGrace !== undefined) {
    const decoded = decodeDuration("daemonGrace", options.daemonGrace, false)
    if (decoded instanceof ThreadError) return decoded
    daemonGrace = decoded
  }
  let mainGrace: Duration.Duration | undefined = undefined
  if (options.mainGrace !== undefined) {
    const decoded = decodeDuration("mainGrace", options.mainGrace, true)
    if (decoded instanceof ThreadError) return decoded
    mainGrace = Duration.isFinite(decoded) ? decoded : undefined
  }
  const excepthook = options.excepthook
  if (excepthook !== undefined && typeof excepthook !== "function") {
    return invalid("excepthook", excepthook, "expected a function (thread, cause) => Effect<void>")
  }
  let excepthookTimeout = DEFAULT_EXCEPTHOOK_TIMEOUT
  if (options.excepthookTimeout !== undefined) {
    const decoded = decodeDuration("excepthookTimeout", options.excepthookTimeout, false)
    if (decoded instanceof ThreadError) return decoded
    excepthookTimeout = decoded
  }
  return { shutdownTimeout, daemonGrace, mainGrace, excepthook, excepthookTimeout }
}

/**
 * The options only the Node entry point (`runMain`) has.
 *
 * @internal
 */
export interface EntryOptions {
  readonly disablePrettyLogger?: boolean | undefined
  readonly uncaught?: "shutdown" | "crash" | undefined
}

/** @internal */
export interface ResolvedEntry {
  readonly disablePrettyLogger: boolean
  /** What an uncaught exception (or unhandled rejection) does: stop as after a signal, or Node's crash. */
  readonly uncaught: "shutdown" | "crash"
}

/**
 * Validates and fills in the options of the entry point, as `resolve` does an
 * instance's: `uncaught` must be `"shutdown"` or `"crash"`.
 *
 * @internal
 */
export const resolveEntry = (input: EntryOptions | undefined): ResolvedEntry | ThreadError => {
  const options = read(input, ["disablePrettyLogger", "uncaught"])
  if (options instanceof ThreadError) return options
  const uncaught = options.uncaught ?? "shutdown"
  if (uncaught !== "shutdown" && uncaught !== "crash") {
    return invalid("uncaught", uncaught, "expected \"shutdown\" or \"crash\"")
  }
  return { disablePrettyLogger: options.disablePrettyLogger === true, uncaught }
}
