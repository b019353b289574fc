/**
 * Issue 19: the bounds that hold while JavaScript is blocked — a finalizer
 * (or the main program's finalizer) in a synchronous loop, which Node cannot
 * interrupt, and during which it runs no listener or timer — under
 * `Threading.runMain`, against test/fixtures/blocked.ts (`daemonGrace: "1
 * second"`) run as a real Node process. From step (c) on, a signal ends the
 * process at once (the operating system's default: runMain gave the signals
 * back), and the watchdog, a worker thread, ends it `daemonGrace` + 1 s
 * after (c) began; after a second signal, the deadline's watchdog does,
 * 1 s after the deadline. Times are measured from a line the program printed
 * or from the signal; the bounds are loose.
 */
import { afterEach, describe, expect, it } from "vitest"
import { endOf, killAll, startTs } from "./harness.js"

afterEach(killAll)

const fixture = "test/fixtures/blocked.ts"

/** Slack for process scheduling on a loaded 2-core machine. */
const margin = 2_500

/** The watchdog's line. */
const watchdogLine = (signal: string, after: string, what: string) =>
  new RegExp(
    `^Exiting \\(${signal}\\): still running ${after} after ${what}; JavaScript is blocked .*, so nothing more can run$`,
    "m"
  )

describe("a daemon's finalizer that blocks JavaScript at step (c)", () => {
  it("no signal: the watchdog ends the process daemonGrace + 1 s after (c) began, with SIGKILL", {
    timeout: 30_000
  }, async () => {
    const p = startTs(fixture, "finalizer")
    const blocking = await p.waitFor("blocker: blocking")
    const ended = await endOf(p)
    expect(p.out()).toContain("ticker: finalizer ran")
    expect(p.err()).toMatch(watchdogLine("SIGKILL", "2s", "step \\(c\\) began"))
    // no signal came: nothing to repeat, so not an exit code a shell would take for a signal's
    expect(ended).toMatchObject({ code: null, signal: "SIGKILL" })
    expect(ended.at - blocking.at).toBeGreaterThanOrEqual(1_500)
    expect(ended.at - blocking.at).toBeLessThan(2_000 + margin)
  })

  it(
    "a signal while it blocks ends the process at once, as the signal's default does",
    { timeout: 30_000 },
    async () => {
      const p = startTs(fixture, "finalizer")
      await p.waitFor("blocker: blocking")
      const sent = p.kill("SIGTERM")
      const ended = await endOf(p)
      expect(ended).toMatchObject({ code: null, signal: "SIGTERM" }) // a shell shows 143
      expect(p.err()).not.toMatch(/^Exiting/m)
      expect(ended.at - sent).toBeLessThan(margin)
    }
  )

  it("after a first SIGTERM, the watchdog ends it with SIGTERM (a shell shows 143, as without the block)", {
    timeout: 30_000
  }, async () => {
    const p = startTs(fixture, "finalizer-signalled")
    await p.waitFor("ready")
    p.kill("SIGTERM")
    const blocking = await p.waitFor("blocker: blocking")
    const ended = await endOf(p)
    expect(p.out()).toContain("main: interrupted")
    expect(p.err()).toMatch(watchdogLine("SIGTERM", "2s", "step \\(c\\) began"))
    expect(ended).toMatchObject({ code: null, signal: "SIGTERM" })
    expect(ended.at - blocking.at).toBeLessThan(2_000 + margin)
  })
})

describe("the main program's finalizer blocks JavaScript after a second signal (before step (c))", () => {
  it(
    "the deadline's watchdog ends the process daemonGrace + 1 s + 1 s after that signal",
    { timeout: 30_000 },
    async () => {
      const p = startTs(fixture, "main-finalizer")
      await p.waitFor("ready")
      p.kill("SIGINT")
      // the finalizer waits for the next signal, then blocks
      await new Promise((resolve) => setTimeout(resolve, 300))
      const second = p.kill("SIGINT")
      await p.waitFor("main: blocking")
      const ended = await endOf(p)
      expect(p.err()).toMatch(watchdogLine("SIGINT", "3s", "the signal"))
      expect(ended).toMatchObject({ code: null, signal: "SIGINT" }) // a shell shows 130
      expect(ended.at - second).toBeGreaterThanOrEqual(2_500)
      expect(ended.at - second).toBeLessThan(3_000 + margin)
    }
  )

  it("a third signal while it blocks ends the process at once", { timeout: 30_000 }, async () => {
    const p = startTs(fixture, "main-finalizer")
    await p.waitFor("ready")
    p.kill("SIGINT")
    await new Promise((resolve) => setTimeout(resolve, 300))
    p.kill("SIGINT")
    await p.waitFor("main: blocking")
    const third = p.kill("SIGTERM")
    const ended = await endOf(p)
    expect(ended).toMatchObject({ code: null, signal: "SIGTERM" })
    expect(p.err()).not.toMatch(/^Exiting/m)
    expect(ended.at - third).toBeLessThan(margin)
  })
})
