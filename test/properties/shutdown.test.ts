/**
 * Properties of the shutdown sequence over arbitrary thread forests, on the
 * TestClock: when `Threading.main` returns (1), what happens to daemons and
 * finalizers (2), what is left afterwards (3), and `atExit` hooks (5).
 *
 * Each property interprets a generated `Forest` (see forest.ts), runs it
 * (interpret.ts), and compares what happened with a pure model (model.ts).
 */
import { beforeAll, describe, expect } from "@effect/vitest"
import { Effect } from "effect"
import { eventsOf, forestProperty, prefetch, PREFETCH_TIMEOUT, returnedSeq, sorted } from "./harness.js"
import { observeCached } from "./interpret.js"
import { expected } from "./model.js"

describe("exit rule: shutdown", () => {
  beforeAll(() => prefetch(), PREFETCH_TIMEOUT)

  forestProperty(
    "1. main returns at max(main end, every non-daemon's end, transitively), never earlier or later",
    ({ forest }) =>
      Effect.gen(function*() {
        const o = yield* observeCached(forest)
        const e = expected(forest)
        expect(eventsOf(o, "spawn-error")).toEqual([])
        // Exactly the threads of the model start, late ones (during the non-daemon join) included.
        expect(sorted(eventsOf(o, "start").map((s) => s.thread))).toEqual(sorted(e.threads.keys()))
        // Every non-daemon runs to its own end, never cut.
        const nonDaemonEnds = [...e.threads.values()].filter((t) => !t.isDaemon && t.end !== "forever")
        expect(sorted(eventsOf(o, "end").filter((x) => !e.threads.get(x.thread)!.isDaemon).map((x) => [x.thread, x.t])))
          .toEqual(sorted(nonDaemonEnds.map((t) => [t.name, t.stoppedAt])))
        // The exit rule: main returns when the last non-daemon has ended (later only while a daemon
        // finishes a critical section, within daemonGrace).
        expect(o.returnedAt).toBe(e.returnsAt)
        if (e.returnsAt !== e.joinEnd) {
          expect(e.returnsAt).toBeGreaterThan(e.joinEnd)
          expect(e.returnsAt).toBeLessThanOrEqual(e.joinEnd + forest.grace)
        }
      })
  )

  forestProperty(
    "2. every daemon alive at the end is interrupted, and each finalizer runs exactly once, before main returns",
    ({ forest }) =>
      Effect.gen(function*() {
        const o = yield* observeCached(forest)
        const e = expected(forest)
        // Interrupted: exactly the daemons alive when the non-daemon join ended, each once, when the model says.
        const interruptions = eventsOf(o, "interrupted")
        expect(sorted(interruptions.map((x) => [x.thread, x.t]))).toEqual(
          sorted([...e.interrupted].map((name) => [name, e.threads.get(name)!.stoppedAt]))
        )
        // Every finalizer of every started thread: exactly once, when its thread stops.
        const finalizers = eventsOf(o, "finalizer")
        expect(sorted(finalizers.map((x) => [x.thread, x.index, x.t]))).toEqual(
          sorted(
            [...e.threads.values()].flatMap((t) =>
              Array.from({ length: t.finalizers }, (_, i) => [t.name, i + 1, t.stoppedAt])
            )
          )
        )
        // ...and before `main` returns, except for a daemon still in a critical section when the grace ran out.
        const returned = returnedSeq(o)
        for (const f of finalizers) {
          if (e.stragglers.has(f.thread)) expect(f.seq, `${f.thread} finalizer ${f.index}`).toBeGreaterThan(returned)
          else expect(f.seq, `${f.thread} finalizer ${f.index}`).toBeLessThan(returned)
        }
      })
  )

  forestProperty(
    "3. after main returns, only the main thread is listed and nothing forked under main is still running",
    ({ forest }) =>
      Effect.gen(function*() {
        const o = yield* observeCached(forest)
        const e = expected(forest)
        expect(o.returnedAt).toBeDefined()
        const stragglers = sorted(e.stragglers)
        // `enumerate` and `activeCount` right after `main` returned: the main thread, listed for the
        // instance's whole life, then only stragglers.
        expect(o.after.enumerate[0]).toBe("MainThread")
        for (const name of o.after.enumerate.slice(1)) {
          expect(stragglers, `enumerate lists ${name}`).toContain(name)
        }
        expect(o.after.activeCount).toBe(o.after.enumerate.length)
        // Every fiber started under `main`, counted as it starts and ends (the runtime's fiber hook, not
        // the library's registry): none still running but the stragglers' threads, one fiber each (and,
        // only then, the library's own fibers, which run for MainThread: the release of its registry,
        // which waits for them).
        const threadNames = new Set(e.threads.keys())
        expect(o.after.running.filter((name) => threadNames.has(name))).toEqual(stragglers)
        if (stragglers.length === 0) expect(o.after.running).toEqual([])
        else for (const name of o.after.running) expect(["MainThread", ...stragglers]).toContain(name)
        // Once the stragglers' critical sections are over, nothing at all.
        expect(o.runningAtHorizon).toEqual([])
      })
  )

  forestProperty(
    "5. atExit hooks run exactly once, last registered first, after the last non-daemon and before any daemon is stopped",
    ({ forest }) =>
      Effect.gen(function*() {
        const o = yield* observeCached(forest)
        const e = expected(forest)
        const registered = eventsOf(o, "atexit-register")
        expect(sorted(registered.map((r) => [r.hook, r.thread, r.t]))).toEqual(
          sorted(e.atExit.map((r) => [r.hook, r.thread, r.at]))
        )
        const runs = eventsOf(o, "atexit-run")
        // Exactly once each, in the reverse order of registration, when the non-daemon join ends.
        expect(runs.map((r) => r.hook)).toEqual(registered.map((r) => r.hook).reverse())
        for (const r of runs) expect(r.t, r.hook).toBe(e.joinEnd)
        if (runs.length === 0) return
        const first = runs[0]!.seq
        const last = runs[runs.length - 1]!.seq
        for (const x of o.events) {
          if (!("thread" in x) || !e.threads.has(x.thread)) continue
          const t = e.threads.get(x.thread)!
          // After everything a non-daemon does (its end and its finalizers).
          if (!t.isDaemon) expect(x.seq, `${x._tag} of ${x.thread}`).toBeLessThan(first)
          // Before any daemon's interruption or finalizer at shutdown.
          if (e.interrupted.has(x.thread) && (x._tag === "interrupted" || x._tag === "finalizer")) {
            expect(x.seq, `${x._tag} of ${x.thread}`).toBeGreaterThan(last)
          }
        }
      })
  )
})
