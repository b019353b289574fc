/**
 * The bounds that hold while JavaScript is blocked. A finalizer or hook in a
 * synchronous loop cannot be interrupted, and while it loops Node runs no
 * listener, timer or fiber: a signal's listener never runs, nor does the
 * deadline's timer. Two things still act then, and this module holds them:
 *
 * - **The operating system's default for a signal**: while a signal has no
 *   listener, it ends the process, whatever JavaScript does
 *   (`releaseSignals`; a shell then shows 128 + the signal's number).
 * - **A worker thread**: it keeps an event loop of its own while the main
 *   thread is blocked, and a signal it sends to the process acts as above
 *   (`arm`: the watchdog, one per deadline, unref'd, started only when a
 *   deadline needs it).
 *
 * When to use them is the signal policy's business (`./signals.ts`:
 * `releasesSignals`, `watchdogSignal`); the Node adapter (`./node.ts`) calls
 * them. Plain TypeScript on Node's own modules, the same file in both
 * editions.
 *
 * @internal
 */
import type * as WorkerThreads from "node:worker_threads"

/**
 * The watchdog, run in a worker thread (CommonJS, evaluated): after
 * `millis`, it writes `line` straight to the process's stderr (the main
 * thread's streams need the main thread) and sends `signal` to the process;
 * if the process is still alive a second later (a listener caught the
 * signal), `SIGKILL`.
 */
const watchdogSource = `
const { workerData } = require("node:worker_threads")
const { writeSync } = require("node:fs")
setTimeout(() => {
  try { writeSync(2, workerData.line) } catch {}
  process.kill(workerData.pid, workerData.signal)
  if (workerData.signal !== "SIGKILL") setTimeout(() => process.kill(workerData.pid, "SIGKILL"), 1000)
}, workerData.millis)
`

/** What `arm` returns: stops the watchdog before it fires. */
export type Disarm = () => void

const disarmed: Disarm = () => {}

/**
 * Starts a watchdog that ends the process with `signal` after `millis`,
 * writing `line` (and a newline) to stderr first, even while the main
 * thread is blocked. It does not keep the process alive. Returns its
 * `Disarm`. Where Node cannot start one (no `worker_threads`), nothing is
 * armed: the bounds then hold only while JavaScript runs.
 *
 * @internal
 */
export const arm = (millis: number, signal: string, line: string): Disarm => {
  const workers = process.getBuiltinModule?.("node:worker_threads") as typeof WorkerThreads | undefined
  if (workers === undefined) return disarmed
  try {
    const worker = new workers.Worker(watchdogSource, {
      eval: true,
      // not the app's `--import` hooks (a TypeScript loader...): the watchdog needs none
      execArgv: [],
      workerData: { pid: process.pid, millis, signal, line: `${line}\n` },
      stdout: true,
      stderr: true
    })
    worker.unref()
    worker.on("error", (error) => process.stderr.write(`the exit watchdog failed: ${String(error)}\n`))
    return () => {
      void worker.terminate()
    }
  } catch (error) {
    process.stderr.write(`the exit watchdog could not start: ${String(error)}\n`)
    return disarmed
  }
}

/** What `releaseSignals` returns: puts back the listeners it removed. */
export type Restore = () => void

/**
 * Gives `signals` back to the operating system: removes every listener of
 * each (the entry point's, `NodeRuntime.runMain`'s, the app's), so that the
 * next one ends the process at once, even while JavaScript is blocked.
 * Returns what puts them back, in their order (a `once` listener stays one).
 *
 * @internal
 */
export const releaseSignals = (signals: ReadonlyArray<string>): Restore => {
  const removed = signals.map((signal) => ({ signal, listeners: process.rawListeners(signal) }))
  for (const signal of signals) process.removeAllListeners(signal)
  return () => {
    for (const { listeners, signal } of removed) {
      for (const listener of listeners) process.on(signal, listener as (...args: Array<unknown>) => void)
    }
  }
}
