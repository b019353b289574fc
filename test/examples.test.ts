/**
 * The seed examples, run as real processes (real time: this is where it
 * belongs), and compared side by side with the Python originals when
 * `python3` is on the machine.
 */
import { spawn, spawnSync } from "node:child_process"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"

const root = fileURLToPath(new URL("..", import.meta.url))

interface Run {
  readonly lines: ReadonlyArray<string>
  readonly stderr: string
  readonly code: number | null
  /** Seconds from the first line of output to the exit. */
  readonly runSeconds: number
}

const run = (command: string, args: ReadonlyArray<string>): Promise<Run> =>
  new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    let firstOutput: number | undefined
    child.stdout.on("data", (chunk) => {
      firstOutput ??= performance.now()
      stdout += chunk
    })
    child.stderr.on("data", (chunk) => stderr += chunk)
    child.on("error", reject)
    child.on("close", (code) =>
      resolve({
        lines: stdout.split("\n").filter((line) => line.length > 0),
        stderr,
        code,
        runSeconds: (performance.now() - (firstOutput ?? performance.now())) / 1000
      }))
  })

const runExample = (name: string) => run(process.execPath, ["--import", "tsx", `examples/${name}.ts`])

const hasPython = spawnSync("python3", ["--version"]).status === 0

/** Python may print two lines as one when threads write at the same instant. */
const pythonLines = (r: Run) => r.lines.flatMap((line) => line.split(/(?<=\.\.\.)(?=\S)/))

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
      run("python3", ["examples/python/daemon_thread.py"])
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
      run("python3", ["examples/python/daemon_vs_non_daemon.py"])
    ])
    const theirs = pythonLines(python)
    expect(ours.lines.at(-1)).toBe(theirs.at(-1))
    expect(count(ours.lines, "Non-daemon thread running...")).toBe(count(theirs, "Non-daemon thread running..."))
    // the daemon's last tick races the main line in both systems: allow one apart
    const daemonLines = (lines: ReadonlyArray<string>) => count(lines, "Daemon thread running...")
    expect(Math.abs(daemonLines(ours.lines) - daemonLines(theirs))).toBeLessThanOrEqual(1)
    expect(ours.code).toBe(python.code)
  }, 20_000)
})
