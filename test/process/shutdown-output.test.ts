/**
 * Issue 12: a shutdown you can see, and signals that reach every instance,
 * against test/fixtures/shutdown-output.ts run as a real Node process. The
 * library's reports go through the app's logger: under `runMain`, the pretty
 * logger (or Effect's default one with `disablePrettyLogger`), on stderr.
 */
import { afterEach, describe, expect, it } from "vitest"
import { endOf, exitCodes, killAll, type Running, startTs } from "./harness.js"

afterEach(killAll)

const fixture = "test/fixtures/shutdown-output.ts"

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

/** The first line of a pretty logger's entry: `[12:00:00.000] WARN (#7): message`. */
const pretty = (message: string) => new RegExp(`^\\[[\\d:.]+\\] WARN \\(#\\d+\\): ${escape(message)}$`, "m")

/** Resolves once stderr matches `pattern` (polled: the harness waits on stdout only). */
const stderrMatches = (p: Running, pattern: RegExp, timeoutMs = 20_000): Promise<void> =>
  new Promise((resolve, reject) => {
    const started = Date.now()
    const poll = setInterval(() => {
      if (pattern.test(p.err())) {
        clearInterval(poll)
        resolve()
      } else if (Date.now() - started > timeoutMs) {
        clearInterval(poll)
        reject(new Error(`no stderr matching ${String(pattern)} within ${timeoutMs} ms\nstderr:\n${p.err()}`))
      }
    }, 50)
  })

const jobs = ["job-1", "job-2", "job-3"]

/** Starts the fixture and waits until its three jobs run. */
const startJobs = async (...args: ReadonlyArray<string>): Promise<Running> => {
  const p = startTs(fixture, ...args)
  await p.waitFor("ready")
  for (const job of jobs) await p.waitFor(`${job}: started`)
  return p
}

const again = { SIGINT: "press Ctrl+C again to stop them", SIGTERM: "send SIGTERM again to stop them" } as const

/**
 * The dump that follows `Stopping...`: the three jobs (with their log
 * annotation) and the daemon, taken before they were interrupted.
 */
const expectDump = (err: string, from: number) => {
  const dump = err.slice(from)
  expect(dump).toMatch(pretty("Thread dump (4 threads):"))
  for (const job of jobs) {
    expect(dump).toMatch(new RegExp(`^"${job}" #\\d+ age=.* suspended\\n {4}annotations: job=${job}$`, "m"))
  }
  expect(dump).toMatch(/^"metrics" #\d+ daemon age=.* suspended$/m)
}

describe.each(["SIGINT", "SIGTERM"] as const)("%s with three 30 s non-daemon jobs running", (signal) => {
  it("1st: one line says what the exit waits for; 2nd: `Stopping 3 non-daemon threads...` and the dump", {
    timeout: 60_000
  }, async () => {
    const p = await startJobs("jobs")
    p.kill(signal)
    const waitingLine = pretty(`Waiting for 3 non-daemon threads (job-1, job-2, job-3); ${again[signal]}`)
    await stderrMatches(p, waitingLine)
    // the jobs go on: the first signal only stopped the main program
    expect(p.out().filter((line) => line.endsWith("stopped"))).toEqual([])
    expect(p.err()).not.toMatch(/Stopping|Thread dump/)
    const second = p.kill(signal)
    const ended = await endOf(p)
    expect(ended.code).toBe(exitCodes[signal])
    expect(ended.at - second).toBeLessThan(10_000) // the jobs had 30 s to go
    for (const job of jobs) expect(p.out()).toContain(`${job}: stopped`)
    const err = p.err()
    const waiting = err.search(waitingLine)
    const stopping = err.search(pretty("Stopping 3 non-daemon threads..."))
    expect(waiting).toBeGreaterThanOrEqual(0)
    expect(stopping).toBeGreaterThan(waiting)
    expectDump(err, stopping)
    // each entry carries the `thread` annotation (the main thread runs the shutdown)
    expect(err.match(/^ {2}thread: MainThread$/gm)).toHaveLength(3)
  })

  it.each(
    [
      ["inside runMain's program (Effect.provide)", "nested"],
      ["a layer of launch's app is built with (Layer.provide)", "launch"]
    ] as const
  )("the 2nd signal cuts the wait of a nested Threading.layer() too: %s", {
    timeout: 60_000
  }, async (_, mode) => {
    const p = await startJobs(mode)
    p.kill(signal)
    // the inner instance, whose threads the jobs are, says what it waits for
    await stderrMatches(p, pretty(`Waiting for 3 non-daemon threads (job-1, job-2, job-3); ${again[signal]}`))
    const second = p.kill(signal)
    const ended = await endOf(p)
    expect(ended.code).toBe(exitCodes[signal])
    expect(ended.at - second).toBeLessThan(10_000) // not the 30 s of the jobs
    // the jobs were stopped by the shutdown (their finalizers ran), not cut off by runMain's deadline
    for (const job of jobs) expect(p.out()).toContain(`${job}: stopped`)
    const err = p.err()
    expect(err).not.toMatch(/Exiting: still running/)
    const stopping = err.search(pretty("Stopping 3 non-daemon threads..."))
    expect(stopping).toBeGreaterThanOrEqual(0)
    expectDump(err, stopping)
  })
})

describe("Effect's default logger", () => {
  it("with disablePrettyLogger: the same lines, on stderr", { timeout: 60_000 }, async () => {
    const p = await startJobs("jobs", "plain")
    p.kill("SIGTERM")
    await stderrMatches(p, /Waiting for 3 non-daemon threads/)
    p.kill("SIGTERM")
    const ended = await endOf(p)
    expect(ended.code).toBe(exitCodes.SIGTERM)
    const err = p.err()
    // `[time] WARN (#7): message`, then the annotations as an object
    expect(err).toMatch(
      /^\[[\d:.]+\] WARN \(#\d+\): Waiting for 3 non-daemon threads \(job-1, job-2, job-3\); send SIGTERM again to stop them \{$/m
    )
    expect(err).toMatch(/^\[[\d:.]+\] WARN \(#\d+\): Stopping 3 non-daemon threads\.\.\. \{$/m)
    expect(err).toMatch(/^\[[\d:.]+\] WARN \(#\d+\): Thread dump \(4 threads\):$/m)
    expect(p.out()).not.toContain(expect.stringMatching(/WARN/))
  })

  it("Threading.main under Effect.runPromise: the shutdownTimeout warning and the dump on stderr", {
    timeout: 60_000
  }, async () => {
    const p = startTs(fixture, "main")
    const ended = await endOf(p)
    expect(ended.code).toBe(0)
    expect(p.out()).toEqual(["ready", "job-1: started", "job-1: stopped"])
    const err = p.err()
    const warning = err.search(
      /^\[[\d:.]+\] WARN \(#\d+\): shutdownTimeout \(500ms\) elapsed; interrupting non-daemon threads still running: job-1 \{/m
    )
    expect(warning).toBeGreaterThanOrEqual(0)
    expect(err.slice(warning)).toMatch(/^\[[\d:.]+\] WARN \(#\d+\): Thread dump \(1 thread\):\n"job-1" #\d+ age=/m)
  })
})

describe("an app's own logger", () => {
  it("Logger.consoleJson in launch's layer: the reports are its JSON lines (stdout), nothing on stderr", {
    timeout: 60_000
  }, async () => {
    const p = await startJobs("json")
    p.kill("SIGTERM")
    await p.waitFor(/"message":"Waiting for 3 non-daemon threads/)
    p.kill("SIGTERM")
    const ended = await endOf(p)
    expect(ended.code).toBe(exitCodes.SIGTERM)
    const entries = p.out().filter((line) => line.startsWith("{")).map((line) => JSON.parse(line))
    expect(entries.map(({ annotations, level, message }) => ({ level, message, annotations }))).toEqual([
      {
        level: "WARN",
        message: "Waiting for 3 non-daemon threads (job-1, job-2, job-3); send SIGTERM again to stop them",
        annotations: { thread: "MainThread", threads: jobs, threadCount: 3 }
      },
      {
        level: "WARN",
        message: "Stopping 3 non-daemon threads...",
        annotations: { thread: "MainThread", threads: jobs, threadCount: 3 }
      },
      {
        level: "WARN",
        message: expect.stringMatching(/^Thread dump \(4 threads\):\n"job-1" #\d+ age=/),
        annotations: { thread: "MainThread", threadCount: 4 }
      }
    ])
    expect(p.err()).toBe("")
  })
})

describe("a quiet exit", () => {
  it.each([["runMain's pretty logger", []], ["Effect's default logger", ["plain"]]] as const)(
    "non-daemon jobs finish after main with no signal: nothing on stderr (%s), exit 0",
    { timeout: 60_000 },
    async (_, args) => {
      const p = startTs(fixture, "quiet", ...args)
      const ended = await endOf(p)
      expect(ended.code).toBe(0)
      for (const job of jobs) expect(p.out()).toContain(`${job}: done`)
      expect(p.err()).toBe("")
    }
  )
})
