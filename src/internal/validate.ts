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
 * what is wrong. Effect's `Schema` decodes what has structure — a Duration object,
 * `Threading.formatDump`'s `ThreadDump`, `ThreadingCluster.layer`'s nested
 * options — and its first issue becomes the message. Durations are decoded
 * by `Duration.fromInputUnsafe`, with what it would silently turn into zero
 * (negative numbers, `NaN`, `{}`, `{ secs: 5 }`) refused first.
 *
 * Effect 4's `Clock` sleeps longer than a Node timer can hold (2^31 - 1 ms) in
 * steps, so a long `shutdownTimeout`, `mainGrace`, `daemonGrace`, `join`
 * timeout or `Timer` interval is honoured as given; the one raw timer of the
 * library (the exit deadline after a signal, `runMain.ts`) is capped at it.
 *
 * @internal
 */
import * as Config from "effect/Config"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Predicate from "effect/Predicate"
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import * as SchemaAST from "effect/SchemaAST"
import * as SchemaIssue from "effect/SchemaIssue"
import type * as ThreadingCluster from "../ThreadingCluster.js"
import { ThreadError } from "./errors.js"
import * as messages from "./messages.js"
import * as options_ from "./options.js"
import * as readOptions from "./readOptions.js"

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
 */
interface DurationRule {
  readonly infinite: boolean
  readonly negativeAsZero: boolean
}

/**
 * Decodes a user-supplied duration, refusing what `Duration.fromInputUnsafe`
 * would silently turn into zero (negative numbers, `NaN`, objects without a
 * unit) or throw on.
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
// Nested input: Schema decoding, its first issue as the message
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
  shardingConfig: Schema.optional(ShardingConfig)
})

/**
 * `ThreadingCluster.layer`'s options: by `storage`, the embedded default's or
 * a Postgres runner's, nothing else. (`shardingConfig`'s settings are
 * `effect/cluster`'s to check.)
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
  if (storage === "postgres") return decodeWith(PostgresOptions, entry, options) as ThreadingCluster.Options
  if (storage === undefined || storage === "embedded") return decodeWith(EmbeddedOptions, entry, options)
  return refuse(messages.invalidOption("storage", messages.expected.storage, describe(storage)))
}

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
