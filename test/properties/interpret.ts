/**
 * Turns a `Forest` into an Effect program, runs it under `Threading.main` on
 * a TestClock of its own, and records what happened: an event log stamped
 * with virtual time, the excepthook's calls, the library's reports (through a
 * test logger), main's exit and return
 * time, and what is left running once `main` has returned (`enumerate`,
 * `activeCount`, and every fiber started under `main`, counted by a
 * fiber-lifecycle hook — see `makeFiberCounter`).
 */
import type { Exit } from "effect"
import { Cause, Clock, Console, Context, Data, Duration, Effect, Metric, References } from "effect"
import { Thread, Threading } from "effect-threading"
import { TestClock, TestConsole } from "effect/testing"
import { makeTestLogger } from "../utils.js"
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
  /** The messages the library logged (its warnings and the thread dump), in order. */
  readonly reports: ReadonlyArray<string>
  /** `undefined` if `main` had not returned by the horizon. */
  readonly exit: Exit.Exit<string, MainFailed> | undefined
  readonly returnedAt: number | undefined
  /** Right after `main` returned. */
  readonly after: {
    readonly enumerate: ReadonlyArray<string>
    readonly activeCount: number
    /** The fibers started under `main` still running (see `FiberCounter.running`). */
    readonly running: ReadonlyArray<string>
  }
  /** Fibers started under `main` still running once the clock reached the horizon. */
  readonly runningAtHorizon: ReadonlyArray<string>
}

/**
 * Counts the fibers started under an effect, in place of Effect 3's
 * `Supervisor.track` (Effect 4 has no `Supervisor`).
 *
 * Effect 4 calls the `Metric.FiberRuntimeMetrics` service, when one is in a
 * fiber's context, as each fiber is created and as it ends. Provided around
 * `Threading.main`, it is in the context of every fiber forked under it,
 * threads included (a thread captures its creator's whole context), and of
 * the library's own fibers (the shutdown fiber and the one that closes the
 * registry), whatever the library's registry says. The hook is given the
 * fiber's context, not the fiber: fibers are told apart by the `thread` log
 * annotation that the library puts in every thread's context (the name of
 * the thread they run for; the library's own fibers run for `MainThread`).
 */
export interface FiberCounter {
  readonly service: Metric.FiberRuntimeMetricsService
  /**
   * One entry per fiber still running, named by the thread it runs for
   * (`unlabelled fiber` if none). A label that ended more often than it
   * started appears as `NAME: ended more than started`, so that a
   * counting error fails the property rather than hiding a running fiber.
   */
  readonly running: () => Array<string>
}

export const makeFiberCounter = (): FiberCounter => {
  const counts = new Map<string, number>()
  const label = (context: Context.Context<never>): string => {
    const thread = Context.get(context, References.CurrentLogAnnotations)["thread"]
    return typeof thread === "string" ? thread : "unlabelled fiber"
  }
  const add = (context: Context.Context<never>, n: number) => {
    const name = label(context)
    counts.set(name, (counts.get(name) ?? 0) + n)
  }
  return {
    service: {
      recordFiberStart: (context) => add(context, 1),
      recordFiberEnd: (context) => add(context, -1)
    },
    running: () =>
      [...counts].flatMap(([name, n]) =>
        n < 0 ? [`${name}: ended more than started`] : Array.from({ length: n }, () => name)
      ).sort()
  }
}

/**
 * When the program starts, in virtual milliseconds. The program is started from a TestClock wake-up at
 * this time (see `observe`); events are stamped relative to it, so that 0 is when `main` began.
 */
const START_MS = 1

const seconds = (n: number) => Duration.millis(Math.round(n * 1000))

/** Interprets `forest` and observes it; if `main` is late, `extraSeconds` more of clock show when it returns. */
export const observe = (forest: Forest, extraSeconds = 30): Effect.Effect<Observation> =>
  Effect.gen(function*() {
    const events: Array<Stamped> = []
    const now = Effect.map(Clock.currentTimeMillis, (ms) => (ms - START_MS) / 1000)
    const rec = (event: Event) =>
      Effect.flatMap(now, (t) => Effect.sync(() => void events.push({ ...event, t, seq: events.length })))
    const excepthook: Array<Observation["excepthook"][number]> = []
    const console = yield* TestConsole.make
    const logger = makeTestLogger()
    const counter = makeFiberCounter()

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
                  Effect.andThen(Effect.sleep(seconds(op.seconds))),
                  Effect.andThen(rec({ _tag: "critical-end", thread: spec.name, step }))
                )
              )
              break
            case "Spawn": {
              const child = op.child
              const result = yield* Effect.result(
                Thread.spawn(
                  threadBody(child),
                  child.daemon === undefined ? { name: child.name } : { name: child.name, daemon: child.daemon }
                )
              )
              if (result._tag === "Failure") {
                yield* rec({ _tag: "spawn-error", thread: child.name, message: result.failure.message })
              } else {
                const handle = result.success
                handles.set(child.name, handle)
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
            return yield* Effect.die(new Error(`${spec.name} died`))
          case "forever":
            return yield* Effect.never
        }
      })
      let wrapped = body.pipe(Effect.onInterrupt(() => rec({ _tag: "interrupted", thread: spec.name })))
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

    const run = Effect.gen(function*() {
      const exit = yield* Threading.main(mainProgram, {
        ...(forest.daemonGrace === undefined ? {} : { daemonGrace: seconds(forest.daemonGrace) }),
        excepthook: (thread, cause) =>
          Effect.flatMap(now, (at) =>
            Effect.sync(() => void excepthook.push({ thread: thread.name, kind: classify(cause), at })))
      }).pipe(Effect.provideService(Metric.FiberRuntimeMetrics, counter.service), Effect.exit)
      yield* rec({ _tag: "main-returned" })
      const returnedAt = yield* now
      // Queries on the instance after `main` returned; a defect is recorded as text so that the property shows it.
      const query = <A>(effect: Effect.Effect<A, never, Threading.Threading>) =>
        Effect.provideService(effect, Threading.Threading, instance!).pipe(
          Effect.catchDefect((defect) =>
            Effect.succeed(`died: ${String(defect)}`)
          )
        )
      const listed = yield* query(Threading.enumerate)
      const count = yield* query(Threading.activeCount)
      const after = {
        enumerate: typeof listed === "string" ? [`enumerate ${listed}`] : listed.map((t) => t.name),
        activeCount: typeof count === "string" ? -1 : count,
        running: counter.running()
      }
      return { exit, returnedAt, after }
    }).pipe(Effect.provideService(Console.Console, console), logger.withLogger)

    const e = expected(forest)
    // Effect 4's TestClock (as `TestClock.layer` installs it) wakes sleeps one at a time and, after each, waits
    // until the woken fiber and every fiber it resumed or forked has suspended; but before its first wake-up,
    // `adjust` yields only once. Threads start on the scheduler's next tick, so a program forked and then
    // adjusted at once would have threads that reach their first sleep after the clock has moved on. Starting
    // the program from a wake-up (a sleep of `START_MS`) makes the clock wait for its whole first instant too:
    // every virtual time below is exact, whatever the depth of the forest, with no real-time settling.
    //
    // The clock's other Effect 4 surprise does not reach the forests: on a fresh TestClock, the first sleep
    // forks a "not advancing" warning fiber inside an interruptible region, so if that first sleep is in the
    // finalizer (or critical section) of a fiber already interrupted, the rest of that finalizer is skipped.
    // The forests' finalizers never sleep, and this first `adjust` retires the warning before anything sleeps.
    yield* TestClock.adjust(0)
    // A detached fiber: if the library never returns, nothing waits for it to be interrupted.
    const fiber = yield* Effect.forkDetach(Effect.andThen(Effect.sleep(Duration.millis(START_MS)), run))
    // Advance the clock to when the model says `main` returns (every sleep due by then runs, in order);
    // further only if it has not returned (to see when it does), or for stragglers' critical sections.
    yield* TestClock.adjust(seconds(START_MS / 1000 + e.returnsAt))
    let done = fiber.pollUnsafe()
    const rest = horizon(e) - e.returnsAt
    if (done === undefined || rest > 0) {
      yield* TestClock.adjust(seconds(rest + (done === undefined ? extraSeconds : 1)))
      done = fiber.pollUnsafe()
    }
    const runningAtHorizon = counter.running()
    const reports = logger.messages()
    if (done === undefined) {
      // Don't wait: a library that never returns may never finish being interrupted either.
      fiber.interruptUnsafe()
      return {
        events,
        excepthook,
        reports,
        exit: undefined,
        returnedAt: undefined,
        after: { enumerate: [], activeCount: -1, running: [] },
        runningAtHorizon
      }
    }
    const result = yield* done
    return { events, excepthook, reports, ...result, runningAtHorizon }
  }).pipe(Effect.provide(TestClock.layer()))

/**
 * `observe`, remembered by the forest's text: the run is deterministic (its own TestClock, fresh instance),
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
  const fail = Cause.hasFails(cause)
  const die = Cause.hasDies(cause)
  return fail && !die ? "fail" : die && !fail ? "die" : "other"
}
