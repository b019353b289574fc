/**
 * Issue 12: Layer apps under each entry point, as real Node processes.
 *
 * - The resource rule (test/fixtures/apps.ts): a scoped "Db" used by three
 *   non-daemon jobs is released after the jobs' last use, under
 *   `Threading.launch(AppLayer)`, `Threading.runMain(program, { layer })`,
 *   and `Threading.layer()` added to an existing Layer app with
 *   `Layer.provideMerge` (run by `NodeRuntime.runMain` or by
 *   `Threading.runMain`; the `Layer.mergeAll` sibling spelling is shown
 *   unsafe). Times are the fixture's own clock readings, printed
 *   with each event, and compared with each other (not durations).
 * - A bounded exit (test/fixtures/bounded-exit.ts): a half-sent HTTP request,
 *   a main program whose finalizer takes 10 s with and without `mainGrace`.
 */
import * as http from "node:http"
import * as net from "node:net"
import { afterEach, describe, expect, it } from "vitest"
import { endOf, exitCodes, killAll, type Running, startTs } from "./harness.js"

afterEach(killAll)

/** Slack for process scheduling on a loaded 2-core machine. */
const margin = 3_000

/** The events the apps fixture printed, with the times it printed in them. */
const eventsOf = (lines: ReadonlyArray<string>) => {
  const at = (pattern: RegExp): Array<number> =>
    lines.flatMap((line) => {
      const m = pattern.exec(line)
      return m === null ? [] : [Number(m[1])]
    })
  const jobs = ["job-1", "job-2", "job-3"] as const
  return {
    signals: at(/^signal SIG\w+ at (\d+)$/),
    uses: Object.fromEntries(jobs.map((job) => [job, at(new RegExp(`^${job} used db at (\\d+)$`))])),
    lastUse: Math.max(...jobs.flatMap((job) => at(new RegExp(`^${job} used db at (\\d+)$`)))),
    firstUse: Math.min(...jobs.flatMap((job) => at(new RegExp(`^${job} used db at (\\d+)$`)))),
    atExit: at(/^atExit at (\d+)$/),
    daemonStopped: at(/^daemon stopped at (\d+)$/),
    dbClosed: at(/^db closed at (\d+)$/),
    done: lines.filter((line) => /^job-\d done$/.test(line)).sort()
  }
}

/** Resolves once `count` stdout lines match `pattern`. */
const seen = async (p: Running, pattern: RegExp, count: number): Promise<void> => {
  for (let waited = 0; p.out().filter((line) => pattern.test(line)).length < count; waited += 20) {
    if (waited > 20_000) throw new Error(`fewer than ${count} lines matching ${String(pattern)}\n${p.out().join("\n")}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/** Starts the apps fixture in `mode` and sends SIGTERM once its jobs have used the Db. */
const terminateMidJob = async (mode: string, signals = 1): Promise<{ p: Running; code: number | null }> => {
  const p = startTs("test/fixtures/apps.ts", mode)
  await p.waitFor(/^job-\d used db at \d+$/)
  for (let i = 0; i < signals; i++) {
    p.kill("SIGTERM")
    // The next signal once the fixture has seen this one.
    await seen(p, /^signal SIGTERM at \d+$/, i + 1)
  }
  const ended = await endOf(p, 30_000)
  return { p, code: ended.code }
}

/** The resource rule: every job ran to its end, and the Db closed after their last use. */
const expectResourceOutlivedJobs = (p: Running) => {
  const events = eventsOf(p.out())
  expect(p.err()).not.toMatch(/pool is closed/)
  expect(events.done).toEqual(["job-1 done", "job-2 done", "job-3 done"])
  for (const uses of Object.values(events.uses)) expect(uses).toHaveLength(10)
  // The signal came mid-job: after a use, before the last one.
  expect(events.signals.length).toBeGreaterThanOrEqual(1)
  expect(events.signals[0]!).toBeGreaterThanOrEqual(events.firstUse)
  expect(events.signals[0]!).toBeLessThan(events.lastUse)
  // The Db closed once, after the jobs' last use, after the atExit hook and the daemon's stop.
  expect(events.dbClosed).toHaveLength(1)
  expect(events.atExit).toHaveLength(1)
  expect(events.daemonStopped).toHaveLength(1)
  expect(events.atExit[0]!).toBeGreaterThanOrEqual(events.lastUse)
  expect(events.dbClosed[0]!).toBeGreaterThanOrEqual(events.lastUse)
  expect(events.dbClosed[0]!).toBeGreaterThanOrEqual(events.atExit[0]!)
  expect(events.dbClosed[0]!).toBeGreaterThanOrEqual(events.daemonStopped[0]!)
  // ...and in the order printed too (same millisecond is possible).
  const out = p.out()
  const lastUseLine = out.length - 1 - [...out].reverse().findIndex((line) => / used db at /.test(line))
  expect(out.findIndex((line) => line.startsWith("db closed"))).toBeGreaterThan(lastUseLine)
  expect(out.findIndex((line) => line.startsWith("db closed"))).toBeGreaterThan(
    out.findIndex((line) => line.startsWith("daemon stopped"))
  )
}

describe("the resource rule: a scoped Db outlives the non-daemon jobs that use it (SIGTERM mid-job)", () => {
  it("Threading.launch(AppLayer): the Db closes after the last use; exit 143", { timeout: 60_000 }, async () => {
    const { code, p } = await terminateMidJob("launch")
    expectResourceOutlivedJobs(p)
    expect(code).toBe(exitCodes.SIGTERM)
  })

  it("Threading.runMain(program, { layer: DbLive }): the Db closes after the last use; exit 143", {
    timeout: 60_000
  }, async () => {
    const { code, p } = await terminateMidJob("runMain")
    expectResourceOutlivedJobs(p)
    expect(code).toBe(exitCodes.SIGTERM)
  })

  it(
    "Threading.layer() added with Layer.provideMerge under NodeRuntime.runMain(Layer.launch(...)): the order holds, but the exit code is 130",
    {
      timeout: 60_000
    },
    async () => {
      const { code, p } = await terminateMidJob("layer")
      expectResourceOutlivedJobs(p)
      // NodeRuntime.runMain's own teardown: an interrupted program exits 130, whatever the signal.
      expect(code).toBe(exitCodes.SIGINT)
    }
  )

  it("the same Layer app under Threading.runMain(Layer.launch(...)): the order holds; exit 143", {
    timeout: 60_000
  }, async () => {
    const { code, p } = await terminateMidJob("layer-runMain")
    expectResourceOutlivedJobs(p)
    expect(code).toBe(exitCodes.SIGTERM)
  })

  it("...and there a second signal does not cut the wait: the jobs still run to their end", {
    timeout: 60_000
  }, async () => {
    const { code, p } = await terminateMidJob("layer", 2)
    const events = eventsOf(p.out())
    expect(events.signals).toHaveLength(2)
    expect(events.signals[1]!).toBeLessThan(events.lastUse)
    expectResourceOutlivedJobs(p)
    expect(code).toBe(exitCodes.SIGINT)
  })

  it("the unsafe spelling, Threading.layer() and DbLive as Layer.mergeAll siblings: the Db closes under the jobs", {
    timeout: 60_000
  }, async () => {
    const { p } = await terminateMidJob("merge-all")
    const events = eventsOf(p.out())
    // Released in parallel with the threading layer's wait: the jobs fail (reported, by logger or stderr).
    expect(`${p.out().join("\n")}\n${p.err()}`).toMatch(/pool is closed/)
    expect(events.done).toEqual([])
    expect(events.dbClosed).toHaveLength(1)
    for (const uses of Object.values(events.uses)) expect(uses.length).toBeLessThan(10)
  })

  it.each(
    [
      ["Threading.launch(AppLayer)", "launch"],
      ["Threading.runMain(program, { layer })", "runMain"],
      ["Threading.runMain(Layer.launch(App)) with a nested Threading.layer()", "layer-runMain"]
    ] as const
  )(
    "%s: a second signal cuts the wait; the Db still closes after the last use",
    {
      timeout: 60_000
    },
    async (_, mode) => {
      const { code, p } = await terminateMidJob(mode, 2)
      const events = eventsOf(p.out())
      expect(p.err()).not.toMatch(/pool is closed/)
      // The jobs were interrupted (no `done`), and the Db closed after their last use.
      expect(events.done).toEqual([])
      expect(events.signals).toHaveLength(2)
      expect(events.dbClosed).toHaveLength(1)
      expect(events.dbClosed[0]!).toBeGreaterThanOrEqual(events.lastUse)
      expect(events.dbClosed[0]!).toBeGreaterThanOrEqual(events.daemonStopped[0]!)
      expect(code).toBe(exitCodes.SIGTERM)
    }
  )
})

/** Opens a connection to `port` and sends a request that never ends its headers. */
const halfSend = (port: number): Promise<{ closed: Promise<void> }> =>
  new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1", () => {
      socket.write("POST / HTTP/1.1\r\nHost: x\r\n", () => resolve({ closed }))
    })
    const closed = new Promise<void>((done) => socket.on("close", () => done()))
    socket.on("error", reject)
  })

/** POSTs to `/` through `agent`; resolves with the answer's `Connection` header once its body has been read. */
const post = (agent: http.Agent, port: number): Promise<{ readonly connection: string | undefined }> =>
  new Promise((resolve, reject) => {
    const request = http.request({ host: "127.0.0.1", port, agent, method: "POST", path: "/" }, (response) => {
      response.resume()
      response.on("end", () => resolve({ connection: response.headers.connection }))
      response.on("error", reject)
    })
    request.on("error", reject)
    request.end()
  })

/**
 * The lines the bounded-exit fixture printed itself (the library's reports
 * may go through the app's logger, to either stream).
 */
const own = (p: Running) =>
  p.out().filter((line) => /^(ready|listening on \d+|main: .*|atExit: .*|daemon: .*)$/.test(line))

describe("a bounded exit", () => {
  it(
    "Threading.launch of an HTTP server with a half-sent request: one SIGTERM, exit 143 within daemonGrace; the hook and the daemon's finalizer ran",
    {
      timeout: 60_000
    },
    async () => {
      const p = startTs("test/fixtures/bounded-exit.ts", "half-sent")
      const listening = await p.waitFor(/^listening on \d+$/)
      const client = await halfSend(Number(listening.text.split(" ").at(-1)))
      // Give the server the time to read the partial headers (it is then not an idle connection).
      await new Promise((resolve) => setTimeout(resolve, 300))
      const sent = p.kill("SIGTERM")
      const ended = await endOf(p, 30_000)
      await client.closed
      expect(own(p)).toEqual([listening.text, "atExit: hook ran", "daemon: finalizer ran"])
      expect(p.err()).not.toMatch(/Error|Warning/)
      expect(ended.code).toBe(exitCodes.SIGTERM)
      // daemonGrace is 1 s; nothing else waits.
      expect(ended.at - sent).toBeLessThan(1_000 + margin)
    }
  )

  it(
    "Threading.launch of an HTTP server with clients that keep sending on keep-alive connections: the answers after SIGTERM close their connections, so the clients cannot hold the exit open; exit 143 within daemonGrace",
    {
      timeout: 60_000
    },
    async () => {
      const p = startTs("test/fixtures/bounded-exit.ts", "keep-alive")
      const listening = await p.waitFor(/^listening on \d+$/)
      const port = Number(listening.text.split(" ").at(-1))
      const agent = new http.Agent({ keepAlive: true, maxSockets: 4 })
      let sent: number | undefined
      const answers: Array<{ readonly at: number; readonly connection: string | undefined }> = []
      // Four clients, each sending its next request as soon as the last is answered, for at most 15 s.
      const client = async () => {
        const until = Date.now() + 15_000
        while (Date.now() < until) {
          const answer = await post(agent, port).catch(() => undefined)
          if (answer === undefined) return // the server is gone: connection refused or reset
          answers.push({ at: performance.now(), connection: answer.connection })
          if (sent === undefined && answers.length >= 20) sent = p.kill("SIGTERM")
        }
      }
      const clients = Promise.all([client(), client(), client(), client()])
      const ended = await endOf(p, 30_000)
      await clients
      agent.destroy()
      const afterStop = answers.filter((answer) => answer.at > sent!)
      expect(sent).toBeDefined()
      expect(answers.filter((answer) => answer.at <= sent!).every((a) => a.connection === "keep-alive")).toBe(true)
      // The requests in flight at the stop are answered with `Connection: close`, and no client gets further:
      // a few answers after the signal (it takes a moment to be handled), not 15 s of them.
      expect(afterStop.some((answer) => answer.connection === "close")).toBe(true)
      expect(afterStop.length).toBeLessThanOrEqual(12)
      expect(own(p)).toEqual([listening.text, "atExit: hook ran", "daemon: finalizer ran"])
      expect(ended.code).toBe(exitCodes.SIGTERM)
      expect(ended.at - sent!).toBeLessThan(1_000 + margin)
    }
  )

  it(
    "a main program whose finalizer takes 10 s, with mainGrace 1 s: one SIGTERM reaches the hook and the daemon; exit 143 within mainGrace + daemonGrace",
    {
      timeout: 60_000
    },
    async () => {
      const p = startTs("test/fixtures/bounded-exit.ts", "main-grace")
      await p.waitFor("ready")
      const sent = p.kill("SIGTERM")
      const ended = await endOf(p, 30_000)
      expect(own(p)).toEqual(["ready", "main: finalizer started", "atExit: hook ran", "daemon: finalizer ran"])
      expect(`${p.out().join("\n")}\n${p.err()}`).toMatch(/mainGrace \(1s\) elapsed/)
      expect(ended.code).toBe(exitCodes.SIGTERM)
      expect(ended.at - sent).toBeLessThan(2_000 + margin)
    }
  )

  it(
    "the same without mainGrace: a second SIGTERM ends the process within daemonGrace + 1 s, the finalizer still running",
    {
      timeout: 60_000
    },
    async () => {
      const p = startTs("test/fixtures/bounded-exit.ts", "no-grace")
      await p.waitFor("ready")
      p.kill("SIGTERM")
      await p.waitFor("main: finalizer started")
      const second = p.kill("SIGTERM")
      const ended = await endOf(p, 30_000)
      expect(own(p)).toEqual(["ready", "main: finalizer started"])
      expect(`${p.out().join("\n")}\n${p.err()}`).toMatch(/still running 2s after the signal/)
      expect(ended.code).toBe(exitCodes.SIGTERM)
      // daemonGrace (1 s) + 1 s, and not before.
      expect(ended.at - second).toBeGreaterThanOrEqual(1_900)
      expect(ended.at - second).toBeLessThan(2_000 + margin)
    }
  )
})
