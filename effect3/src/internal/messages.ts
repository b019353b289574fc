/**
 * The texts of the errors that refuse bad input: what an option or argument
 * expects, how the value handed in is shown, the known option an unknown key
 * is a near miss of. Plain TypeScript (no `effect` import), byte-identical in
 * both editions (`src/internal/messages.ts`, `effect3/src/internal/messages.ts`):
 * `validate.ts` of each edition decides what is refused, this module says it.
 *
 * @internal
 */

/**
 * The longest wait a timer can hold: Node's `setTimeout` fires at once (with
 * a `TimeoutOverflowWarning`) beyond 2^31 - 1 ms, about 24.8 days.
 *
 * @internal
 */
export const maxTimerMillis = 2 ** 31 - 1

/**
 * What an option (by its name) or an argument expects, as the message says it.
 *
 * @internal
 */
export const expected = {
  boolean: "expected a boolean",
  string: "expected a string",
  nonEmptyString: "expected a non-empty string",
  trace: "expected \"link\" or \"child\"",
  storage: "expected \"embedded\" or \"postgres\"",
  uncaught: "expected \"shutdown\" or \"crash\"",
  excepthook: "expected a function (thread, cause) => Effect<void>",
  schedule: "expected a Schedule",
  layer: "expected a Layer",
  duration: "expected a Duration, a number of milliseconds or a string like \"5 seconds\"",
  durationObject: "expected an object of non-negative numbers among weeks, days, hours, minutes, seconds, " +
    "milliseconds, microseconds and nanoseconds",
  nonNegative: "expected a non-negative duration",
  pair: "expected a non-negative [seconds, nanos] pair",
  finite: "expected a finite duration",
  withinTimer: `expected at most ${maxTimerMillis} milliseconds (about 24.8 days, the longest wait a timer can hold)`,
  withinTimerOrInfinity: `expected at most ${maxTimerMillis} milliseconds (about 24.8 days, the longest wait a ` +
    "timer can hold), or Infinity to wait forever",
  backoff: "expected a Schedule or false",
  path: "expected a path starting with \"/\", without a query",
  capacity: "expected a positive integer, or Infinity for an unbounded queue"
} as const

/** The longest value a message quotes; the rest is cut. */
const maxShown = 80

const clip = (text: string): string => text.length > maxShown ? `${text.slice(0, maxShown - 1)}…` : text

const isThenable = (input: object): boolean => {
  try {
    return typeof (input as { then?: unknown }).then === "function"
  } catch {
    return false
  }
}

/** `a Map`, `an Error` — the class of an object that is not plain, or `undefined` for a plain one. */
const className = (input: object): string | undefined => {
  try {
    const proto: unknown = Object.getPrototypeOf(input)
    if (proto === null || proto === Object.prototype || Array.isArray(input)) return undefined
    const name: unknown = (proto as { constructor?: { name?: unknown } }).constructor?.name
    if (typeof name !== "string" || name === "" || name === "Object") return undefined
    return `${/^[AEIOU]/.test(name) ? "an" : "a"} ${name}`
  } catch {
    return undefined
  }
}

/**
 * A value as an error message shows it, whatever it is: strings quoted,
 * numbers as JavaScript writes them (`NaN`, `-1`), `1n`, `a function`,
 * `a Promise`, JSON for plain objects and arrays, `a Map` for other objects
 * with nothing to show, cut at 80 characters. Never throws.
 *
 * @internal
 */
export const describe = (input: unknown): string => {
  switch (typeof input) {
    case "string":
      return clip(JSON.stringify(input))
    case "number":
    case "boolean":
    case "undefined":
      return String(input)
    case "bigint":
      return `${input}n`
    case "symbol":
      return clip(input.toString())
    case "function":
      return "a function"
  }
  if (input === null) return "null"
  const object = input as object
  if (isThenable(object)) return "a Promise"
  if (Array.isArray(object)) {
    // Each item as shown alone: `[1,NaN]`, where JSON would write `[1,null]`.
    try {
      return clip(`[${object.slice(0, maxShown).map(describe).join(",")}]`)
    } catch {
      return "an array"
    }
  }
  let json: string | undefined
  try {
    json = JSON.stringify(object)
  } catch {
    json = undefined
  }
  const name = className(object)
  if (json === undefined || (json === "{}" && name !== undefined)) return name ?? "an object"
  return clip(json)
}

/**
 * The Levenshtein distance between two strings, stopping at `limit + 1`.
 */
const editDistance = (a: string, b: string, limit: number): number => {
  if (Math.abs(a.length - b.length) > limit) return limit + 1
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    const row = [i]
    let best = i
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      const value = Math.min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + cost)
      row.push(value)
      if (value < best) best = value
    }
    if (best > limit) return limit + 1
    previous = row
  }
  return previous[b.length]
}

/**
 * The known name an unknown key is a near miss of: the same letters in
 * another case (`shutdownTimeOut`), or one or two edits away (`deamon`).
 *
 * @internal
 */
export const nearMiss = (key: string, known: ReadonlyArray<string>): string | undefined => {
  const lower = key.toLowerCase()
  let best: string | undefined = undefined
  let bestDistance = 3
  for (const name of known) {
    if (name.toLowerCase() === lower) return name
    const distance = editDistance(lower, name.toLowerCase(), 2)
    if (distance < bestDistance) {
      best = name
      bestDistance = distance
    }
  }
  return best
}

/**
 * `invalid option daemon: expected a boolean (got "false")`.
 *
 * @internal
 */
export const invalidOption = (name: string, expectation: string, got: string): string =>
  `invalid option ${name}: ${expectation} (got ${got})`

/**
 * What a value is checked as: an option, by its name, or an argument of an
 * entry (`Thread.timer`'s `interval`), whose refusal is worded as
 * `invalidArgument`'s.
 *
 * @internal
 */
export type Subject = string | { readonly entry: string; readonly argument: string }

/**
 * The refusal of a value of `subject`: `invalid option timeout: expected a
 * non-negative duration (got NaN)`, or `Thread.timer expects a non-negative
 * duration as its interval argument (got NaN)`.
 *
 * @internal
 */
export const invalidValue = (subject: Subject, expectation: string, got: string): string =>
  typeof subject === "string"
    ? invalidOption(subject, expectation, got)
    : invalidArgument(subject.entry, expectation.replace(/^expected /, ""), got, subject.argument)

/**
 * Two options that may not have the same value: `invalid option livePath: it
 * is the same as readyPath ("/health")`.
 *
 * @internal
 */
export const sameAs = (name: string, other: string, shown: string): string =>
  `invalid option ${name}: it is the same as ${other} (${shown})`

/**
 * An option whose getter threw.
 *
 * @internal
 */
export const optionThrew = (name: string, error: unknown): string =>
  `invalid option ${name}: reading it threw ${safeString(error)}`

/**
 * `invalid option shutdownTimeOut: not an option of Threading.runMain (did you mean shutdownTimeout?)`.
 *
 * @internal
 */
export const unknownOption = (name: string, entry: string, known: ReadonlyArray<string>): string => {
  // A nested option (`runnerAddress.hots`) is a near miss by its last key.
  const near = nearMiss(name.slice(name.lastIndexOf(".") + 1), known)
  const hint = near !== undefined
    ? `did you mean ${near}?`
    : known.length === 0
    ? "it takes none"
    : `its options: ${known.join(", ")}`
  return `invalid option ${name}: not an option of ${entry} (${hint})`
}

/**
 * The options argument itself is not an object (`Thread.spawn(effect, "worker")`),
 * or listing its keys threw.
 *
 * @internal
 */
export const invalidOptions = (entry: string, known: ReadonlyArray<string>, got: string): string =>
  `invalid options of ${entry}: expected an object with some of ${known.join(", ")} (got ${got})`

/** @internal */
export const optionsThrew = (entry: string, error: unknown): string =>
  `invalid options of ${entry}: listing them threw ${safeString(error)}`

/**
 * `Thread.start expects a Thread (got 42)`; with the argument's name when
 * there are several: `Thread.timer expects an Effect as its effect argument (got a function)`.
 *
 * @internal
 */
export const invalidArgument = (entry: string, expectation: string, got: string, argument?: string): string =>
  `${entry} expects ${expectation}${argument === undefined ? "" : ` as its ${argument} argument`} (got ${got})`

/**
 * What to write instead, when a target that is not an Effect is a function
 * (Python's `Thread(target=f)`) or a Promise; empty otherwise.
 *
 * @internal
 */
export const effectHint = (input: unknown): string => {
  if (typeof input === "function") {
    return "; pass the Effect itself, not a function: wrap a function as Effect.sync(f), an async one as " +
      "Effect.promise(f)"
  }
  if (typeof input === "object" && input !== null && isThenable(input)) {
    return "; a Promise has already started: pass Effect.promise(() => makeThePromise()) instead"
  }
  return ""
}

/**
 * `ThreadingCluster.layer`'s nested options: `invalid option runnerAddress.port: ...`.
 *
 * @internal
 */
export const optionPath = (path: ReadonlyArray<PropertyKey>): string =>
  path.map((key, i) => typeof key === "number" ? `[${key}]` : i === 0 ? String(key) : `.${String(key)}`).join("")

const safeString = (value: unknown): string => {
  try {
    return String(value)
  } catch {
    return describe(value)
  }
}
