/**
 * Issue 4, cases 1 and 2: the two signals of a container (SIGTERM) and of a
 * terminal (SIGINT), once and twice, against test/fixtures/signals.ts, run as
 * a real Node process through `Threading.runMain`; and SIGHUP (a terminal
 * that hangs up), a stop signal like them (issue 19).
 */
import { afterEach, describe, expect, it } from "vitest"
import { endOf, exitCodes, killAll, startTs } from "./harness.js"

afterEach(killAll)

const fixture = "test/fixtures/signals.ts"
const signals = ["SIGINT", "SIGTERM", "SIGHUP"] as const

describe.each(signals)("%s", (signal) => {
  it("while main runs: main is interrupted, the non-daemon still finishes, the daemon's finalizer runs", {
    timeout: 30_000
  }, async () => {
    const p = startTs(fixture, "finish")
    const ready = await p.waitFor("ready")
    p.kill(signal)
    const ended = await endOf(p)
    expect(p.out()).toEqual([
      "ready",
      "main: interrupted",
      "worker: finished", // not "worker: finalizer ran": the worker was joined, not interrupted
      "daemon: finalizer ran"
    ])
    expect(p.err()).toBe("")
    expect(ended.code).toBe(exitCodes[signal])
    // The worker needs 300 ms after the signal; the rest is not a wait.
    expect(ended.at - ready.at).toBeLessThan(5_000)
  })

  it("a second signal during the non-daemon wait interrupts the non-daemons; exit is prompt", {
    timeout: 30_000
  }, async () => {
    const p = startTs(fixture, "hang")
    await p.waitFor("ready")
    p.kill(signal)
    await p.waitFor("worker: waiting")
    const second = p.kill(signal)
    const ended = await endOf(p)
    expect(p.out()).toEqual([
      "ready",
      "main: interrupted",
      "worker: waiting",
      // (c) interrupts the remaining non-daemon with the daemons
      expect.stringMatching(/^(worker|daemon): finalizer ran$/),
      expect.stringMatching(/^(worker|daemon): finalizer ran$/)
    ])
    expect(p.out()).toContain("worker: finalizer ran")
    expect(p.out()).toContain("daemon: finalizer ran")
    expect(p.err()).toMatch(/^Warning: .*signal.*: Worker$/m)
    expect(ended.code).toBe(exitCodes[signal])
    expect(ended.at - second).toBeLessThan(3_000)
  })

  it("after main has ended, a first signal ends the non-daemon wait (a container's stop)", {
    timeout: 30_000
  }, async () => {
    const p = startTs(fixture, "ended")
    await p.waitFor("worker: waiting")
    const sent = p.kill(signal)
    const ended = await endOf(p)
    expect(p.out()).toContain("worker: finalizer ran")
    expect(p.out()).toContain("daemon: finalizer ran")
    expect(p.out()).not.toContain("main: interrupted")
    expect(p.err()).toMatch(/^Warning: .*signal.*: Worker$/m)
    expect(ended.code).toBe(exitCodes[signal])
    expect(ended.at - sent).toBeLessThan(3_000)
  })
})

describe("a signal that exits at once", () => {
  it("during step (c), the first: the process ends at once, even while a daemon is stuck within a long daemonGrace", {
    timeout: 30_000
  }, async () => {
    // daemonGrace of an hour: only a signal can end this promptly.
    const p = startTs("test/fixtures/stuck-daemon.ts", "loop", "1 hour")
    // Ticker's finalizer has run: step (c) is waiting for the stuck Spinner.
    await p.waitFor("Ticker: finalizer ran")
    const sent = p.kill("SIGINT")
    const ended = await endOf(p)
    // runMain gave the signals back to the operating system for (c) (the app's own listener, which would
    // have said `signal 1`, included): its default ends the process, as a shell shows, 130
    expect(ended).toMatchObject({ code: null, signal: "SIGINT" })
    expect(p.out()).not.toContain("signal 1")
    expect(ended.at - sent).toBeLessThan(3_000)
  })

  it("before step (c), the third: the second gave the signals back, the third ends the process at once", {
    timeout: 30_000
  }, async () => {
    // an atExit hook that never ends, daemonGrace 10 s: after the second signal, the deadline (11 s) would end it
    const p = startTs("test/fixtures/second-signal.ts", "hook-hangs", "10 seconds")
    await p.waitFor("ready")
    p.kill("SIGTERM")
    await p.waitFor("main: interrupted")
    p.kill("SIGTERM")
    await p.waitFor("atExit: hook started")
    const third = p.kill("SIGINT")
    const ended = await endOf(p)
    // the third signal's own default: a shell shows 130, where the teardown would have given the first's, 143
    expect(ended).toMatchObject({ code: null, signal: "SIGINT" })
    expect(p.err()).not.toMatch(/^Exiting/m)
    expect(ended.at - third).toBeLessThan(1_500)
  })
})
