/**
 * Issue 19: a custom excepthook that never ends (and cannot be interrupted)
 * cannot hold the exit open nor hide the failure it was given, under
 * `Threading.runMain`, against test/fixtures/excepthook-hangs.ts run as a
 * real Node process: the hook is given up after `excepthookTimeout`, or as
 * soon as its thread is stopped (by `shutdownTimeout`, or a signal), and
 * the thread's own failure is printed after a line that says so.
 */
import { afterEach, describe, expect, it } from "vitest"
import { endOf, exitCodes, killAll, type Running, startTs } from "./harness.js"

afterEach(killAll)

const fixture = "test/fixtures/excepthook-hangs.ts"

/** Slack for process scheduling on a loaded 2-core machine. */
const margin = 2_000

/** The line that gives the hook up, then the job's own failure, in one write. */
const expectGivenUp = (p: Running, line: string) => {
  const escaped = line.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
  expect(p.err()).toMatch(
    new RegExp(`^${escaped}\\nException in thread Job:\\nJobFailed: the job's own failure$`, "m")
  )
}

describe("an excepthook that never ends", () => {
  it("is given up after excepthookTimeout (1 s): the job's failure is printed, the program exits 0", {
    timeout: 30_000
  }, async () => {
    const p = startTs(fixture, "timeout")
    const called = await p.waitFor("hook: called")
    const ended = await endOf(p)
    expect(p.out()).toEqual(["job: failing", "hook: called"])
    expectGivenUp(p, "threading.excepthook did not end within excepthookTimeout (1s); given up:")
    expect(ended.code).toBe(0)
    expect(ended.at - called.at).toBeGreaterThanOrEqual(900)
    expect(ended.at - called.at).toBeLessThan(1_000 + margin)
  })

  it("is given up when shutdownTimeout stops its thread (excepthookTimeout: 1 hour): the failure is printed", {
    timeout: 30_000
  }, async () => {
    const p = startTs(fixture, "shutdownTimeout")
    const called = await p.waitFor("hook: called")
    const ended = await endOf(p)
    expect(p.err()).toMatch(/shutdownTimeout \(1s\) elapsed; interrupting non-daemon threads still running: Job$/m)
    expectGivenUp(p, "threading.excepthook was still running when its thread was stopped; given up:")
    expect(ended.code).toBe(0)
    expect(ended.at - called.at).toBeLessThan(1_000 + margin)
  })

  it("is given up when a signal stops its thread (excepthookTimeout: 1 hour): the failure is printed", {
    timeout: 30_000
  }, async () => {
    const p = startTs(fixture, "signal")
    await p.waitFor("hook: called")
    const sent = p.kill("SIGTERM")
    const ended = await endOf(p)
    expect(p.err()).toMatch(/interrupting non-daemon threads still running: Job$/m)
    expectGivenUp(p, "threading.excepthook was still running when its thread was stopped; given up:")
    expect(ended.code).toBe(exitCodes.SIGTERM)
    expect(ended.at - sent).toBeLessThan(margin)
  })
})
