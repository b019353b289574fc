/**
 * Faults from outside Effect that would end the process before its shutdown
 * has run, and what the entry points (`runMain`, `launch`) put in their way.
 * Installed by them only: a library must not change a process it does not
 * own.
 *
 * - **An uncaught exception** (a timer's callback threw) **or an unhandled
 *   promise rejection**: Node would print the stack and exit 1 at once.
 *   `listenUncaught` hands it to the entry point instead, which reports it
 *   and stops as after a signal (`./signals.ts`). Node delivers an unhandled
 *   rejection to the same listener (origin `unhandledRejection`) unless the
 *   app listens to `unhandledRejection` itself or runs with
 *   `--unhandled-rejections=warn` (or `none`): those choices stay the app's.
 * - **stdout or stderr closed by its reader** (`node app.js | head -1`): the
 *   next write fails with `EPIPE`, and the stream's `error` event, which no
 *   one listens to, ends the process. `guardStdio` listens: the stream's
 *   output is dropped from then on, which is said once on the other stream
 *   while it is open, and the program goes on.
 *
 * Plain TypeScript on Node's own `process`, the same file in both editions.
 *
 * @internal
 */
import * as text from "./reportText.js"
import type { Fault } from "./signals.js"

/**
 * Hands every uncaught exception (and, as Node delivers it, unhandled
 * rejection) to `onFault`, instead of Node's crash. A throwing `onFault`
 * cannot make it worse than the crash it replaces: the error is written to
 * stderr and the process exits 1.
 *
 * @internal
 */
export const listenUncaught = (onFault: (error: unknown, origin: Fault) => void): void => {
  process.on("uncaughtException", (error, origin) => {
    try {
      onFault(error, origin === "unhandledRejection" ? "unhandledRejection" : "uncaughtException")
    } catch (failure) {
      process.stderr.write(`${String(error)}\n(while reporting it: ${String(failure)})\n`)
      process.exit(1)
    }
  })
}

/**
 * Keeps a failing stdout or stderr from ending the process: each stream's
 * first error is reported once on the other stream, if that one is still
 * open; later ones (every write to a closed stream fails) are dropped.
 *
 * @internal
 */
export const guardStdio = (): void => {
  const streams = { stdout: process.stdout, stderr: process.stderr } as const
  const failed = new Set<keyof typeof streams>()
  for (const name of ["stdout", "stderr"] as const) {
    const other = name === "stdout" ? "stderr" : "stdout"
    streams[name].on("error", (error: NodeJS.ErrnoException) => {
      if (failed.has(name)) return
      failed.add(name)
      if (failed.has(other)) return
      try {
        streams[other].write(`${text.streamClosed(name, error.code ?? String(error))}\n`)
      } catch {
        // the other stream is failing too: its own listener says nothing more
      }
    })
  }
}
