/**
 * Turns a `Forest` into an Effect program, runs it under `Threading.main` on
 * the TestClock, and records what happened: an event log stamped with virtual
 * time, the excepthook's calls, stderr, main's exit and return time, and what
 * is left running once `main` has returned (`enumerate`, `activeCount`, and a
 * `Supervisor.track` of every fiber forked under `main`).
 */
import type { Exit } from "effect"
import { Cause, Clock, Data, Duration, Effect, Fiber, Supervisor, TestClock } from "effect"
import { Thread, Threading } from "effect-threading"
import { makeTestConsole } from "../utils.js"
import type { Forest, ThreadSpec } from "./forest.js"
import { expected, horizon } from "./model.js"

/** The typed error of a thread whose ending is `fail`. */
export class ThreadFailed extends Data.TaggedError("ThreadFailed")<{ readonly thread: string }> {}

/** The typed error of main when its ending is `fail`. */
export class MainFailed extends Data.TaggedError("MainFailed")<{}> {}

export const MAIN_RESULT = "main result"

export type Event =
  | { readonly _tag: "start"; readonly thread: string; readonly currentName: string; readonly currentDaemon: boolean }
  | { readonly _tag: "spawned"; readonly thread: string; readonly handleDaemon: boolean; readonly ident: number }
  | { readonly _tag: "spawn-error"; readonly thread: string; readonly message: string }
  | { readonly _tag: "end"; readonly thread: string; readonly how: "ok" | "fail" | "die" }
  | { readonly _tag: "critical-begin"; readonly thread: string; readonly step: number }
  | { readonly _tag: "critical-end"; readonly thread: string; readonly step: number }
  | { readonly _tag: "interrupted"; readonly thread: string }
  | { readonly _tag: "finalizer"; readonly thread: string; readonly index: number }
  | { readonly _tag: "atexit-register"; readonly thread: string; readonly hook: string }
  | { readonly _tag: "atexit-run"; readonly hook: string }
  | { readonly _tag: "join"; readonly thread: string; readonly target: string; readonly alive: boolean }
  | { readonly _tag: "main-returned" }

/** An event with its virtual time (seconds) and its position in the log. */
export type Stamped = Event & { readonly t: number; readonly seq: number }

export interface Observation {
  readonly events: ReadonlyArray<Stamped>
  readonly excepthook: ReadonlyArray<
    { readonly thread: string; readonly kind: "fail" | "die" | "other"; readonly at: number }
  >
  readonly stderr: ReadonlyArray<string>
  /** `undefined` if `main` had not returned by the horizon. */
  readonly exit: Exit.Exit<string, MainFailed> | undefined
  readonly returnedAt: number | undefined
  /** Right after `main` returned. */
  readonly after: {
    readonly enumerate: ReadonlyArray<string>
    readonly activeCount: number
    /** Names of the threads (or `library fiber #id` for other fibers) still running, from `Supervisor.track`. */
    readonly running: ReadonlyArray<string>
  }
  /** Fibers forked under `main` still running once the clock reached the horizon. */
  readonly runningAtHorizon: ReadonlyArray<string>
}

const seconds = (n: number) => Duration.millis(Math.round(n * 1000))

/** Interprets `forest` and observes it; if `main` is late, `extraSeconds` more of clock show when it returns. */
export const observe = (forest: Forest, extraSeconds = 30): Effect.Effect<Observation> =>
  Effect.gen(function*() {
    const events: Array<Stamped> = []
    const rec = (event: Event) =>
      Effect.flatMap(Clock.currentTimeMillis, (ms) =>
        Effect.sync(() => void events.push({ ...event, t: ms / 1000, seq: events.length })))
    const excepthook: Array<Observation["excepthook"][number]> = []
    const { console, err } = makeTestConsole()
    const identToName = new Map<number, string>()

    const runOps = (spec: ThreadSpec): Effect.Effect<void, never, Threading.Threading> =>
      Effect.gen(function*() {
        const handles = new Map<string, Thread.Thread<void, ThreadFailed>>()
        for (const [step, op] of spec.ops.entries()) {
          switch (op._tag) {
            case "Sleep":
              yield* Effect.sleep(seconds(op.seconds))
              break
            case "Critical":
              yield* Thread.critical(
                rec({ _tag: "critical-begin", thread: spec.name, step }).pipe(
                  Effect.zipRight(Effect.sleep(seconds(op.seconds))),
                  Effect.zipRight(rec({ _tag: "critical-end", thread: spec.name, step }))
                )
              )
              break
            case "Spawn": {
              const child = op.child
              const result = yield* Effect.either(
                Thread.spawn(
                  threadBody(child),
                  child.daemon === undefined ? { name: child.name } : { name: child.name, daemon: child.daemon }
                )
              )
              if (result._tag === "Left") {
                yield* rec({ _tag: "spawn-error", thread: child.name, message: result.left.message })
              } else {
                const handle = result.right
                handles.set(child.name, handle)
                identToName.set(handle.ident!, child.name)
                yield* rec({ _tag: "spawned", thread: child.name, handleDaemon: handle.daemon, ident: handle.ident! })
              }
              break
            }
            case "Join": {
              const target = handles.get(op.target)
              if (target === undefined) {
                break // its spawn failed: already recorded
              }
              yield* Effect.orDie(
                Thread.join(target, op.timeout === undefined ? undefined : { timeout: seconds(op.timeout) })
              )
              const alive = yield* Thread.isAlive(target)
              yield* rec({ _tag: "join", thread: spec.name, target: op.target, alive })
              break
            }
            case "AtExit":
              // Never refused here: no forest registers a hook once the hooks have begun.
              yield* Effect.orDie(Threading.atExit(rec({ _tag: "atexit-run", hook: op.hook })))
              yield* rec({ _tag: "atexit-register", thread: spec.name, hook: op.hook })
              break
          }
        }
      })

    const threadBody = (spec: ThreadSpec): Effect.Effect<void, ThreadFailed, Threading.Threading> => {
      const body = Effect.gen(function*() {
        const me = yield* Thread.current
        yield* rec({ _tag: "start", thread: spec.name, currentName: me.name, currentDaemon: me.daemon })
        if (spec.align) {
          yield* Effect.sleep(seconds(0.5))
        }
        yield* runOps(spec)
        switch (spec.end) {
          case "ok":
            return yield* rec({ _tag: "end", thread: spec.name, how: "ok" })
          case "fail":
            yield* rec({ _tag: "end", thread: spec.name, how: "fail" })
            return yield* Effect.fail(new ThreadFailed({ thread: spec.name }))
          case "die":
            yield* rec({ _tag: "end", thread: spec.name, how: "die" })
            return yield* Effect.dieMessage(`${spec.name} died`)
          case "forever":
            return yield* Effect.never
        }
      })
      let wrapped = body.pipe(Effect.onInterrupt(() =>
        rec({ _tag: "interrupted", thread: spec.name })
      ))
      for (let index = 1; index <= spec.finalizers; index++) {
        wrapped = Effect.ensuring(wrapped, rec({ _tag: "finalizer", thread: spec.name, index }))
      }
      return wrapped
    }

    let instance: Threading.Threading | undefined
    const mainProgram = Effect.gen(function*() {
      instance = yield* Threading.Threading
      yield* runOps(forest.main)
      if (forest.main.end === "fail") return yield* Effect.fail(new MainFailed())
      return MAIN_RESULT
    })

    const supervisor = yield* Supervisor.track
    const running = (fibers: ReadonlyArray<Fiber.RuntimeFiber<any, any>>) =>
      fibers.filter((f) => f.unsafePoll() === null).map((f) =>
        identToName.get(f.id().id) ?? `library fiber #${f.id().id}`
      ).sort()

    const run = Effect.gen(function*() {
      const exit = yield* Threading.main(mainProgram, {
        ...(forest.daemonGrace === undefined ? {} : { daemonGrace: seconds(forest.daemonGrace) }),
        excepthook: (thread, cause) =>
          Effect.flatMap(Clock.currentTimeMillis, (ms) =>
            Effect.sync(() =>
              void excepthook.push({
                thread: thread.name,
                kind: classify(cause),
                at: ms / 1000
              })
            ))
      }).pipe(Effect.supervised(supervisor), Effect.exit)
      yield* rec({ _tag: "main-returned" })
      const returnedAt = (yield* Clock.currentTimeMillis) / 1000
      // Queries on the instance after `main` returned; a defect is recorded as text so that the property shows it.
      const query = <A>(effect: Effect.Effect<A, never, Threading.Threading>) =>
        Effect.provideService(effect, Threading.Threading, instance!).pipe(
          Effect.catchAllDefect((defect) => Effect.succeed(`died: ${String(defect)}`))
        )
      const listed = yield* query(Threading.enumerate)
      const count = yield* query(Threading.activeCount)
      const after = {
        enumerate: typeof listed === "string" ? [`enumerate ${listed}`] : listed.map((t) => t.name),
        activeCount: typeof count === "string" ? -1 : count,
        running: running(yield* supervisor.value)
      }
      return { exit, returnedAt, after }
    }).pipe(Effect.withConsole(console))

    // Advance the clock to when the model says `main` returns (every sleep due by then runs, in order);
    // further only if it has not returned (to see when it does), or for stragglers' critical sections.
    const e = expected(forest)
    // A daemon fiber: if the library never returns, nothing waits for it to be interrupted.
    const fiber = yield* Effect.forkDaemon(run)
    yield* TestClock.adjust(seconds(e.returnsAt))
    let done = yield* Fiber.poll(fiber)
    const rest = horizon(e) - e.returnsAt
    if (done._tag === "None" || rest > 0) {
      yield* TestClock.adjust(seconds(rest + (done._tag === "None" ? extraSeconds : 1)))
      done = yield* Fiber.poll(fiber)
    }
    const runningAtHorizon = running(yield* supervisor.value)
    if (done._tag === "None") {
      // Don't wait: a library that never returns may never finish being interrupted either.
      yield* Fiber.interruptFork(fiber)
      return {
        events,
        excepthook,
        stderr: err,
        exit: undefined,
        returnedAt: undefined,
        after: { enumerate: [], activeCount: -1, running: [] },
        runningAtHorizon
      }
    }
    const result = yield* done.value
    return { events, excepthook, stderr: err, ...result, runningAtHorizon }
  })

/**
 * `observe`, remembered by the forest's text: the run is deterministic (TestClock, fresh instance),
 * so the properties of one file, which see the same forests (same seed), share each run.
 */
export const observeCached = (forest: Forest): Effect.Effect<Observation> => {
  const key = forest.toString()
  const hit = cache.get(key)
  return hit !== undefined
    ? Effect.succeed(hit)
    : Effect.tap(observe(forest), (o) => Effect.sync(() => void cache.set(key, o)))
}

const cache = new Map<string, Observation>()

const classify = (cause: Cause.Cause<unknown>): "fail" | "die" | "other" => {
  const fail = Cause.failureOption(cause)._tag === "Some"
  const die = Cause.dieOption(cause)._tag === "Some"
  return fail && !die ? "fail" : die && !fail ? "die" : "other"
}
