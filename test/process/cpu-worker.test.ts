/**
 * Issue 20, item 5: CPU-bound work in a `worker_threads` worker (Effect's
 * `effect/workers` with `@effect/platform-node`'s `NodeWorker`), started from
 * a thread — examples/cpu-worker.ts, run as a real process in its three
 * modes. The exit rule still holds (a non-daemon thread's worker is waited
 * for; a daemon's is terminated at exit, at once), and the event loop stays
 * free meanwhile: the `ticker` daemon's 100 ms ticks keep arriving while the
 * worker computes — unlike the same computation in the thread's own fiber
 * (mode `in-fiber`, the control: no tick gets through).
 *
 * Times are the arrival times of the lines in this process. Start-up is slow
 * (tsx in the process, then again in the worker), hence the timeouts.
 */
import { afterEach, describe, expect, it } from "vitest"
import { endOf, killAll, type Line, type Running, startTs } from "./harness.js"

afterEach(killAll)

const timeout = 120_000

/** Slack for process scheduling on a loaded 2-core machine. */
const margin = 2_000

const run = (mode: string) => startTs("examples/cpu-worker.ts", mode)

/** The stdout lines strictly between two lines (by position). */
const between = (p: Running, from: Line, to: Line): ReadonlyArray<Line> =>
  p.stdout.slice(p.stdout.indexOf(from) + 1, p.stdout.indexOf(to))

/** The ticks between two lines, and the longest silence between consecutive lines there (ms). */
const ticksBetween = (p: Running, from: Line, to: Line) => {
  const inside = between(p, from, to).filter((line) => line.text === "tick")
  const times = [from.at, ...inside.map((line) => line.at), to.at]
  const gaps = times.slice(1).map((at, i) => at - times[i]!)
  return { ticks: inside.length, longestGap: Math.max(...gaps), span: to.at - from.at }
}

/** The lines other than the ticks. */
const story = (p: Running) => p.out().filter((line) => line !== "tick" && line.length > 0)

describe("examples/cpu-worker.ts", () => {
  it("a non-daemon thread's worker is waited for, and the ticks go on while it computes", { timeout }, async () => {
    const p = run("non-daemon")
    const started = await p.waitFor("fib(40) started in a worker", timeout)
    const answered = await p.waitFor("fib(40) = 102334155", timeout)
    const ended = await endOf(p, timeout)
    expect(p.err()).toBe("")
    expect(ended.code).toBe(0)
    // main's own code ended first; the exit waited for the thread, and came right after its answer
    expect(story(p)).toEqual(["Main program exits.", "fib(40) started in a worker", "fib(40) = 102334155"])
    expect(ended.at - answered.at).toBeLessThan(margin)
    // the event loop was free: a tick about every 100 ms all along
    const { longestGap, span, ticks } = ticksBetween(p, started, answered)
    expect(longestGap).toBeLessThan(500)
    expect(ticks).toBeGreaterThanOrEqual(Math.floor(span / 100 / 2))
  })

  it("a daemon thread's worker is terminated at exit, mid-computation, at once", { timeout }, async () => {
    const p = run("daemon")
    const started = await p.waitFor("fib(60) started in a worker", timeout)
    const mainEnded = await p.waitFor("Main program exits.", timeout)
    const ended = await endOf(p, timeout)
    // no daemonGrace warning: the worker was not waited for (a busy worker cannot read the close message)
    expect(p.err()).toBe("")
    expect(ended.code).toBe(0)
    expect(story(p)).toEqual([
      "fib(60) started in a worker",
      "Main program exits.",
      "fib(60) stopped: its worker is terminated"
    ])
    expect(ended.at - mainEnded.at).toBeLessThan(margin)
    // main's last second: the worker computed, the ticks went on
    const { longestGap, ticks } = ticksBetween(p, started, mainEnded)
    expect(longestGap).toBeLessThan(500)
    expect(ticks).toBeGreaterThanOrEqual(5)
  })

  it("the control: the same computation in the thread's own fiber stops every tick until it is done", {
    timeout
  }, async () => {
    const p = run("in-fiber")
    const started = await p.waitFor("fib(40) started in the thread's fiber", timeout)
    const answered = await p.waitFor("fib(40) = 102334155", timeout)
    const ended = await endOf(p, timeout)
    expect(ended.code).toBe(0)
    const { ticks } = ticksBetween(p, started, answered)
    expect(ticks).toBeLessThanOrEqual(1) // (one may be scheduled before the computation begins)
    expect(answered.at - started.at).toBeGreaterThan(200)
  })
})
