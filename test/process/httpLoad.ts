/**
 * Drives examples/http-server.ts with a bounded load of `POST /jobs` on
 * 127.0.0.1 and sends it SIGTERM in the middle, then tells which jobs
 * acknowledged with 202 completed (`job N done`), how many times, and
 * whether the Db closed after the last of them. Used by the process test
 * (test/process/http-server.test.ts) and by the load script
 * (bench/http-load.ts).
 */
import * as http from "node:http"
import { performance } from "node:perf_hooks"
import { endOf, type Running, start } from "./harness.js"

/** One run's load. */
export interface LoadOptions {
  /** How many requests at most. */
  readonly requests: number
  /** Over how long the requests are spread (ms). */
  readonly durationMs: number
  /** When SIGTERM is sent, from the first request (ms). */
  readonly signalAfterMs: number
  /** Requests in flight at most. */
  readonly concurrency?: number | undefined
  /** The server's `drainDelay` (ms); default 0. */
  readonly drainDelayMs?: number | undefined
}

/** What one run gave. */
export interface LoadResult {
  /** Requests sent before the server stopped answering. */
  readonly sent: number
  /** Job ids answered with 202. */
  readonly acknowledged: number
  /** Acknowledged jobs that printed `job N done` (once or more). */
  readonly completed: number
  /** Acknowledged jobs that never printed `job N done`. */
  readonly lost: number
  /** Jobs that printed `job N done` more than once. */
  readonly duplicated: number
  /** Requests refused or cut (the server had stopped accepting): never acknowledged, so not a loss. */
  readonly refused: number
  /**
   * Requests written to their connection (the client's `finish`) before the
   * signal was sent, then reset (`ECONNRESET`, `EPIPE`, a socket hang up)
   * instead of answered: what a keep-alive client must never see.
   */
  readonly resetBeforeSignal: number
  /** The same for requests written after the signal (on a connection the server was closing). */
  readonly resetAfterSignal: number
  /** Of those, how many went on a reused keep-alive connection (the others on a new connection). */
  readonly resetAfterSignalReused: number
  /** Requests whose connection was refused (`ECONNREFUSED`: the server no longer listened); never written. */
  readonly connectionRefused: number
  /** Answers that came after the signal, and how many of them said `Connection: close`. */
  readonly answeredAfterSignal: number
  readonly closeAnswers: number
  /** Every `job N done` line came before `db: closed`, which came once. */
  readonly dbClosedLast: boolean
  /** stderr mentions `pool is closed` (a job used the Db after it closed). */
  readonly poolClosedSeen: boolean
  readonly code: number | null
  readonly stderr: string
  readonly running: Running
}

/** What became of one request. */
export type Outcome =
  | { readonly _tag: "Answered"; readonly status: number; readonly body: string; readonly close: boolean }
  | { readonly _tag: "Failed"; readonly code: string }

/** One request: its outcome, when it was written to its connection (if it was) and when its outcome came. */
export interface Sent {
  readonly outcome: Outcome
  readonly writtenAt: number | undefined
  /** Whether it went on a keep-alive connection an earlier request had used (`request.reusedSocket`). */
  readonly reused: boolean
  readonly at: number
}

/** Sends one request through `agent` and tells what became of it (never rejects). */
export const send = (
  agent: http.Agent,
  options: { readonly port: number; readonly method: string; readonly path: string; readonly host?: string }
): Promise<Sent> =>
  new Promise((resolve) => {
    let writtenAt: number | undefined
    const done = (outcome: Outcome) =>
      resolve({ outcome, writtenAt, reused: request.reusedSocket, at: performance.now() })
    const request = http.request(
      { host: options.host ?? "127.0.0.1", port: options.port, method: options.method, path: options.path, agent },
      (response) => {
        let body = ""
        response.setEncoding("utf8")
        response.on("data", (chunk: string) => (body += chunk))
        response.on("end", () =>
          done({
            _tag: "Answered",
            status: response.statusCode ?? 0,
            body,
            close: response.headers.connection === "close"
          }))
        response.on("error", (error: NodeJS.ErrnoException) => done({ _tag: "Failed", code: error.code ?? "ERROR" }))
      }
    )
    request.on("finish", () => (writtenAt = performance.now()))
    request.on("error", (error: NodeJS.ErrnoException) => done({ _tag: "Failed", code: error.code ?? "ERROR" }))
    request.end()
  })

/** Whether a request failed by a reset of its connection, rather than by a refused one. */
export const isReset = (sent: Sent): boolean => sent.outcome._tag === "Failed" && sent.outcome.code !== "ECONNREFUSED"

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Starts the example on a free port, loads it, signals it, and waits for its end. */
export const runLoad = async (options: LoadOptions): Promise<LoadResult> => {
  const running = start(["--import", "tsx", "examples/http-server.ts"], process.execPath, {
    PORT: "0",
    DRAIN_DELAY_MS: String(options.drainDelayMs ?? 0)
  })
  const listening = await running.waitFor(/^listening on http:\/\/127\.0\.0\.1:\d+$/, 60_000)
  const port = Number(listening.text.split(":").at(-1))
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.concurrency ?? 16 })
  const acknowledged = new Set<number>()
  let sent = 0
  let refused = 0
  let next = 0
  const began = performance.now()
  const interval = options.durationMs / options.requests
  let signalled = false
  let signalAt = Number.POSITIVE_INFINITY
  const signal = sleep(options.signalAfterMs).then(() => {
    signalled = true
    signalAt = running.kill("SIGTERM")
  })
  const outcomes: Array<Sent> = []
  // Workers pick the next request and send it at its time, until the count
  // or the time is up.
  const worker = async () => {
    while (next < options.requests) {
      const i = next++
      const due = began + i * interval
      const now = performance.now()
      if (due > now) await sleep(due - now)
      if (performance.now() - began > options.durationMs + 1_000) return
      sent++
      const result = await send(agent, { port, method: "POST", path: "/jobs" })
      outcomes.push(result)
      const answer = result.outcome
      if (answer._tag === "Answered" && answer.status === 202) {
        acknowledged.add(Number(answer.body.replace(/^job /, "")))
      } else {
        refused++
        // Once the server is gone, stop sending.
        if (signalled && answer._tag === "Failed") return
      }
    }
  }
  await Promise.all(Array.from({ length: options.concurrency ?? 16 }, worker))
  await signal
  agent.destroy()
  const ended = await endOf(running, 60_000)

  const lines = running.out()
  const doneCount = new Map<number, number>()
  let lastDone = -1
  lines.forEach((line, index) => {
    const m = /^job (\d+) done$/.exec(line)
    if (m !== null) {
      doneCount.set(Number(m[1]), (doneCount.get(Number(m[1])) ?? 0) + 1)
      lastDone = index
    }
  })
  const closed = lines.flatMap((line, index) => line === "db: closed" ? [index] : [])
  let completed = 0
  let lost = 0
  for (const id of acknowledged) {
    if ((doneCount.get(id) ?? 0) > 0) completed++
    else lost++
  }
  return {
    sent,
    acknowledged: acknowledged.size,
    completed,
    lost,
    duplicated: [...doneCount.values()].filter((n) => n > 1).length,
    refused,
    resetBeforeSignal: outcomes.filter((o) => isReset(o) && o.writtenAt !== undefined && o.writtenAt < signalAt).length,
    resetAfterSignal: outcomes.filter((o) => isReset(o) && (o.writtenAt === undefined || o.writtenAt >= signalAt))
      .length,
    resetAfterSignalReused:
      outcomes.filter((o) => isReset(o) && o.reused && (o.writtenAt === undefined || o.writtenAt >= signalAt)).length,
    connectionRefused: outcomes.filter((o) => o.outcome._tag === "Failed" && !isReset(o)).length,
    answeredAfterSignal: outcomes.filter((o) => o.outcome._tag === "Answered" && o.at >= signalAt).length,
    closeAnswers: outcomes.filter((o) => o.outcome._tag === "Answered" && o.at >= signalAt && o.outcome.close).length,
    dbClosedLast: closed.length === 1 && closed[0]! > lastDone,
    poolClosedSeen: running.err().includes("pool is closed"),
    code: ended.code,
    stderr: running.err(),
    running
  }
}
