/**
 * Issue 4, cases 5, 6 and 7: what bounds the exit when threads will not
 * stop (`daemonGrace`, `shutdownTimeout`) and when stray handles are left
 * open, against fixtures run as real Node processes through
 * `Threading.runMain`. Times are measured from a line the program printed.
 */
import { afterEach, describe, expect, it } from "vitest"
import { endOf, exitCodes, killAll, startTs } from "./harness.js"

afterEach(killAll)

/** Slack for process scheduling on a loaded 2-core machine. */
const margin = 2_000

describe("a stuck daemon (daemonGrace: 1 second)", () => {
  it.each(
    [
      ["an uninterruptible loop", "loop", "Spinner"],
      ["a finalizer that hangs", "finalizer", "Cleaner"]
    ] as const
  )("in %s: exit within daemonGrace of the last non-daemon, with a warning naming it", {
    timeout: 30_000
  }, async (_, mode, name) => {
    const p = startTs("test/fixtures/stuck-daemon.ts", mode)
    const last = await p.waitFor("last non-daemon: done")
    const ended = await endOf(p)
    expect(ended.code).toBe(0)
    // The well-behaved daemon was still interrupted and cleaned up.
    expect(p.out()).toContain("Ticker: finalizer ran")
    if (mode === "finalizer") expect(p.out()).toContain("Cleaner: finalizer started")
    // through runMain's pretty logger, on stderr: the warning, then the dump of what still runs
    const err = p.err()
    const warning = err.search(
      new RegExp(
        `^\\[[\\d:.]+\\] WARN \\(#\\d+\\): daemonGrace \\(1s\\) elapsed; threads still running at exit: ${name}$`,
        "m"
      )
    )
    const dump = err.search(/^\[[\d:.]+\] WARN \(#\d+\): Thread dump \(1 thread\):$/m)
    expect(warning).toBeGreaterThanOrEqual(0)
    expect(dump).toBeGreaterThan(warning)
    expect(err.slice(dump)).toMatch(new RegExp(`^"${name}" #\\d+ daemon age=.* suspended$`, "m"))
    // The grace is given in full, and not much more.
    const elapsed = ended.at - last.at
    expect(elapsed).toBeGreaterThanOrEqual(900)
    expect(elapsed).toBeLessThan(1_000 + margin)
  })
})

describe("shutdownTimeout (1 second) elapses with a non-daemon still running", () => {
  it.each(
    [
      ["succeeds", "ok", 0],
      ["fails", "fail", 1]
    ] as const
  )("when main %s: it is interrupted, a warning names it, the exit code stays the program's", {
    timeout: 30_000
  }, async (_, mode, code) => {
    const p = startTs("test/fixtures/shutdown-timeout.ts", mode)
    const done = await p.waitFor("main: done")
    const ended = await endOf(p)
    expect(p.out()).toEqual(["main: done", "Straggler: finalizer ran"])
    const err = p.err()
    const warning = err.search(
      /^\[[\d:.]+\] WARN \(#\d+\): shutdownTimeout \(1s\) elapsed; interrupting non-daemon threads still running: Straggler$/m
    )
    const dump = err.search(/^\[[\d:.]+\] WARN \(#\d+\): Thread dump \(1 thread\):$/m)
    expect(warning).toBeGreaterThanOrEqual(0)
    expect(dump).toBeGreaterThan(warning)
    expect(err.slice(dump)).toMatch(/^"Straggler" #\d+ age=.* suspended$/m)
    if (mode === "fail") expect(p.err()).toMatch(/^MainFailed: main failed on purpose$/m)
    expect(ended.code).toBe(code)
    const elapsed = ended.at - done.at
    expect(elapsed).toBeGreaterThanOrEqual(900)
    expect(elapsed).toBeLessThan(1_000 + margin)
  })
})

describe("stray handles (setInterval, a listening server, an open socket)", () => {
  it("do not keep the process alive after main ends", { timeout: 30_000 }, async () => {
    const p = startTs("test/fixtures/stray-handles.ts", "end")
    const ready = await p.waitFor("ready")
    const ended = await endOf(p)
    expect(ended.code).toBe(0)
    expect(p.err()).toBe("")
    expect(ended.at - ready.at).toBeLessThan(margin)
  })

  it("do not keep the process alive after SIGTERM", { timeout: 30_000 }, async () => {
    const p = startTs("test/fixtures/stray-handles.ts", "wait")
    await p.waitFor("ready")
    const sent = p.kill("SIGTERM")
    const ended = await endOf(p)
    expect(ended.code).toBe(exitCodes.SIGTERM)
    expect(p.err()).toBe("")
    expect(ended.at - sent).toBeLessThan(margin)
  })
})

describe("a signal while the app's layer is released, after the shutdown has ended", () => {
  it("still arms the deadline: exit within daemonGrace (500 ms) + 1 s of it, with its code", {
    timeout: 30_000
  }, async () => {
    const p = startTs("test/fixtures/slow-release.ts")
    await p.waitFor("layer: releasing")
    const sent = p.kill("SIGTERM")
    const ended = await endOf(p)
    expect(p.out()).toEqual(["main: done", "layer: releasing"])
    expect(p.err()).toBe("Exiting: still running 1s 500ms after the signal")
    expect(ended.code).toBe(exitCodes.SIGTERM)
    const elapsed = ended.at - sent
    expect(elapsed).toBeGreaterThanOrEqual(1_400)
    expect(elapsed).toBeLessThan(1_500 + margin)
  })
})
