/**
 * Issue 19: an uncaught exception or an unhandled promise rejection — a
 * fault from outside Effect — under `Threading.runMain`, against
 * test/fixtures/uncaught.ts run as a real Node process: the fault is
 * reported on stderr (the error and its stack), then the program stops as
 * after a signal — the main program interrupted, the non-daemon job waited
 * for, the atExit hook and the daemon's finalizer run — and exits 1. A
 * second fault or a signal cuts the wait as a second signal does.
 * `uncaught: "crash"` keeps Node's immediate crash.
 */
import { afterEach, describe, expect, it } from "vitest"
import { endOf, killAll, startTs } from "./harness.js"

afterEach(killAll)

const fixture = "test/fixtures/uncaught.ts"

/** The report's first line. */
const reportLine = (what: string) => `${what} outside Effect; shutting down as after a signal (exit code 1)`

/** Every match of `pattern` (a multi-line regular expression) in `text`. */
const count = (text: string, pattern: RegExp) => text.match(new RegExp(pattern.source, "gm"))?.length ?? 0

/** The warning of a wait cut by a second event. */
const cutLine =
  /^Warning: signal received while waiting for non-daemon threads; interrupting non-daemon threads still running: Job$/m

describe.each(
  [
    ["Uncaught exception", "exception"],
    ["Unhandled promise rejection", "rejection"]
  ] as const
)("%s from outside Effect", (what, mode) => {
  it(
    "is reported with its stack, then the program stops as after a signal: the job finishes, hooks and finalizers run, exit 1",
    { timeout: 30_000 },
    async () => {
      const p = startTs(fixture, mode)
      await p.waitFor("ready")
      p.kill("SIGUSR2")
      const ended = await endOf(p)
      expect(p.out()).toEqual([
        "ready",
        "main: interrupted",
        "job: started",
        "job: done", // waited for, as after a first signal: not interrupted
        "atExit: hook ran",
        "daemon: finalizer ran"
      ])
      const err = p.err()
      // the report: the line, the error and its stack (where the listener threw)
      expect(err.split("\n").slice(0, 3).join("\n")).toMatch(
        new RegExp(
          `^${
            reportLine(what).replace(/[()]/g, "\\$&")
          }\\nError: boom 1 from a listener\\n {4}at .*test/fixtures/uncaught\\.ts:\\d+:\\d+\\)$`
        )
      )
      // not Node's own crash report
      expect(err).not.toMatch(/^Node\.js v/m)
      expect(ended.code).toBe(1)
    }
  )
})

describe("a second event while the job is waited for", () => {
  it("a second fault cuts the wait as a second signal does: the job is interrupted; exit 1, at once", {
    timeout: 30_000
  }, async () => {
    const p = startTs(fixture, "hang")
    await p.waitFor("ready")
    p.kill("SIGUSR2")
    await p.waitFor("job: started")
    const second = p.kill("SIGUSR2")
    const ended = await endOf(p)
    expect(p.out()).toEqual([
      "ready",
      "main: interrupted",
      "job: started",
      "atExit: hook ran",
      expect.stringMatching(/^(job: interrupted|daemon: finalizer ran)$/),
      expect.stringMatching(/^(job: interrupted|daemon: finalizer ran)$/)
    ])
    expect(p.out()).toContain("job: interrupted")
    const err = p.err()
    expect(count(err, /^Uncaught exception outside Effect; shutting down as after a signal \(exit code 1\)$/)).toBe(2)
    expect(err).toMatch(/^Error: boom 2 from a listener$/m)
    expect(err).toMatch(cutLine)
    expect(ended.code).toBe(1)
    expect(ended.at - second).toBeLessThan(3_000)
  })

  it("a signal after a fault cuts it too; the exit code stays the fault's, 1", { timeout: 30_000 }, async () => {
    const p = startTs(fixture, "hang")
    await p.waitFor("ready")
    p.kill("SIGUSR2")
    await p.waitFor("job: started")
    const signal = p.kill("SIGTERM")
    const ended = await endOf(p)
    expect(p.out()).toContain("job: interrupted")
    expect(p.out()).toContain("atExit: hook ran")
    expect(p.out()).toContain("daemon: finalizer ran")
    expect(p.err()).toMatch(cutLine)
    expect(ended.code).toBe(1)
    expect(ended.at - signal).toBeLessThan(3_000)
  })
})

describe("uncaught: \"crash\"", () => {
  it(
    "keeps Node's immediate crash: its own report, exit 1, nothing of the shutdown runs",
    { timeout: 30_000 },
    async () => {
      const p = startTs(fixture, "crash")
      await p.waitFor("ready")
      p.kill("SIGUSR2")
      const ended = await endOf(p)
      expect(p.out()).toEqual(["ready"])
      const err = p.err()
      expect(err).toMatch(/^Error: boom 1 from a listener$/m)
      expect(err).toMatch(/^Node\.js v/m)
      expect(err).not.toMatch(/outside Effect/)
      expect(ended.code).toBe(1)
    }
  )
})

describe("a bad uncaught option", () => {
  it("exit 1 with the error naming the option; the program does not run", { timeout: 30_000 }, async () => {
    const p = startTs(fixture, "bad-option")
    const ended = await endOf(p)
    expect(ended.code).toBe(1)
    expect(p.out()).toEqual([])
    expect(p.err()).toMatch(/ThreadError: invalid option uncaught: expected "shutdown" or "crash" \(got "ignore"\)/m)
  })
})
