/**
 * Issue 4, cases 3 and 4: a failing or dying main program, and failing
 * threads, against test/fixtures/main-fails.ts and thread-fails.ts run as
 * real Node processes through `Threading.runMain`.
 */
import { afterEach, describe, expect, it } from "vitest"
import { endOf, killAll, startTs } from "./harness.js"

afterEach(killAll)

describe("the main program fails", () => {
  it.each(
    [
      ["fails", "fail", /^MainFailed: main failed on purpose$/m],
      ["dies (defect)", "die", /^Error: main died on purpose$/m]
    ] as const
  )("%s: the non-daemon is still joined, the cause is printed, exit 1", {
    timeout: 30_000
  }, async (_, mode, cause) => {
    const p = startTs("test/fixtures/main-fails.ts", mode)
    const failing = await p.waitFor("main: failing")
    const ended = await endOf(p)
    expect(p.out()).toEqual(["main: failing"])
    const err = p.err()
    // The worker writes to stderr too, so the order is that of one stream:
    // joined first, the cause printed after.
    expect(err).toMatch(/^worker: finished$/m)
    expect(err).toMatch(cause)
    expect(err.indexOf("worker: finished")).toBeLessThan(err.search(cause))
    expect(ended.code).toBe(1)
    // The worker takes 300 ms; nothing else waits.
    expect(ended.at - failing.at).toBeLessThan(3_000)
  })
})

describe("a thread fails", () => {
  it("logs `Exception in thread NAME:` and the cause on stderr (runMain's pretty logger); main goes on; exit 0", {
    timeout: 30_000
  }, async () => {
    const p = startTs("test/fixtures/thread-fails.ts")
    const ended = await endOf(p)
    expect(p.out()).toEqual(["main: after Downloader", "main: done"])
    // the entry's line, then (indented by the pretty logger) the cause and the `thread` annotation
    expect(p.err()).toMatch(
      /^\[[\d:.]+\] ERROR \(#\d+\): Exception in thread Downloader:\n {2}DownloadFailed: disk on fire\n.*^ {2}thread: Downloader$/ms
    )
    expect(p.err()).toMatch(
      /^\[[\d:.]+\] ERROR \(#\d+\): Exception in thread Sidecar:\n {2}Error: sidecar defect\n.*^ {2}thread: Sidecar$/ms
    )
    expect(ended.code).toBe(0)
  })
})

describe("daemon threads that fail while being stopped at exit (step (c))", () => {
  it(
    "are reported: `Exception in thread NAME:` and the error logged on stderr; exit 0",
    { timeout: 30_000 },
    async () => {
      const p = startTs("test/fixtures/fails-at-exit.ts")
      const ended = await endOf(p)
      expect(p.out()).toEqual(["main: done", "Quiet: stopped"])
      expect(p.err()).toMatch(/^\[[\d:.]+\] ERROR \(#\d+\): Exception in thread Flusher:\n {2}Error: flush failed$/m)
      expect(p.err()).toMatch(
        /^\[[\d:.]+\] ERROR \(#\d+\): Exception in thread Respawner:\n {2}ThreadError: can't create new thread at interpreter shutdown$/m
      )
      expect(p.err()).not.toMatch(/Quiet/)
      expect(ended.code).toBe(0)
    }
  )

  it("with a failing excepthook, both the hook's error and the thread's failure are printed", {
    timeout: 30_000
  }, async () => {
    const p = startTs("test/fixtures/fails-at-exit.ts", "hook-fails")
    const ended = await endOf(p)
    expect(p.err()).toMatch(
      /ERROR \(#\d+\): Exception in threading.excepthook:\n {2}Error: hook failed\n[^]*^ {2}thread: Flusher\n[^]*ERROR \(#\d+\): Exception in thread Flusher:\n {2}Error: flush failed$/m
    )
    expect(ended.code).toBe(0)
  })

  it("with an excepthook that throws, both the hook's error and the thread's failure are printed", {
    timeout: 30_000
  }, async () => {
    const p = startTs("test/fixtures/fails-at-exit.ts", "hook-throws")
    const ended = await endOf(p)
    expect(p.err()).toMatch(
      /ERROR \(#\d+\): Exception in threading.excepthook:\n {2}Error: hook threw\n[^]*^ {2}thread: Flusher\n[^]*ERROR \(#\d+\): Exception in thread Flusher:\n {2}Error: flush failed$/m
    )
    expect(ended.code).toBe(0)
  })
})
