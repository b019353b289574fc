/**
 * Values as the validated boundary (`validate.ts`) reads them, where Effect
 * knows what they are: how a value is shown in a message (a Duration as
 * `Duration.format` writes it, an Effect as `an Effect`), the decoding of
 * durations (`Duration.fromInputUnsafe`, with what it would silently turn
 * into zero refused first; a Duration object by its `Schema`), and input with
 * structure decoded by Effect's `Schema` — `Threading.formatDump`'s
 * `ThreadDump`, `ThreadingCluster.layer`'s options — whose first issue
 * becomes the message, naming the field by its path (`invalid option
 * runnerAddress.port: expected a value between 0 and 65535 (got 70000)`).
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Predicate from "effect/Predicate"
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import * as SchemaAST from "effect/SchemaAST"
import * as SchemaIssue from "effect/SchemaIssue"
import type * as ThreadingCluster from "../ThreadingCluster.js"
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
 * Effect as `an Effect`.
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

/** Effect 4's `Duration.DurationObject`: at least one non-negative number among its units, nothing else. */
const NonNegative = Schema.optional(Schema.Number.check(Schema.isGreaterThanOrEqualTo(0)))
const DurationObject = Schema.Struct({
  weeks: NonNegative,
  days: NonNegative,
  hours: NonNegative,
  minutes: NonNegative,
  seconds: NonNegative,
  milliseconds: NonNegative,
  microseconds: NonNegative,
  nanoseconds: NonNegative
})
const decodeDurationObject = Schema.decodeUnknownResult(DurationObject, { onExcessProperty: "error" })

const isDurationObject = (input: object): boolean => {
  const decoded = decodeDurationObject(input)
  return Result.isSuccess(decoded) && Object.values(decoded.success).some((n) => n !== undefined)
}

const isNegativeOrNaN = (n: number) => Number.isNaN(n) || n < 0

/**
 * What a duration may be, besides finite and non-negative: infinite (it then
 * means "wait forever"), and negative numbers counted as zero (Python's
 * `join` and `Timer`).
 *
 * @internal
 */
export interface DurationRule {
  readonly infinite: boolean
  readonly negativeAsZero: boolean
}

/**
 * Decodes a user-supplied duration, refusing what `Duration.fromInputUnsafe`
 * would silently turn into zero (negative numbers, `NaN`, objects without a
 * unit) or throw on. `subject` is what the message names: an option, or an
 * entry's argument.
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
  } else if (typeof input === "object" && input !== null && !Duration.isDuration(input)) {
    if (!isDurationObject(input)) return invalid(messages.expected.durationObject)
  }
  let decoded: Duration.Duration
  try {
    decoded = Duration.fromInputUnsafe(input as Duration.Input)
  } catch {
    return invalid(messages.expected.duration)
  }
  if (Duration.isNegative(decoded)) return rule.negativeAsZero ? Duration.zero : invalid(messages.expected.nonNegative)
  if (!rule.infinite && !Duration.isFinite(decoded)) return invalid(messages.expected.finite)
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

// -----------------------------------------------------------------------------
// Input with structure: Schema decoding, its first issue as the message
// -----------------------------------------------------------------------------

const formatIssue = SchemaIssue.makeFormatterDefault()

/** The value at `path` in `input`, for the message (`undefined` if it cannot be read). */
const at = (input: unknown, path: ReadonlyArray<PropertyKey>): unknown => {
  let value = input
  try {
    for (const key of path) value = (value as Record<PropertyKey, unknown>)[key]
    return value
  } catch {
    return undefined
  }
}

/** The first leaf of a Schema issue and the path to it. */
const firstIssue = (
  issue: SchemaIssue.Issue,
  path: ReadonlyArray<PropertyKey> = []
): { readonly issue: SchemaIssue.Issue; readonly path: ReadonlyArray<PropertyKey> } => {
  switch (issue._tag) {
    case "Pointer":
      return firstIssue(issue.issue, [...path, ...issue.path])
    case "Composite":
      return firstIssue(issue.issues[0], path)
    case "Encoding":
      return firstIssue(issue.issue, path)
    case "AnyOf":
      return issue.issues.length > 0 ? firstIssue(issue.issues[0], path) : { issue, path }
    default:
      return { issue, path }
  }
}

/** The known keys of the struct an unexpected key was found in. */
const keysOf = (ast: SchemaAST.AST): ReadonlyArray<string> =>
  SchemaAST.isObjects(ast) ? ast.propertySignatures.map((signature) => String(signature.name)) : []

/**
 * The message of the first thing wrong in `input` by `issue`, as an option
 * (`invalid option runnerAddress.port: ...`) or as part of an argument.
 */
const issueMessage = (
  entry: string,
  input: unknown,
  issue: SchemaIssue.Issue,
  part?: string
): string => {
  const first = firstIssue(issue)
  const name = messages.optionPath(first.path)
  if (first.issue._tag === "UnexpectedKey" && part === undefined) {
    return messages.unknownOption(name, entry, keysOf(first.issue.ast))
  }
  const text = formatIssue(first.issue).split("\n")[0]
  const expectation = first.issue._tag === "MissingKey"
    ? "expected a value"
    : text.charAt(0).toLowerCase() + text.slice(1)
  const got = describe(at(input, first.path))
  return part === undefined
    ? messages.invalidOption(name, expectation, got)
    : `${entry} expects ${part}: ${name === "" ? "" : `${name}: `}${expectation} (got ${got})`
}

/** Decodes `input`, the message of the first issue as a `ThreadError` (a throwing getter is one too). */
const decodeWith = <S extends Schema.Top & { readonly DecodingServices: never }>(
  schema: S,
  entry: string,
  input: unknown,
  part?: string
): S["Type"] | ThreadError => {
  let decoded: Result.Result<S["Type"], Schema.SchemaError>
  try {
    decoded = Schema.decodeUnknownResult(schema, { onExcessProperty: part === undefined ? "error" : "ignore" })(input)
  } catch (error) {
    return refuse(messages.optionsThrew(entry, error))
  }
  return Result.isSuccess(decoded) ? decoded.success : refuse(issueMessage(entry, input, decoded.failure.issue, part))
}

const ThreadInfo = Schema.Struct({
  name: Schema.String,
  daemon: Schema.Boolean,
  main: Schema.Boolean,
  ident: Schema.optional(Schema.Number),
  ageMillis: Schema.Number,
  status: Schema.Literals(["running", "suspended"]),
  spans: Schema.Array(Schema.String),
  annotations: Schema.Record(Schema.String, Schema.Unknown)
})
const ThreadDump = Schema.Struct({ takenAt: Schema.Number, threads: Schema.Array(ThreadInfo) })
const isThreadDump = Schema.is(ThreadDump)

/**
 * `Threading.formatDump`'s input: a `ThreadDump`, as `Threading.dump` gives
 * (more fields are let through).
 *
 * @internal
 */
export const dump = (input: unknown): ThreadError | undefined => {
  if (isThreadDump(input)) return undefined
  const decoded = decodeWith(ThreadDump, "Threading.formatDump", input, "a ThreadDump, as Threading.dump gives")
  return decoded instanceof ThreadError ? decoded : undefined
}

// -----------------------------------------------------------------------------
// ThreadingCluster
// -----------------------------------------------------------------------------

const Port = Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 65535 }))
const Address = Schema.Struct({ host: Schema.NonEmptyString, port: Port })
const Secret = Schema.Union([Schema.String, Schema.declare(Redacted.isRedacted)])
const ShardingConfig = Schema.Record(Schema.String, Schema.Unknown)
const EmbeddedOptions = Schema.Struct({
  storage: Schema.optional(Schema.Literal("embedded")),
  shardingConfig: Schema.optional(ShardingConfig)
})
const PostgresOptions = Schema.Struct({
  storage: Schema.Literal("postgres"),
  postgres: Schema.Union([
    Secret,
    Schema.Struct({
      url: Schema.optional(Secret),
      host: Schema.optional(Schema.String),
      port: Schema.optional(Port),
      database: Schema.optional(Schema.String),
      username: Schema.optional(Schema.String),
      password: Schema.optional(Secret),
      maxConnections: Schema.optional(Schema.Int.check(Schema.isGreaterThanOrEqualTo(1)))
    })
  ]),
  runnerAddress: Address,
  listenAddress: Schema.optional(Address),
  shardingConfig: Schema.optional(ShardingConfig),
  // A duration, decoded as every other (`duration`).
  settle: Schema.optional(Schema.Unknown)
})

/**
 * `ThreadingCluster.layer`'s options: by `storage`, the embedded default's or
 * a Postgres runner's (`settle` a finite duration), nothing else.
 * (`shardingConfig`'s settings are `effect/cluster`'s to check.) Checked
 * before the cluster engine is loaded.
 *
 * @internal
 */
export const cluster = (options: unknown): ThreadingCluster.Options | ThreadError => {
  const entry = "ThreadingCluster.layer"
  if (options === undefined || options === null) return {}
  if (typeof options !== "object" || Array.isArray(options)) {
    return refuse(messages.invalidOptions(entry, Object.keys(PostgresOptions.fields), describe(options)))
  }
  let storage: unknown
  try {
    storage = (options as { readonly storage?: unknown }).storage
  } catch (error) {
    return refuse(messages.optionThrew("storage", error))
  }
  if (storage === "postgres") {
    const decoded = decodeWith(PostgresOptions, entry, options)
    if (decoded instanceof ThreadError || decoded.settle === undefined) return decoded as ThreadingCluster.Options
    const settle = duration("settle", decoded.settle, rules.grace)
    return settle instanceof ThreadError ? settle : decoded as ThreadingCluster.Options
  }
  if (storage === undefined || storage === "embedded") return decodeWith(EmbeddedOptions, entry, options)
  return refuse(messages.invalidOption("storage", messages.expected.storage, describe(storage)))
}
