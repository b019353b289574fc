/**
 * Issue 12, items 1, 2 and 4, in the Effect 3 edition: the app's resources
 * outlive the threads that use them, in each app shape (test/fixtures/
 * app-layer.ts); a second signal cuts the wait of a `Threading.layer` nested
 * inside `runMain`; `mainGrace` bounds the main program's own finalizers, and
 * after a second signal the process exits within `daemonGrace` + 1 s
 * whatever still runs (test/fixtures/main-grace.ts). Real Node processes;
 * the assertions are about order and content, times only as loose bounds.
 */
import { afterEach, describe, expect, it } from "vitest"
import { endOf, exitCodes, killAll, startTs } from "./harness.js"

afterEach(killAll)

/** Slack for process scheduling on a loaded 2-core machine. */
const margin = 3_000

const jobs = ["job-1", "job-2", "job-3"] as const

/** The pool closed after the last use of every job, and the signal came while they ran. */
const expectClosedAfterLastUse = (lines: ReadonlyArray<string>, signalSeen: string) => {
  const closed = lines.indexOf("db: closed")
  expect(closed).toBe(lines.length - 1)
  const lastUses = jobs.map((job) => lines.indexOf(`${job}: last use`))
  for (const at of lastUses) {
    expect(at).toBeGreaterThan(-1)
    expect(at).toBeLessThan(closed)
  }
  // SIGTERM came mid-job: at least one job still had work to do after it.
  expect(lines.indexOf(signalSeen)).toBeGreaterThan(-1)
  expect(lines.indexOf(signalSeen)).toBeLessThan(Math.max(...lastUses))
}

describe("the app's resources outlive the threads that use them (SIGTERM mid-job)", () => {
  it("Threading.runMain(program, { layer: DbLive }): closed after the last use; exit 143", {
    timeout: 30_000
  }, async () => {
    const p = startTs("test/fixtures/app-layer.ts", "runMain-layer")
    await p.waitFor("ready")
    p.kill("SIGTERM")
    const ended = await endOf(p)
    expectClosedAfterLastUse(p.out(), "main: interrupted")
    expect(p.err()).toBe("")
    expect(ended.code).toBe(exitCodes.SIGTERM)
  })

  it("a Layer app with the documented spelling (provideMerge Threading.layer, then DbLive): the same", {
    timeout: 30_000
  }, async () => {
    const p = startTs("test/fixtures/app-layer.ts", "layer-app")
    await p.waitFor("ready")
    p.kill("SIGTERM")
    const ended = await endOf(p)
    expectClosedAfterLastUse(p.out(), "app: closed")
    expect(p.err()).toBe("")
    expect(ended.code).toBe(exitCodes.SIGTERM)
  })
})

describe("a Threading.layer nested inside Threading.runMain", () => {
  it("a second SIGTERM cuts its wait: its 30 s jobs are interrupted (finalizers run, the pool still open); exit 143", {
    timeout: 30_000
  }, async () => {
    const p = startTs("test/fixtures/app-layer.ts", "nested")
    await p.waitFor("ready")
    p.kill("SIGTERM")
    // The app is released: the nested instance now waits for its jobs.
    await p.waitFor("app: closed")
    p.kill("SIGTERM")
    const ended = await endOf(p)
    const lines = p.out()
    for (const job of jobs) {
      expect(lines.indexOf(`${job}: interrupted, used db in its finalizer`)).toBeGreaterThan(
        lines.indexOf("app: closed")
      )
    }
    expect(lines.at(-1)).toBe("db: closed")
    expect(lines.filter((line) => line.endsWith("last use"))).toEqual([])
    expect(p.err()).toMatch(/^Warning: signal received while waiting for non-daemon threads; .*: job-1, job-2, job-3$/m)
    // cut by the nested instance's own step (c), not by the deadline
    expect(p.err()).not.toContain("Exiting:")
    expect(ended.code).toBe(exitCodes.SIGTERM)
  })
})

describe("bounds on the main program's own finalizers", () => {
  it("mainGrace: after one SIGTERM, the atExit hooks and daemon finalizers run though main's finalizer takes 10 s", {
    timeout: 30_000
  }, async () => {
    const p = startTs("test/fixtures/main-grace.ts", "grace")
    await p.waitFor("ready")
    const sent = p.kill("SIGTERM")
    const ended = await endOf(p)
    expect(p.out()).toEqual(["ready", "main: finalizer started", "atExit: hook ran", "daemon: finalizer ran"])
    expect(p.err()).toMatch(
      /^Warning: mainGrace \(1s\) elapsed; the main program's finalizers are still running$/m
    )
    expect(ended.code).toBe(exitCodes.SIGTERM)
    // mainGrace (1 s) is given in full, and the exit comes long before the finalizer's 10 s.
    expect(ended.at - sent).toBeGreaterThanOrEqual(900)
    expect(ended.at - sent).toBeLessThan(1_000 + margin)
  })

  it("after a second SIGTERM the process exits within daemonGrace + 1 s, whatever main's finalizer does", {
    timeout: 30_000
  }, async () => {
    const p = startTs("test/fixtures/main-grace.ts", "stuck")
    await p.waitFor("ready")
    p.kill("SIGTERM")
    await p.waitFor("main: finalizer started")
    const second = p.kill("SIGTERM")
    const ended = await endOf(p)
    expect(p.out()).toEqual(["ready", "main: finalizer started"])
    expect(p.err()).toMatch(/^Exiting: still running 2s after the signal$/m)
    expect(ended.code).toBe(exitCodes.SIGTERM)
    expect(ended.at - second).toBeGreaterThanOrEqual(1_900)
    expect(ended.at - second).toBeLessThan(2_000 + margin)
  })
})
