/**
 * Values as the validated boundary (`validate.ts`) reads them, where Effect
 * knows what they are: how a value is shown in a message (a Duration as
 * `Duration.format` writes it, an Effect as `an Effect`) and the decoding of
 * durations (`Duration.decode`, with what it would silently turn into zero
 * refused first, and what Effect 3's `Clock` would never wake from). The
 * Effect 4 edition's module of the same name also decodes its structured
 * input (a Duration object, a `ThreadDump`, cluster options) with `Schema`;
 * this edition takes none.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Predicate from "effect/Predicate"
import { ThreadError } from "./errors.js"
import * as messages from "./messages.js"

// -----------------------------------------------------------------------------
// Values
// -----------------------------------------------------------------------------

/**
 * The type id of `Thread`, as `Symbol.for` gives it to every copy of the
 * library (`Thread.TypeId`): checked here without importing the modules that
 * define the models.
 *
 * @internal
 */
export const ThreadTypeId = Symbol.for("effect-threading/Thread")

/**
 * The type id of `Timer` (`Thread.TimerTypeId`), as `ThreadTypeId`.
 *
 * @internal
 */
export const TimerTypeId = Symbol.for("effect-threading/Timer")

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

/**
 * The `ThreadError` that refuses bad input.
 *
 * @internal
 */
export const refuse = (message: string): ThreadError => new ThreadError({ message })

// -----------------------------------------------------------------------------
// Durations
// -----------------------------------------------------------------------------

const isNegativeOrNaN = (n: number) => Number.isNaN(n) || n < 0

/**
 * What a duration may be, besides finite, non-negative and within what a
 * timer holds: infinite (it then means "wait forever"), and negative numbers
 * counted as zero (Python's `join` and `Timer`).
 *
 * @internal
 */
export interface DurationRule {
  readonly infinite: boolean
  readonly negativeAsZero: boolean
}

/**
 * Decodes a user-supplied duration, refusing what `Duration.decode` would
 * silently turn into zero (negative numbers, `NaN`) or throw on, and a finite
 * one Effect 3's Clock would never wake from. `subject` is what the message
 * names: an option, or an entry's argument.
 *
 * @internal
 */
export const duration = (
  subject: messages.Subject,
  input: unknown,
  rule: DurationRule
): Duration.Duration | ThreadError => {
  const invalid = (why: string) => refuse(messages.invalidValue(subject, why, describe(input)))
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

/**
 * The rules of the library's durations: a wait that may be forever
 * (`shutdownTimeout`, `mainGrace`), a grace that must end (`daemonGrace`),
 * Python's timeouts (`join`, `Timer`: a negative number is zero).
 *
 * @internal
 */
export const rules = {
  wait: { infinite: true, negativeAsZero: false },
  grace: { infinite: false, negativeAsZero: false },
  timeout: { infinite: true, negativeAsZero: true }
} as const satisfies Record<string, DurationRule>

/**
 * A duration that may be infinite, `undefined` (forever) when it is.
 *
 * @internal
 */
export const finiteOrForever = (name: string, input: unknown): Duration.Duration | undefined | ThreadError => {
  if (input === undefined) return undefined
  const decoded = duration(name, input, rules.wait)
  return decoded instanceof ThreadError || Duration.isFinite(decoded) ? decoded : undefined
}
