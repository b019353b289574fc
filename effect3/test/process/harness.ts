/**
 * Runs a program as a real Node process and watches it: stdout and stderr
 * lines as they arrive (with their arrival time), readiness lines to wait
 * for, signals, and the exit code with the time it came.
 *
 * Times are `performance.now()` milliseconds in this (the test) process;
 * measure from a line the program printed, never from the spawn, so that
 * start-up time (tsx takes about a second) does not count.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { performance } from "node:perf_hooks"
import { fileURLToPath } from "node:url"

/** The repository root: tsx finds tsconfig.json (and its `paths`) from here. */
export const repo = fileURLToPath(new URL("../..", import.meta.url))

/** A line of output and when it arrived. */
export interface Line {
  readonly text: string
  readonly at: number
}

/** How a process ended and when. */
export interface Ended {
  /** The exit code, or `null` if a signal killed the process. */
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly at: number
}

/** A running (or ended) child process. */
export interface Running {
  readonly child: ChildProcess
  readonly stdout: Array<Line>
  readonly stderr: Array<Line>
  /** stdout as lines of text. */
  readonly out: () => Array<string>
  /** stderr as one string. */
  readonly err: () => string
  /** Resolves with the first stdout line matching `pattern` (already seen or yet to come). */
  readonly waitFor: (pattern: string | RegExp, timeoutMs?: number) => Promise<Line>
  readonly ended: Promise<Ended>
  /** Sends `signal` and returns when it was sent. */
  readonly kill: (signal: NodeJS.Signals) => number
}

const live = new Set<ChildProcess>()

/** Kills (SIGKILL) every child still running: for `afterEach`, so that a failed test leaves nothing behind. */
export const killAll = (): void => {
  for (const child of live) child.kill("SIGKILL")
  live.clear()
}

const matches = (pattern: string | RegExp, text: string) =>
  typeof pattern === "string" ? text === pattern : pattern.test(text)

/** Starts `node ...args` (or `command ...args`) in the repository root. */
export const start = (args: ReadonlyArray<string>, command: string = process.execPath): Running => {
  const child = spawn(command, args, { cwd: repo, stdio: ["ignore", "pipe", "pipe"] })
  live.add(child)
  const stdout: Array<Line> = []
  const stderr: Array<Line> = []
  const waiters: Array<{ pattern: string | RegExp; resolve: (line: Line) => void }> = []
  const lines = (sink: Array<Line>, onLine: (line: Line) => void) => {
    let partial = ""
    return (chunk: Buffer) => {
      const at = performance.now()
      const parts = (partial + chunk.toString("utf8")).split("\n")
      partial = parts.pop()!
      for (const text of parts) {
        const line = { text, at }
        sink.push(line)
        onLine(line)
      }
    }
  }
  child.stdout!.on(
    "data",
    lines(stdout, (line) => {
      for (let i = waiters.length - 1; i >= 0; i--) {
        if (matches(waiters[i]!.pattern, line.text)) {
          waiters[i]!.resolve(line)
          waiters.splice(i, 1)
        }
      }
    })
  )
  child.stderr!.on("data", lines(stderr, () => {}))
  const ended = new Promise<Ended>((resolve, reject) => {
    child.on("error", reject)
    // "close": the process has exited and its output has been read.
    child.on("close", (code, signal) => {
      live.delete(child)
      resolve({ code, signal, at: performance.now() })
    })
  })
  const describe = () =>
    `stdout:\n${stdout.map((l) => l.text).join("\n")}\nstderr:\n${stderr.map((l) => l.text).join("\n")}`
  const waitFor = (pattern: string | RegExp, timeoutMs = 20_000) => {
    const seen = stdout.find((line) => matches(pattern, line.text))
    if (seen !== undefined) return Promise.resolve(seen)
    return new Promise<Line>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`no line matching ${String(pattern)} within ${timeoutMs} ms\n${describe()}`))
      }, timeoutMs)
      const waiter = {
        pattern,
        resolve: (line: Line) => {
          clearTimeout(timer)
          resolve(line)
        }
      }
      waiters.push(waiter)
      const gone = (why: string) => {
        const i = waiters.indexOf(waiter)
        if (i >= 0) {
          waiters.splice(i, 1)
          clearTimeout(timer)
          reject(new Error(`${why} without a line matching ${String(pattern)}\n${describe()}`))
        }
      }
      ended.then(() => gone("process ended"), (error) => gone(`process failed (${String(error)})`))
    })
  }
  return {
    child,
    stdout,
    stderr,
    out: () => stdout.map((line) => line.text),
    err: () => stderr.map((line) => line.text).join("\n"),
    waitFor,
    ended,
    kill: (signal) => {
      const at = performance.now()
      child.kill(signal)
      return at
    }
  }
}

/** Starts a TypeScript program (path relative to the repository root) through tsx. */
export const startTs = (file: string, ...args: ReadonlyArray<string>): Running =>
  start(["--import", "tsx", file, ...args])

/** Waits for the process to end, failing after `timeoutMs` (the process is then killed). */
export const endOf = async (running: Running, timeoutMs = 20_000): Promise<Ended> => {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      running.child.kill("SIGKILL")
      reject(
        new Error(
          `process still running after ${timeoutMs} ms\nstdout:\n${running.out().join("\n")}\nstderr:\n${running.err()}`
        )
      )
    }, timeoutMs)
  })
  try {
    return await Promise.race([running.ended, timeout])
  } finally {
    clearTimeout(timer)
  }
}

/** The exit codes of a process ended by a signal it handled (128 + the signal's number). */
export const exitCodes = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const

/** The outcome of a program run to its end. */
export interface Outcome {
  /** stdout, as non-empty lines. */
  readonly lines: ReadonlyArray<string>
  readonly stderr: string
  readonly code: number | null
  /** Seconds from the first line of stdout to the exit. */
  readonly runSeconds: number
}

/** Runs a program to its end (failing after `timeoutMs`) and returns its outcome. */
export const outcomeOf = async (running: Running, timeoutMs = 20_000): Promise<Outcome> => {
  const ended = await endOf(running, timeoutMs)
  return {
    lines: running.out().filter((line) => line.length > 0),
    stderr: running.err(),
    code: ended.code,
    runSeconds: (ended.at - (running.stdout[0]?.at ?? ended.at)) / 1000
  }
}

/** Runs `examples/NAME.ts` (with `args`) to its end. */
export const runExample = (name: string, args: ReadonlyArray<string> = [], timeoutMs?: number): Promise<Outcome> =>
  outcomeOf(startTs(`examples/${name}.ts`, ...args), timeoutMs)
