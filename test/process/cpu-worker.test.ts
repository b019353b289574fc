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

/** Runs the example in `mode` to its end, waiting for two lines on the way; it must end with code 0. */
const runMode = async (mode: string, first: string, second: string) => {
  const p = startTs("examples/cpu-worker.ts", mode)
  const lines = [await p.waitFor(first, timeout), await p.waitFor(second, timeout)] as const
  const ended = await endOf(p, timeout)
  expect(ended.code).toBe(0)
  return { p, lines, ended }
}

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
    const { ended, lines: [started, answered], p } = await runMode(
      "non-daemon",
      "fib(40) started in a worker",
      "fib(40) = 102334155"
    )
    expect(p.err()).toBe("")
    // main's own code ended first; the exit waited for the thread, and came right after its answer
    expect(story(p)).toEqual(["Main program exits.", "fib(40) started in a worker", "fib(40) = 102334155"])
    expect(ended.at - answered.at).toBeLessThan(margin)
    // the event loop was free: a tick about every 100 ms all along
    const { longestGap, span, ticks } = ticksBetween(p, started, answered)
    expect(longestGap).toBeLessThan(500)
    expect(ticks).toBeGreaterThanOrEqual(Math.floor(span / 100 / 2))
  })

  it("a daemon thread's worker is terminated at exit, mid-computation, at once", { timeout }, async () => {
    const { ended, lines: [started, mainEnded], p } = await runMode(
      "daemon",
      "fib(60) started in a worker",
      "Main program exits."
    )
    // no daemonGrace warning: the worker was not waited for (a busy worker cannot read the close message)
    expect(p.err()).toBe("")
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
    const { lines: [started, answered], p } = await runMode(
      "in-fiber",
      "fib(40) started in the thread's fiber",
      "fib(40) = 102334155"
    )
    const { ticks } = ticksBetween(p, started, answered)
    expect(ticks).toBeLessThanOrEqual(1) // (one may be scheduled before the computation begins)
    expect(answered.at - started.at).toBeGreaterThan(200)
  })
})
