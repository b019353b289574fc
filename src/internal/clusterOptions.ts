/**
 * The checks of what `Thread.singleton` and `ThreadingCluster.layer` are
 * handed — plain JavaScript callers pass anything — made before anything
 * runs (and before the cluster engine is loaded): a `ThreadError` naming the
 * argument or option.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import type * as Thread from "../Thread.js"
import type * as ThreadingCluster from "../ThreadingCluster.js"
import * as errors from "./errors.js"
import * as options_ from "./options.js"

const invalid = (where: string, name: string, input: unknown, expected: string) =>
  errors.make(`${where}: invalid ${name}: expected ${expected} (got ${options_.describeValue(input)})`)

/** Refuses keys that are not `known` (a misspelled option would be ignored silently). */
const unknownKey = (where: string, options: object, known: ReadonlyArray<string>): errors.ThreadError | undefined => {
  const unknown = Object.keys(options).find((key) => !known.includes(key))
  return unknown === undefined
    ? undefined
    : errors.make(`${where}: unknown option ${unknown} (expected ${known.join(", ")})`)
}

const singletonKeys = ["shardGroup", "schedule", "immediate", "stopOnError", "backoff"] as const

/**
 * The arguments of `Thread.singleton`, checked; its options copied (their
 * getters read once).
 *
 * @internal
 */
export const singleton = (
  name: unknown,
  effect: unknown,
  options: unknown
): Thread.SingletonOptions<unknown, unknown, unknown> | errors.ThreadError => {
  const where = "Thread.singleton"
  if (typeof name !== "string" || name.length === 0) {
    return errors.make("Thread.singleton needs a non-empty name (the same on every runner)")
  }
  if (!Effect.isEffect(effect)) return invalid(where, "effect", effect, "an Effect")
  if (options !== undefined && (typeof options !== "object" || options === null)) {
    return invalid(where, "options", options, "an object")
  }
  const read = options_.read(options as Thread.SingletonOptions<unknown, unknown, unknown> | undefined, singletonKeys)
  if (read instanceof errors.ThreadError) return read
  const unknown = options === undefined ? undefined : unknownKey(where, options, singletonKeys)
  if (unknown !== undefined) return unknown
  if (read.shardGroup !== undefined && (typeof read.shardGroup !== "string" || read.shardGroup.length === 0)) {
    return invalid(where, "option shardGroup", read.shardGroup, "a non-empty string")
  }
  if (read.schedule !== undefined && !Schedule.isSchedule(read.schedule)) {
    return invalid(where, "option schedule", read.schedule, "a Schedule")
  }
  for (const key of ["immediate", "stopOnError"] as const) {
    if (read[key] !== undefined && typeof read[key] !== "boolean") {
      return invalid(where, `option ${key}`, read[key], "true or false")
    }
  }
  if (read.backoff !== undefined && read.backoff !== false && !Schedule.isSchedule(read.backoff)) {
    return invalid(where, "option backoff", read.backoff, "a Schedule or false")
  }
  return read
}

const layerKeys = {
  embedded: ["storage", "shardingConfig"],
  postgres: ["storage", "postgres", "runnerAddress", "listenAddress", "shardingConfig", "settle"]
} as const

const checkAddress = (where: string, name: string, address: unknown): errors.ThreadError | undefined => {
  const ok = typeof address === "object" && address !== null &&
    typeof (address as ThreadingCluster.Address).host === "string" &&
    (address as ThreadingCluster.Address).host.length > 0 &&
    Number.isInteger((address as ThreadingCluster.Address).port) &&
    (address as ThreadingCluster.Address).port >= 0 && (address as ThreadingCluster.Address).port <= 65535
  return ok ? undefined : invalid(where, `option ${name}`, address, "{ host: a non-empty string, port: 0-65535 }")
}

/**
 * The options of `ThreadingCluster.layer`, checked.
 *
 * @internal
 */
export const layer = (options: unknown): ThreadingCluster.Options | errors.ThreadError => {
  const where = "ThreadingCluster.layer"
  if (options === undefined) return {}
  if (typeof options !== "object" || options === null) return invalid(where, "options", options, "an object")
  const storage = (options as ThreadingCluster.Options).storage
  if (storage !== undefined && storage !== "embedded" && storage !== "postgres") {
    return invalid(where, "option storage", storage, "\"embedded\" or \"postgres\"")
  }
  const unknown = unknownKey(where, options, layerKeys[storage ?? "embedded"])
  if (unknown !== undefined) return unknown
  const shardingConfig = (options as ThreadingCluster.Options).shardingConfig
  if (shardingConfig !== undefined && (typeof shardingConfig !== "object" || shardingConfig === null)) {
    return invalid(where, "option shardingConfig", shardingConfig, "an object of ShardingConfig settings")
  }
  if (storage !== "postgres") return options as ThreadingCluster.Options
  const postgres = options as ThreadingCluster.PostgresOptions
  const connection = postgres.postgres
  if (
    !(typeof connection === "string" && connection.length > 0) && !Redacted.isRedacted(connection) &&
    !(typeof connection === "object" && connection !== null)
  ) {
    return invalid(where, "option postgres", connection, "a URL (string or Redacted) or connection settings")
  }
  const address = checkAddress(where, "runnerAddress", postgres.runnerAddress)
  if (address !== undefined) return address
  if (postgres.listenAddress !== undefined) {
    const listen = checkAddress(where, "listenAddress", postgres.listenAddress)
    if (listen !== undefined) return listen
  }
  if (postgres.settle !== undefined) {
    const settle = options_.decodeDuration("settle", postgres.settle, false)
    if (settle instanceof errors.ThreadError) return errors.make(`${where}: ${settle.message}`)
  }
  return postgres
}
