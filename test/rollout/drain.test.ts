/**
 * Issue 21, the drain, on real processes: examples/rolling-deploy.ts
 * (`Threading.launch`, `effect/http`, `Readiness.routes()`) and
 * test/rollout/fixtures/drain-main.ts (`Threading.runMain`).
 *
 * - At the first SIGTERM, `/ready` says 503 at once while new connections
 *   are still served (202, `Connection: close`) for `drainDelay`; `/live`
 *   stays 200; then connections are refused; every acknowledged job is done;
 *   exit 143.
 * - A second SIGTERM cuts the drain: the exit comes long before the delay.
 * - Under `runMain`, the main program keeps running during the drain with
 *   `Threading.shuttingDown` true, and is interrupted when it ends.
 * - A bad `drainDelay` is refused before anything runs (exit 1, named).
 * - A connection with a request not fully received is closed at exit, and
 *   reported.
 *
 * Times are measured from the `kill` in this process to what the client saw
 * (an answer, a refusal) or to a line's arrival, never from the spawn.
 */
import * as http from "node:http"
import * as net from "node:net"
import { performance } from "node:perf_hooks"
import { afterEach, describe, expect, it } from "vitest"
import { endOf, exitCodes, killAll, type Running, start, startTs } from "../process/harness.js"
import { send, type Sent } from "../process/httpLoad.js"

afterEach(killAll)

/** Slack for process scheduling on a loaded 2-core machine. */
const margin = 3_000

/** Starts examples/rolling-deploy.ts on a free port with `drainDelay`; resolves with it and its port. */
const startApp = async (drainDelay: string): Promise<{ readonly app: Running; readonly port: number }> => {
  const app = start(["--import", "tsx", "examples/rolling-deploy.ts"], process.execPath, {
    PORT: "0",
    DRAIN_DELAY: drainDelay,
    JOB_MILLIS: "100"
  })
  const listening = await app.waitFor(/^listening on http:\/\/127\.0\.0\.1:\d+$/, 60_000)
  return { app, port: Number(listening.text.split(":").at(-1)) }
}

/** A request on a new connection (no keep-alive agent). */
const fresh = new http.Agent({ keepAlive: false })

/** A keep-alive client: it reuses its connection until an answer says `Connection: close`. */
const keepAlive = () => new http.Agent({ keepAlive: true, maxSockets: 1 })

/** What a probe or a job request gave, with when it was sent (relative to the signal). */
interface Probe {
  readonly what: "ready" | "live" | "job"
  readonly sentAfter: number
  readonly sent: Sent
}

const status = (probe: Probe) => probe.sent.outcome._tag === "Answered" ? probe.sent.outcome.status : undefined

describe("drainDelay under Threading.launch (examples/rolling-deploy.ts)", () => {
  it("readiness flips at the first signal; new connections are served for the drain delay, then refused; exit 143", {
    timeout: 90_000
  }, async () => {
    const { app, port } = await startApp("2 seconds")
    const client = keepAlive()
    const before = await Promise.all(
      ["/ready", "/live"].map((path) => send(fresh, { port, method: "GET", path }))
    )
    expect(before.map((sent) => sent.outcome)).toMatchObject([
      { _tag: "Answered", status: 200, body: "ready" },
      { _tag: "Answered", status: 200, body: "alive" }
    ])
    // Before the signal, the keep-alive client keeps its connection.
    const job0 = await send(client, { port, method: "POST", path: "/jobs/0" })
    expect(job0.outcome).toMatchObject({ _tag: "Answered", status: 202, close: false })

    const signalAt = app.kill("SIGTERM")
    const probes: Array<Probe> = []
    let id = 0
    // Every 100 ms: the readiness and liveness probes on new connections, a job from the keep-alive client
    // (whose connection each answer closes: each job comes on a new connection too), until refused.
    for (let refused = false; !refused && performance.now() - signalAt < 10_000;) {
      const sentAfter = performance.now() - signalAt
      const round = await Promise.all([
        send(fresh, { port, method: "GET", path: "/ready" }).then((sent) => ({
          what: "ready" as const,
          sentAfter,
          sent
        })),
        send(fresh, { port, method: "GET", path: "/live" }).then((sent) => ({
          what: "live" as const,
          sentAfter,
          sent
        })),
        send(client, { port, method: "POST", path: `/jobs/${++id}` }).then((sent) => ({
          what: "job" as const,
          sentAfter,
          sent
        }))
      ])
      probes.push(...round)
      refused = round.some((probe) => probe.sent.outcome._tag === "Failed")
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    const ended = await endOf(app, 30_000)
    client.destroy()
    const summary = JSON.stringify(probes.map((p) => [p.what, Math.round(p.sentAfter), p.sent.outcome]))

    // Readiness: 503 from the signal on (a probe sent in the first few milliseconds may still find it ready).
    const ready = probes.filter((probe) => probe.what === "ready" && status(probe) !== undefined)
    expect(ready.filter((probe) => probe.sentAfter > 100).every((probe) => status(probe) === 503), summary).toBe(true)
    expect(ready.some((probe) => status(probe) === 503), summary).toBe(true)
    // Liveness: 200 whenever it answered.
    expect(probes.filter((p) => p.what === "live" && status(p) !== undefined).every((p) => status(p) === 200)).toBe(
      true
    )
    // Served during the drain: every job sent in its first 1.8 s was acknowledged, and its answer closed the
    // keep-alive client's connection (`Connection: close`), so that such a client reconnects elsewhere.
    const early = probes.filter((probe) => probe.what === "job" && probe.sentAfter < 1_800)
    expect(early.length, summary).toBeGreaterThanOrEqual(5)
    for (const probe of early) {
      // (A job sent in the first few milliseconds may be answered before the signal is handled.)
      const close = probe.sentAfter > 100 ? { close: true } : {}
      expect(probe.sent.outcome, summary).toMatchObject({ _tag: "Answered", status: 202, ...close })
    }
    // Then refused: not before the drain delay, and not long after.
    const firstRefused = probes.find((probe) =>
      probe.sent.outcome._tag === "Failed" && probe.sent.outcome.code === "ECONNREFUSED"
    )
    expect(firstRefused, summary).toBeDefined()
    expect(firstRefused!.sent.at - signalAt, summary).toBeGreaterThanOrEqual(1_950)
    expect(firstRefused!.sent.at - signalAt, summary).toBeLessThan(2_000 + margin)
    // Every job acknowledged was done; the waiting line said it drained, and for how long.
    const acknowledged = probes.filter((probe) => probe.what === "job" && status(probe) === 202)
    const done = app.out().filter((line) => /^job \d+ done$/.test(line))
    expect(done.sort()).toEqual(
      ["job 0 done", ...acknowledged.map((p) => `job ${(p.sent.outcome as { body: string }).body.split(" ")[1]} done`)]
        .sort()
    )
    expect(app.err()).toMatch(/Draining for 2s: still serving while readiness reports the shutdown; send SIGTERM again/)
    expect(ended.code).toBe(exitCodes.SIGTERM)
  })

  it("a second signal cuts the drain delay: exit 143 long before it", { timeout: 90_000 }, async () => {
    const { app, port } = await startApp("30 seconds")
    app.kill("SIGTERM")
    // The drain has begun once readiness says so; the app still serves.
    for (let waited = 0;; waited += 50) {
      const sent = await send(fresh, { port, method: "GET", path: "/ready" })
      if (sent.outcome._tag === "Answered" && sent.outcome.status === 503) break
      if (waited > 10_000) throw new Error(`/ready never said 503: ${JSON.stringify(sent.outcome)}`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    const job = await send(fresh, { port, method: "POST", path: "/jobs/1" })
    expect(job.outcome).toMatchObject({ _tag: "Answered", status: 202 })
    const second = app.kill("SIGTERM")
    const ended = await endOf(app, 30_000)
    expect(ended.code).toBe(exitCodes.SIGTERM)
    // Nothing else holds it: the drain ends at once (30 s otherwise).
    expect(ended.at - second).toBeLessThan(margin)
    expect(app.err()).toMatch(/Draining for 30s/)
    expect(app.err()).not.toMatch(/Exiting: still running/)
  })

  it.each([
    ["-1", "invalid option drainDelay: expected a non-negative duration (got \"-1\")"],
    ["Infinity", "invalid option drainDelay: expected a finite duration (got \"Infinity\")"],
    ["5 fortnights", "invalid option drainDelay: expected a Duration, a number of milliseconds or a string like"]
  ])("drainDelay %s: exit 1 with the error naming the option; the app never listens", {
    timeout: 60_000
  }, async (drainDelay, message) => {
    const app = start(["--import", "tsx", "examples/rolling-deploy.ts"], process.execPath, {
      PORT: "0",
      DRAIN_DELAY: drainDelay
    })
    const ended = await endOf(app, 30_000)
    expect(ended.code).toBe(1)
    expect(app.out()).toEqual([])
    expect(app.err()).toContain(`ThreadError: ${message}`)
  })

  it("a connection left with a request not fully received is closed at exit, and reported", {
    timeout: 60_000
  }, async () => {
    const { app, port } = await startApp("0")
    const socket = net.connect(port, "127.0.0.1")
    await new Promise<void>((resolve) => socket.on("connect", resolve))
    const closed = new Promise<void>((resolve) => socket.on("close", () => resolve()))
    socket.on("error", () => {})
    socket.write("POST /jobs/1 HTTP/1.1\r\nHost: x\r\n")
    await new Promise((resolve) => setTimeout(resolve, 300))
    app.kill("SIGTERM")
    const ended = await endOf(app, 30_000)
    await closed
    expect(ended.code).toBe(exitCodes.SIGTERM)
    expect(app.err()).toMatch(
      /Closing 1 connection left at exit: 1 request not fully received; its client sees the connection reset/
    )
    expect(app.out().filter((line) => /^job/.test(line))).toEqual([])
  })
})

describe("drainDelay under Threading.runMain (test/rollout/fixtures/drain-main.ts)", () => {
  it("the main program runs on through the drain with Threading.shuttingDown true, then is interrupted; exit 143", {
    timeout: 90_000
  }, async () => {
    const p = startTs("test/rollout/fixtures/drain-main.ts", "1 second")
    await p.waitFor(/^tick 3 shuttingDown=false$/, 60_000)
    const signalAt = p.kill("SIGTERM")
    const ended = await endOf(p, 30_000)
    const ticks = p.stdout.filter((line) => /^tick \d+ /.test(line.text))
    const interrupted = p.stdout.find((line) => line.text === "main: interrupted")
    expect(interrupted).toBeDefined()
    // Before the signal: false. After the first tick that saw it: true until the main program was interrupted.
    expect(ticks.filter((line) => line.at < signalAt).every((line) => line.text.endsWith("=false"))).toBe(true)
    const drained = ticks.filter((line) => line.text.endsWith("=true"))
    expect(drained.length).toBeGreaterThanOrEqual(5)
    expect(ticks.slice(ticks.indexOf(drained[0]!)).every((line) => line.text.endsWith("=true"))).toBe(true)
    expect(interrupted!.at - signalAt).toBeGreaterThanOrEqual(950)
    expect(interrupted!.at - signalAt).toBeLessThan(1_000 + margin)
    // The job started during the drain was waited for.
    expect(p.out()).toContain("job done")
    expect(p.err()).toMatch(/Draining for 1s/)
    expect(ended.code).toBe(exitCodes.SIGTERM)
  })

  it("a bad drainDelay: exit 1 with the error naming the option; the program does not run", {
    timeout: 60_000
  }, async () => {
    const p = startTs("test/rollout/fixtures/drain-main.ts", "-5 seconds")
    const ended = await endOf(p, 30_000)
    expect(ended.code).toBe(1)
    expect(p.out()).toEqual([])
    expect(p.err()).toMatch(/^ThreadError: invalid option drainDelay: expected a non-negative duration/m)
  })
})
