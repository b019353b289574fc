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
  /** Every `job N done` line came before `db: closed`, which came once. */
  readonly dbClosedLast: boolean
  /** stderr mentions `pool is closed` (a job used the Db after it closed). */
  readonly poolClosedSeen: boolean
  readonly code: number | null
  readonly stderr: string
  readonly running: Running
}

const post = (agent: http.Agent, port: number): Promise<{ status: number; body: string } | undefined> =>
  new Promise((resolve) => {
    const request = http.request(
      { host: "127.0.0.1", port, method: "POST", path: "/jobs", agent },
      (response) => {
        let body = ""
        response.setEncoding("utf8")
        response.on("data", (chunk: string) => (body += chunk))
        response.on("end", () => resolve({ status: response.statusCode ?? 0, body }))
        response.on("error", () => resolve(undefined))
      }
    )
    request.on("error", () => resolve(undefined))
    request.end()
  })

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Starts the example on a free port, loads it, signals it, and waits for its end. */
export const runLoad = async (options: LoadOptions): Promise<LoadResult> => {
  const running = start(["--import", "tsx", "examples/http-server.ts"], process.execPath, { PORT: "0" })
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
  const signal = sleep(options.signalAfterMs).then(() => {
    signalled = true
    running.kill("SIGTERM")
  })
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
      const answer = await post(agent, port)
      if (answer?.status === 202) {
        acknowledged.add(Number(answer.body.replace(/^job /, "")))
      } else {
        refused++
        // Once the server is gone, stop sending.
        if (signalled && answer === undefined) return
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
    dbClosedLast: closed.length === 1 && closed[0]! > lastDone,
    poolClosedSeen: running.err().includes("pool is closed"),
    code: ended.code,
    stderr: running.err(),
    running
  }
}
