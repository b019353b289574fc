/**
 * Issue 18, tests first: the second signal while an instance is still
 * Running cuts its non-daemon wait (the rule `signals >= 2 || state !==
 * "Running"`), and the deadline a signal arms ends the process `daemonGrace`
 * + 1 s after it whatever still runs — against test/fixtures/second-signal.ts,
 * run as a real Node process through `Threading.runMain`. Times are measured
 * from the signal; the bounds are loose, and far from the deadline where the
 * test is about a prompt exit.
 */
import { afterEach, describe, expect, it } from "vitest"
import { type Ended, endOf, exitCodes, killAll, type Running, startTs } from "./harness.js"

afterEach(killAll)

const fixture = "test/fixtures/second-signal.ts"

/** Slack for process scheduling on a loaded 2-core machine. */
const margin = 3_000

/**
 * Runs the fixture in `mode`, sends `signal` once the lines `ready` are out,
 * and again once `between` is: the process, when the second signal was
 * sent, and how the process ended.
 */
const signalTwice = async (
  mode: string,
  signal: "SIGINT" | "SIGTERM",
  ready: ReadonlyArray<string>,
  between: string
) => {
  const p = startTs(fixture, mode)
  for (const line of ready) await p.waitFor(line)
  p.kill(signal)
  await p.waitFor(between)
  const second = p.kill(signal)
  return { p, second, ended: await endOf(p, 30_000) }
}

/** The deadline (daemonGrace 1 s + 1 s after `sent`, not before) ended the process, with its line and `code`. */
const expectDeadline = (p: Running, ended: Ended, sent: number, code: number) => {
  expect(p.err()).toMatch(/^Exiting: still running 2s after the signal$/m)
  expect(ended.code).toBe(code)
  expect(ended.at - sent).toBeGreaterThanOrEqual(1_900)
  expect(ended.at - sent).toBeLessThan(2_000 + margin)
}

/** A line of runMain's pretty logger (`[12:00:00.000] WARN (#7): message`) with this message. */
const logLine = (message: string) =>
  new RegExp(`^\\[[\\d:.]+\\] WARN \\(#\\d+\\): ${message.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`, "m")

/** Every match of `pattern` (a multi-line regular expression) in `text`. */
const count = (text: string, pattern: RegExp) => text.match(new RegExp(pattern.source, "gm"))?.length ?? 0

describe.each(["SIGINT", "SIGTERM"] as const)("%s twice", (signal) => {
  it("the second while main's finalizer still runs (no mainGrace): the wait is cut, no deadline needed", {
    timeout: 60_000
  }, async () => {
    const { ended, p, second } = await signalTwice("main-finalizer", signal, ["ready"], "main: finalizer started")
    expect(p.out()).toEqual(["ready", "main: finalizer started", "main: finalizer ended", "worker: finalizer ran"])
    const err = p.err()
    // the wait was cut before it began: no waiting line, `Stopping...` and the dump at once
    expect(err).not.toMatch(/Waiting for/)
    const stopping = err.search(logLine("Stopping 1 non-daemon thread..."))
    expect(stopping).toBeGreaterThanOrEqual(0)
    expect(err.slice(stopping)).toMatch(/^"Worker" #\d+ age=.* suspended$/m)
    expect(err).not.toMatch(/Exiting:/)
    expect(ended.code).toBe(exitCodes[signal])
    // daemonGrace is 10 s: the deadline (11 s) did not end it
    expect(ended.at - second).toBeLessThan(2_000 + margin)
  })

  it("the second while another instance is still Running: its wait is cut too (a Threading.main in a daemon)", {
    timeout: 60_000
  }, async () => {
    const { ended, p, second } = await signalTwice(
      "second-instance",
      signal,
      ["ready", "inner: ready"],
      "main: interrupted"
    )
    const out = p.out()
    expect(out).toContain("worker: finalizer ran")
    expect(out).toContain("inner worker: finalizer ran")
    const err = p.err()
    // one `Stopping...` per instance; the inner one never waited
    expect(count(err, logLine("Stopping 1 non-daemon thread..."))).toBe(2)
    expect(err).toMatch(/^ {2}threads: \[ 'InnerWorker' \]$/m)
    expect(err).not.toMatch(/Waiting for 1 non-daemon thread \(InnerWorker\)/)
    expect(err).not.toMatch(/daemonGrace \(10s\) elapsed/)
    expect(err).not.toMatch(/Exiting:/)
    expect(ended.code).toBe(exitCodes[signal])
    expect(ended.at - second).toBeLessThan(2_000 + margin)
  })
})

describe("the deadline a signal arms: daemonGrace (1 s) + 1 s, whatever still runs", () => {
  it("after a second signal while main's finalizer still runs, and will never end", { timeout: 60_000 }, async () => {
    const { ended, p, second } = await signalTwice(
      "main-finalizer-hangs",
      "SIGINT",
      ["ready"],
      "main: finalizer started"
    )
    expect(p.out()).toEqual(["ready", "main: finalizer started", "main: finalizer ended"])
    expectDeadline(p, ended, second, exitCodes.SIGINT)
  })

  it("after a second signal during the non-daemon wait (an atExit hook never ends)", { timeout: 60_000 }, async () => {
    const { ended, p, second } = await signalTwice("hook-hangs", "SIGINT", ["ready"], "main: interrupted")
    expect(p.out()).toEqual(["ready", "main: interrupted", "atExit: hook started"])
    expect(p.err()).toMatch(logLine("Stopping 1 non-daemon thread..."))
    expectDeadline(p, ended, second, exitCodes.SIGINT)
  })

  it("after a first signal once the program has ended by itself (the wait was on; the hook never ends)", {
    timeout: 60_000
  }, async () => {
    const p = startTs(fixture, "ended-hook-hangs")
    await p.waitFor("waiting")
    const first = p.kill("SIGTERM")
    const ended = await endOf(p, 30_000)
    expect(p.out()).toEqual(["waiting", "atExit: hook started"])
    expect(p.err()).toMatch(logLine("Stopping 1 non-daemon thread..."))
    expectDeadline(p, ended, first, exitCodes.SIGTERM)
  })
})
