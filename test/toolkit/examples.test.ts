/**
 * The toolkit's examples, run as real processes (`node --import tsx`), with
 * their output and exit code checked. Real time lives here only; the one
 * timing check is "exits within N seconds".
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import * as harness from "../process/harness.js"

/** Runs an example; fails if it has not exited within `withinSeconds`. */
const runExample = (name: string, args: ReadonlyArray<string> = [], withinSeconds = 20) =>
  harness.runExample(name, args, withinSeconds * 1000)

describe("examples/timer.ts", () => {
  it("fires the timer after main's last line, never the cancelled one, and exits 0", async () => {
    const result = await runExample("timer")
    expect(result.stderr).toBe("")
    expect(result.code).toBe(0)
    expect(result.lines).toEqual(["reminder cancelled", "Main program exits.", "hello, world"])
  }, 30_000)
})

describe("examples/monitor-daemon.ts", () => {
  it("reports memory while the main program works, and stops with it", async () => {
    const result = await runExample("monitor-daemon")
    expect(result.stderr).toBe("")
    expect(result.code).toBe(0)
    const monitor = /^\[monitor\] rss=\d+\.\d MB heapUsed=\d+\.\d MB$/
    expect(result.lines[0]).toMatch(monitor) // the first sample is taken at once
    expect(result.lines.filter((line) => monitor.test(line)).length).toBeGreaterThanOrEqual(2)
    expect(result.lines.filter((line) => !monitor.test(line))).toEqual([
      "work: step 1 done (200000 items)",
      "work: step 2 done (400000 items)",
      "work: step 3 done (600000 items)",
      "Main program exits."
    ])
    // nothing from the monitor after the main program's end
    expect(result.lines.at(-1)).toBe("Main program exits.")
  }, 30_000)
})

describe("examples/maintenance-daemon.ts", () => {
  it("evicts each entry once its TTL has passed, between the main program's reads", async () => {
    const result = await runExample("maintenance-daemon")
    expect(result.stderr).toBe("")
    expect(result.code).toBe(0)
    expect(result.lines).toEqual([
      "[janitor] evicted session:alice",
      "cache holds: config, session:bob",
      "[janitor] evicted session:bob",
      "cache holds: config",
      "Main program exits."
    ])
  }, 30_000)
})

describe("examples/logging-daemon.ts", () => {
  it("writes every record queued before the end, in order, with thread names; the rest at exit", async () => {
    const result = await runExample("logging-daemon")
    expect(result.code).toBe(0)
    expect(result.lines).toEqual([
      "MainThread INFO starting",
      "MainThread INFO record 1",
      "MainThread INFO record 2",
      "MainThread INFO record 3",
      "MainThread INFO record 4",
      "MainThread INFO record 5",
      "worker INFO job 1 done",
      "worker INFO job 2 done",
      "worker INFO job 3 done",
      "MainThread WARN main program ends"
    ])
    expect(result.stderr).toMatch(/^\[log-writer\] flushed \d+ queued records at exit$/)
  }, 30_000)
})

describe("examples/critical-write.ts", () => {
  const dir = mkdtempSync(join(tmpdir(), "critical-write-"))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it("the daemon finishes the save it was in when the program ended: the file is complete", async () => {
    const file = join(dir, "safe", "state.json")
    const result = await runExample("critical-write", [file])
    expect(result.stderr).toBe("")
    expect(result.code).toBe(0)
    expect(result.lines).toEqual([
      "[saver] snapshot 1 saved",
      "Main program exits.",
      "[saver] snapshot 2 saved"
    ])
    const saved = JSON.parse(readFileSync(file, "utf8"))
    expect(saved.snapshot).toBe(2)
    expect(saved.rows).toHaveLength(5)
    expect(saved.complete).toBe(true)
    expect(readdirSync(join(dir, "safe"))).toEqual(["state.json"]) // no temp file left
  }, 30_000)

  it("with --unsafe (no critical, no temp file) the same exit leaves a torn file", async () => {
    const file = join(dir, "unsafe", "state.json")
    const result = await runExample("critical-write", [file, "--unsafe"])
    expect(result.code).toBe(0)
    expect(result.lines).toEqual(["[saver] snapshot 1 saved", "Main program exits."])
    const text = readFileSync(file, "utf8")
    expect(text).toContain("\"snapshot\": 2")
    expect(() => JSON.parse(text)).toThrow()
  }, 30_000)
})
