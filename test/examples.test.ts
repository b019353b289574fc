/**
 * The seed examples, run as real processes (real time: this is where it
 * belongs), and compared side by side with the Python originals when
 * `python3` is on the machine.
 */
import { spawnSync } from "node:child_process"
import { describe, expect, it } from "vitest"
import { type Outcome, outcomeOf, runExample, start } from "./process/harness.js"

const runPython = (file: string) => outcomeOf(start([file], "python3"))

const hasPython = spawnSync("python3", ["--version"]).status === 0

/** Python may print two lines as one when threads write at the same instant. */
const pythonLines = (r: Outcome) => r.lines.flatMap((line) => line.split(/(?<=\.)(?=[A-Z])/))

const count = (lines: ReadonlyArray<string>, line: string) => lines.filter((l) => l === line).length

describe("examples/daemon-thread.ts", () => {
  it("prints the daemon line 3 times, then the main line, and exits 0 about 5 s after start", async () => {
    const result = await runExample("daemon-thread")
    expect(result.stderr).toBe("")
    expect(result.code).toBe(0)
    expect(result.lines).toEqual([
      "Daemon thread running...",
      "Daemon thread running...",
      "Daemon thread running...",
      "Main thread exiting..."
    ])
    expect(result.runSeconds).toBeGreaterThan(4.5)
    expect(result.runSeconds).toBeLessThan(7)
  }, 20_000)

  it.runIf(hasPython)("prints what the Python seed prints", async () => {
    const [ours, python] = await Promise.all([
      runExample("daemon-thread"),
      runPython("examples/python/daemon_thread.py")
    ])
    expect(ours.lines).toEqual(pythonLines(python))
    expect(ours.code).toBe(python.code)
  }, 20_000)
})

describe("examples/daemon-vs-non-daemon.ts", () => {
  it("interleaves the two threads, prints the main line last, and exits 0 about 5 s after start", async () => {
    const result = await runExample("daemon-vs-non-daemon")
    expect(result.stderr).toBe("")
    expect(result.code).toBe(0)
    expect(result.lines.at(-1)).toBe("Main program exits.")
    expect(count(result.lines, "Non-daemon thread running...")).toBe(5)
    // one daemon line per second, from 0 s to 5 s
    expect(count(result.lines, "Daemon thread running...")).toBeGreaterThanOrEqual(5)
    expect(count(result.lines, "Daemon thread running...")).toBeLessThanOrEqual(6)
    expect(result.lines.slice(0, 2).sort()).toEqual(["Daemon thread running...", "Non-daemon thread running..."])
    expect(result.runSeconds).toBeGreaterThan(4.5)
    expect(result.runSeconds).toBeLessThan(7)
  }, 20_000)

  it.runIf(hasPython)("prints the same lines as the Python seed", async () => {
    const [ours, python] = await Promise.all([
      runExample("daemon-vs-non-daemon"),
      runPython("examples/python/daemon_vs_non_daemon.py")
    ])
    const theirs = pythonLines(python)
    // Python's daemon is still running when main prints its last line, and
    // its tick at 5 s may land after it; ours is stopped before anything more.
    expect(ours.lines.at(-1)).toBe("Main program exits.")
    const after = theirs.slice(theirs.indexOf("Main program exits.") + 1)
    expect(theirs).toContain("Main program exits.")
    expect(after.length).toBeLessThanOrEqual(1)
    expect(after.every((line) => line === "Daemon thread running...")).toBe(true)
    expect(count(ours.lines, "Non-daemon thread running...")).toBe(count(theirs, "Non-daemon thread running..."))
    // the daemon's last tick races the main line in both systems: allow one apart
    const daemonLines = (lines: ReadonlyArray<string>) => count(lines, "Daemon thread running...")
    expect(Math.abs(daemonLines(ours.lines) - daemonLines(theirs))).toBeLessThanOrEqual(1)
    expect(ours.code).toBe(python.code)
  }, 20_000)
})

describe("examples/worker-pool.ts", () => {
  const expected = [
    ...Array.from({ length: 9 }, (_, i) => `job ${i + 1} done`),
    "All jobs done; 3 daemon workers still waiting."
  ]

  it(
    "prints each job as it is done, then the last line once all are, and exits 0 (the daemon workers do not hold it)",
    async () => {
      const result = await runExample("worker-pool")
      expect(result.stderr).toBe("")
      expect(result.code).toBe(0)
      expect(result.lines).toEqual(expected)
      // job 9, taken at 0.9 s by the third worker, is done at 1.8 s: join waited for it, and nothing more
      expect(result.runSeconds).toBeGreaterThan(1.5)
      expect(result.runSeconds).toBeLessThan(4)
    },
    20_000
  )

  it.runIf(hasPython)(
    "prints the same lines as its Python original (queue.Queue, daemon workers, q.join())",
    async () => {
      const [ours, python] = await Promise.all([
        runExample("worker-pool"),
        runPython("examples/python/worker_pool.py")
      ])
      expect(python.lines).toEqual(expected)
      expect(ours.lines).toEqual(python.lines)
      expect(ours.code).toBe(python.code)
    },
    20_000
  )
})
