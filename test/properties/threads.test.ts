/**
 * Properties of threads inside arbitrary forests, on the TestClock: daemon
 * inheritance (4), failures and the excepthook (6), `join` with a timeout (7),
 * critical sections at shutdown (8).
 *
 * Each property interprets a generated `Forest` (see forest.ts), runs it
 * (interpret.ts), and compares what happened with a pure model (model.ts).
 */
import { beforeAll, describe, expect } from "@effect/vitest"
import { Cause, Effect, Exit } from "effect"
import { eventsOf, forestProperty, prefetch, PREFETCH_TIMEOUT, returnedSeq, sorted } from "./harness.js"
import { MAIN_RESULT, observeCached } from "./interpret.js"
import { expected } from "./model.js"

describe("exit rule: threads", () => {
  beforeAll(() => prefetch(), PREFETCH_TIMEOUT)

  forestProperty(
    "4. a thread created without `daemon` has its creator's flag, at any depth",
    ({ forest }) =>
      Effect.gen(function*() {
        const o = yield* observeCached(forest)
        const e = expected(forest)
        const specs = new Map(forest.threads().map((t) => [t.name, t]))
        const starts = eventsOf(o, "start")
        expect(sorted(starts.map((s) => s.thread))).toEqual(sorted(e.threads.keys()))
        for (const s of starts) {
          // Seen from inside the thread (`Thread.current`) ...
          expect({ name: s.currentName, daemon: s.currentDaemon }, s.thread).toEqual({
            name: s.thread,
            daemon: specs.get(s.thread)!.isDaemon
          })
        }
        // ... and on the handle its creator got back.
        for (const s of eventsOf(o, "spawned")) {
          expect(s.handleDaemon, s.thread).toBe(specs.get(s.thread)!.isDaemon)
        }
      })
  )

  forestProperty(
    "6. failing or dying threads never change main's result; the excepthook sees exactly the failing, non-interrupted threads",
    ({ forest }) =>
      Effect.gen(function*() {
        const o = yield* observeCached(forest)
        const e = expected(forest)
        expect(o.exit).toBeDefined()
        if (e.mainResult === "ok") {
          expect(Exit.isSuccess(o.exit!) && o.exit.value).toBe(MAIN_RESULT)
        } else {
          expect(Exit.isFailure(o.exit!)).toBe(true)
          // Exactly main's own typed error: nothing of the threads' failures is added to the cause.
          const reasons = Exit.isFailure(o.exit!) ? o.exit.cause.reasons : []
          expect(reasons.map((r) => r._tag)).toEqual(["Fail"])
          expect(Cause.isFailReason(reasons[0]!) && reasons[0].error._tag).toBe("MainFailed")
        }
        expect(sorted(o.excepthook.map((x) => [x.thread, x.kind, x.at]))).toEqual(
          sorted(e.excepthook.map((x) => [x.thread, x.kind, x.at]))
        )
        // With a custom excepthook nothing is logged about threads; only a grace warning and its dump may appear.
        for (const report of o.reports) expect(report).toMatch(/^(daemonGrace|Thread dump)/)
      })
  )

  forestProperty(
    "7. join with a timeout returns at min(timeout, thread end), and isAlive afterwards matches",
    ({ forest }) =>
      Effect.gen(function*() {
        const o = yield* observeCached(forest)
        const e = expected(forest)
        const joins = eventsOf(o, "join")
        const threads = new Set([...joins.map((j) => j.thread), ...e.joins.map((j) => j.thread)])
        for (const thread of threads) {
          const seen = joins.filter((j) => j.thread === thread)
          const want = e.joins.filter((j) => j.thread === thread)
          expect(seen.map((j) => [j.target, j.t]), `joins by ${thread}`).toEqual(want.map((j) => [j.target, j.at]))
          want.forEach((j, i) => {
            // When the timeout and the thread's end fall on the same instant, either answer is right.
            if (j.alive !== undefined) expect(seen[i]!.alive, `${thread} joins ${j.target} at ${j.at}`).toBe(j.alive)
          })
        }
      })
  )

  forestProperty(
    "8. critical sections that began before shutdown are never cut (within daemonGrace)",
    ({ forest }) =>
      Effect.gen(function*() {
        const o = yield* observeCached(forest)
        const e = expected(forest)
        const begins = eventsOf(o, "critical-begin")
        const ends = eventsOf(o, "critical-end")
        expect(sorted(begins.map((x) => [x.thread, x.step, x.t]))).toEqual(
          sorted(e.criticals.map((c) => [c.thread, c.step, c.begin]))
        )
        // Every section that began also ended, after its full length.
        expect(sorted(ends.map((x) => [x.thread, x.step, x.t]))).toEqual(
          sorted(e.criticals.map((c) => [c.thread, c.step, c.end]))
        )
        // A daemon inside one at shutdown is stopped when it ends, not before; main waits for it
        // within daemonGrace, then warns about those still inside and returns.
        for (const x of eventsOf(o, "interrupted")) {
          const last = ends.filter((c) => c.thread === x.thread).at(-1)
          if (last !== undefined) {
            expect(x.seq, `${x.thread} interrupted after its critical section`).toBeGreaterThan(last.seq)
          }
        }
        const returned = returnedSeq(o)
        for (const c of ends) {
          if (e.stragglers.has(c.thread)) continue
          if (e.interrupted.has(c.thread)) {
            expect(c.seq, `${c.thread} ends its section before main returns`).toBeLessThan(returned)
          }
        }
        const warnings = o.reports.filter((report) => report.startsWith("daemonGrace"))
        if (e.stragglers.size === 0) {
          expect(warnings).toEqual([])
        } else {
          expect(warnings.length).toBe(1)
          for (const name of e.stragglers) expect(warnings[0]).toContain(name)
        }
      })
  )
})
