/**
 * The shutdown sequence, run once the main program has ended (by success,
 * failure or interruption): CPython's `threading._shutdown` and what follows
 * it, as one table of named steps read top to bottom. Each step returns its
 * outcome — completed, or cut short (by a signal, `shutdownTimeout` or
 * `daemonGrace`) with the threads it left running; a cut is reported (a
 * warning and the thread dump), and observability makes a step a span and
 * its outcome attributes and events (`./observability.ts`).
 *
 * | step | phase      | what it does                                                               | bound                        |
 * | ---- | ---------- | -------------------------------------------------------------------------- | ---------------------------- |
 * | (a)  | `Joining`  | join every non-daemon thread, including those started while waiting       | `shutdownTimeout`, a signal  |
 * | (b)  | `AtExit`   | run the `atExit` hooks, last registered first, while daemons still run    | —                            |
 * | (c)  | `Stopping` | interrupt every thread left (daemons, and non-daemons (a) gave up on)     | `daemonGrace`                |
 * | (d)  | `Done`     | record the threads left behind; the instance leaves the process           | —                            |
 *
 * Before it, an interrupted main program's finalizers are waited for, at most
 * `mainGrace` (`stopMain`).
 *
 * @internal
 */
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Scope from "effect/Scope"
import { type Live, processState, type ThreadingImpl } from "./instance.js"
import { type Cut, type StepName, stepNames } from "./lifecycle.js"
import * as observability from "./observability.js"
import { reportCut, shutdownReport, warn } from "./report.js"
import * as text from "./reportText.js"
import { names } from "./thread.js"
import { awaitAsMain, endIfLost, endLost } from "./threadFiber.js"

/**
 * How a step (or the wait for the main program's finalizers) ended.
 *
 * @internal
 */
export type Outcome =
  | { readonly _tag: "Completed" }
  | { readonly _tag: "Cut"; readonly by: Cut; readonly left: ReadonlyArray<Fiber.Fiber<unknown, unknown>> }

const completed: Outcome = { _tag: "Completed" }

/** The threads a step left running. */
const leftOf = (outcome: Outcome): ReadonlyArray<Fiber.Fiber<unknown, unknown>> =>
  outcome._tag === "Cut" ? outcome.left : []

/** A step of the table: its name and what it does. */
interface Step {
  readonly name: StepName
  readonly run: (self: ThreadingImpl) => Effect.Effect<Outcome>
}

// -----------------------------------------------------------------------------
// The table
// -----------------------------------------------------------------------------

/**
 * The steps, in order (their definitions follow below).
 *
 * @internal
 */
export const steps: ReadonlyArray<Step> = [
  { name: stepNames.Joining, run: (self) => joinNonDaemonThreads(self) }, // (a)
  { name: stepNames.AtExit, run: (self) => runAtExitHooks(self) }, // (b)
  { name: stepNames.Stopping, run: (self) => interruptThreads(self) } // (c)
]

/**
 * The shutdown of `self`: the steps of the table, each observed and its cut
 * reported, then (d).
 *
 * @internal
 */
export const shutdown = (self: ThreadingImpl): Effect.Effect<void> =>
  observability.shutdown(
    self,
    Effect.gen(function*() {
      let outcome: Outcome = completed
      for (const step of steps) {
        outcome = yield* observability.step(self, step.name, step.run(self), (o) => report(self, o))
      }
      // (d)
      self.state = { _tag: "Done", leftBehind: leftOf(outcome) }
      processState.instances.delete(self)
    })
  )

/**
 * Runs `shutdown` in its own interruptible fiber and waits for it: called
 * from finalizers, which are uninterruptible.
 *
 * @internal
 */
export const runShutdown = (self: ThreadingImpl): Effect.Effect<void> => awaitAsMain(self, shutdown(self))

const report = (self: ThreadingImpl, outcome: Outcome): Effect.Effect<void> =>
  outcome._tag === "Cut" ? reportCut(self, outcome.by, outcome.left) : Effect.void

// -----------------------------------------------------------------------------
// Before the table: the main program's end
// -----------------------------------------------------------------------------

/**
 * After the main program was interrupted (by a signal, or by whoever runs
 * `main`), waits for its finalizers — at most `mainGrace` when it is set, in
 * a fiber of its own since this runs where interruption is off.
 *
 * @internal
 */
export const stopMain = (self: ThreadingImpl, fiber: Fiber.Fiber<unknown, unknown>): Effect.Effect<void> => {
  const grace = self.options.mainGrace
  if (grace === undefined) return Fiber.interrupt(fiber)
  fiber.interruptUnsafe()
  const cut: Outcome = { _tag: "Cut", by: "mainGrace", left: [fiber] }
  return awaitAsMain(
    self,
    Fiber.await(fiber).pipe(
      Effect.asVoid,
      Effect.timeoutOrElse({
        duration: grace,
        orElse: () => Effect.andThen(observability.outcome(self, cut), report(self, cut))
      })
    )
  )
}

// -----------------------------------------------------------------------------
// (a) Join the non-daemon threads
// -----------------------------------------------------------------------------

/**
 * Waits until no non-daemon thread is left, including those started while
 * waiting (as `FiberSet.awaitEmpty` does).
 */
const awaitNonDaemons = (nonDaemons: Live["nonDaemons"]): Effect.Effect<void> =>
  Effect.whileLoop({
    while: () => nonDaemons.size > 0,
    body: () => {
      const fiber = nonDaemons.keys().next().value!
      return Effect.andThen(Fiber.await(fiber), endIfLost(nonDaemons, fiber))
    },
    step: () => {}
  })

/**
 * (a) Join every non-daemon thread, including those started while waiting;
 * at most `shutdownTimeout`, and no longer once a signal cuts it (`skipJoin`).
 *
 * What it says: nothing when the program ended by itself, as Python. When a
 * signal started the shutdown and non-daemon threads run, the waiting line
 * (`Waiting for N non-daemon threads (NAMES); press Ctrl+C again to stop
 * them`); a cut is reported by the table.
 */
const joinNonDaemonThreads = (self: ThreadingImpl): Effect.Effect<Outcome> =>
  Effect.suspend(() => {
    const running = self.state
    if (running._tag !== "Running") return Effect.succeed(completed)
    self.state = { ...running, _tag: "Joining" }
    const { live, skipJoin } = running
    const waiting = Array.from(live.nonDaemons.keys())
    // A signal started the shutdown (it came before step (a)), and has not cut the wait already.
    const announce = waiting.length > 0 && processState.signals > 0 && !Deferred.isDoneUnsafe(skipJoin)
      ? warn(self, text.waiting(waiting.length, names(waiting), processState.firstSignal), waiting)
      : Effect.void
    const all = Effect.as(awaitNonDaemons(live.nonDaemons), "joined" as const)
    const timeout: Duration.Duration | undefined = self.options.shutdownTimeout
    const bounded = timeout === undefined
      ? all
      : Effect.timeoutOrElse(all, { duration: timeout, orElse: () => Effect.succeed("shutdownTimeout" as const) })
    return Effect.andThen(announce, Effect.raceFirst(bounded, Effect.as(Deferred.await(skipJoin), "signal" as const)))
      .pipe(
        Effect.map((ended): Outcome => {
          const left = Array.from(live.nonDaemons.keys())
          return ended === "joined" || left.length === 0 ? completed : { _tag: "Cut", by: ended, left }
        })
      )
  })

// -----------------------------------------------------------------------------
// (b) Run the atExit hooks
// -----------------------------------------------------------------------------

/** (b) Run the `atExit` hooks, last registered first; a failing hook is reported and the others still run. */
const runAtExitHooks = (self: ThreadingImpl): Effect.Effect<Outcome> =>
  Effect.suspend(() => {
    const joining = self.state
    if (joining._tag !== "Joining") return Effect.succeed(completed)
    self.state = { _tag: "AtExit", live: joining.live }
    const hooks = joining.hooks
    const loop: Effect.Effect<Outcome> = Effect.suspend(() => {
      const hook = hooks.pop()
      return hook === undefined ? Effect.succeed(completed) : hook.pipe(
        Effect.catchCause((cause) => shutdownReport(self, "Error", text.exceptionInAtExit, cause)),
        Effect.andThen(loop)
      )
    })
    return loop
  })

// -----------------------------------------------------------------------------
// (c) Interrupt the threads left
// -----------------------------------------------------------------------------

/**
 * What an entry point does as step (c) of an instance begins — synchronously,
 * before any thread is interrupted, since a finalizer that blocks JavaScript
 * would leave no later moment — given the instance and how many threads it
 * stops: it returns what to do once (c) has ended. The Node adapter
 * (`./node.ts`) provides it (the signals given back to the operating system,
 * the exit watchdog); by default, nothing.
 *
 * @internal
 */
export const StoppingHook: Context.Reference<(self: ThreadingImpl, threads: number) => () => void> = Context
  .Reference<(self: ThreadingImpl, threads: number) => () => void>("effect-threading/StoppingHook", {
    defaultValue: () => noStoppingHook
  })

const nothingAfter = (): void => {}
const noStoppingHook = (): () => void => nothingAfter

/**
 * (c) Interrupt every daemon thread (and any non-daemon still running after
 * (a) was cut short), so their finalizers run; wait at most `daemonGrace`.
 * From here on, starting a thread fails.
 *
 * One `Fiber.interruptAll` over the snapshot interrupts them (and awaits
 * them), while the registry scope closes (what must stop with the threads).
 * It runs in a fiber of its own so that a thread that will not stop cannot
 * hold the exit past `daemonGrace`.
 */
const interruptThreads = (self: ThreadingImpl): Effect.Effect<Outcome> =>
  Effect.gen(function*() {
    const live = self.live()
    if (live !== undefined) yield* Effect.andThen(endLost(live.daemons), endLost(live.nonDaemons))
    const threads = live === undefined ? [] : [...live.daemons.keys(), ...live.nonDaemons.keys()]
    // From here on the snapshot tells (as a closed `FiberSet` iterates as
    // empty), and a thread that ends has no registry to leave: no work per thread.
    self.state = { _tag: "Stopping", interrupted: threads }
    const stopped = (yield* StoppingHook)(self, threads.length)
    const grace = self.options.daemonGrace
    const closing = yield* Effect.forkDetach(
      Effect.all([Fiber.interruptAll(threads), Scope.close(self.registry, Exit.void)], {
        concurrency: "unbounded",
        discard: true
      })
    )
    const finished = yield* Fiber.await(closing).pipe(
      Effect.as(true),
      Effect.timeoutOrElse({ duration: grace, orElse: () => Effect.succeed(false) }),
      Effect.ensuring(Effect.sync(stopped))
    )
    const left = finished ? [] : self.threadFibers()
    return left.length > 0 ? { _tag: "Cut", by: "daemonGrace", left } : completed
  })
