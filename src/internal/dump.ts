/**
 * `Threading.dump`: the thread dump of an Effect program — every live thread
 * with what Effect can tell about it — and its text form.
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import type * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as References from "effect/References"
import type * as Tracer from "effect/Tracer"
import * as decode from "./decode.js"
import type { ThreadingImpl } from "./instance.js"
import type { ThreadImpl } from "./thread.js"

/** @internal */
export interface ThreadInfo {
  readonly name: string
  readonly daemon: boolean
  readonly main: boolean
  readonly ident: number | undefined
  readonly ageMillis: number
  readonly status: "running" | "suspended"
  readonly spans: ReadonlyArray<string>
  readonly annotations: Readonly<Record<string, unknown>>
  readonly fencingToken?: bigint | undefined
}

/** @internal */
export interface Dump {
  readonly takenAt: number
  readonly threads: ReadonlyArray<ThreadInfo>
}

/** The names of a span and its parents, outermost first. */
const spanNames = (span: Tracer.AnySpan | undefined): Array<string> => {
  const names: Array<string> = []
  let current: Tracer.AnySpan | undefined = span
  while (current !== undefined && current._tag === "Span") {
    names.unshift(current.name)
    current = Option.getOrUndefined(current.parent)
  }
  return names
}

const info = (
  thread: ThreadImpl<unknown, unknown>,
  fiber: Fiber.Fiber<unknown, unknown>,
  running: ThreadImpl<unknown, unknown> | undefined,
  now: number
): ThreadInfo => {
  const annotations = { ...fiber.getRef(References.CurrentLogAnnotations) }
  delete annotations.thread
  return {
    name: thread.name,
    daemon: thread.daemon,
    main: thread === thread.instance.mainThread,
    ident: thread.ident,
    ageMillis: Math.max(0, now - thread.startedAt),
    // JavaScript runs one fiber at a time: the one taking the dump, whose thread is running.
    status: thread === running ? "running" : "suspended",
    spans: spanNames(fiber.cache.span),
    annotations,
    // A cluster singleton's thread (./singletonThread.ts) carries its fencing token.
    ...("fencingToken" in thread ? { fencingToken: thread.fencingToken as bigint } : {})
  }
}

/**
 * The dump of `instance`, taken from `self`, on behalf of the thread
 * `running` (for `Threading.dump`, the caller's thread, as `Thread.current`
 * tells it; none for the shutdown's own dumps).
 *
 * @internal
 */
export const take = (
  instance: ThreadingImpl,
  self: Fiber.Fiber<unknown, unknown>,
  running: ThreadImpl<unknown, unknown> | undefined
): Dump => {
  const now = Context.get(self.context, Clock.Clock).currentTimeMillisUnsafe()
  const threads: Array<ThreadInfo> = []
  const main = instance.mainThread
  if (main.fiber !== undefined && main.status === "started") threads.push(info(main, main.fiber, running, now))
  for (const fiber of instance.threadFibers()) {
    const thread = instance.threadOf(fiber)
    if (thread !== undefined) threads.push(info(thread, fiber, running, now))
  }
  return { takenAt: now, threads }
}

const formatValue = (value: unknown): string => typeof value === "string" ? value : JSON.stringify(value) ?? "?"

/**
 * One block per thread, as Java's `jstack` prints them:
 *
 * ```text
 * "job-1" #12 age=2.1s suspended
 *     spans: POST /jobs > db.query
 *     annotations: requestId=42
 * ```
 *
 * @internal
 */
export const format = (dump: Dump, maxThreads: number = Infinity): string => {
  const lines = [`Thread dump (${dump.threads.length} ${dump.threads.length === 1 ? "thread" : "threads"}):`]
  const shown = dump.threads.length > maxThreads ? dump.threads.slice(0, maxThreads) : dump.threads
  for (const thread of shown) {
    const ident = thread.ident === undefined ? "" : ` #${thread.ident}`
    const flags = `${thread.main ? " main" : ""}${thread.daemon ? " daemon" : ""}`
    const age = Duration.format(Duration.millis(Math.round(thread.ageMillis)))
    const token = thread.fencingToken === undefined ? "" : ` fencingToken=${thread.fencingToken}`
    lines.push(`"${thread.name}"${ident}${flags} age=${age} ${thread.status}${token}`)
    if (thread.spans.length > 0) lines.push(`    spans: ${thread.spans.join(" > ")}`)
    const entries = Object.entries(thread.annotations)
    if (entries.length > 0) {
      lines.push(`    annotations: ${entries.map(([key, value]) => `${key}=${formatValue(value)}`).join(" ")}`)
    }
  }
  const more = dump.threads.length - shown.length
  if (more > 0) lines.push(`... and ${more} more (Threading.dump lists them all)`)
  return lines.join("\n")
}

/**
 * `Threading.formatDump`: `format`, once its input is checked (plain
 * JavaScript callers pass anything); a refusal is thrown, a `ThreadError`.
 *
 * @internal
 */
export const formatDump = (dump: Dump): string => {
  const invalid = decode.dump(dump)
  if (invalid !== undefined) throw invalid
  return format(dump)
}

/**
 * The most threads the dump the shutdown logs shows, one block each: enough
 * to see what a program waits for, and a bounded line count with a million.
 *
 * @internal
 */
export const loggedThreads = 100
