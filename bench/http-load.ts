/**
 * Load check of examples/http-server.ts (issue 12): each run starts the
 * example on a free port of 127.0.0.1, sends up to `REQUESTS` `POST /jobs`
 * spread over `DURATION_MS`, SIGTERMs it half way, and counts the jobs
 * acknowledged with 202, completed (`job N done`), lost (acknowledged, never
 * done) and duplicated (done more than once); and, for the keep-alive
 * clients, the requests reset instead of answered, by whether they had been
 * written to their connection before or after the signal (issue 19: a
 * request sent before the signal must be answered), the connections refused
 * once the server stopped listening, and how many answers after the signal
 * said `Connection: close`. Bounded in count and time; loopback only.
 *
 * A run fails its check if it lost or duplicated a job, if a request written
 * before the signal was reset, if the Db did not close last, or if the exit
 * code was not 143; the script exits 1 if any run failed.
 *
 * Run: npm run load   (RUNS=20 REQUESTS=3000 DURATION_MS=5000 DRAIN_DELAY_MS=0 by default;
 *   DRAIN_DELAY_MS: the server's `drainDelay`, during which it still serves, every answer saying `Connection: close`)
 */
import { runLoad } from "../test/process/httpLoad.js"

const env = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback)
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`)
  return value
}

const runs = env("RUNS", 20)
const requests = Math.min(env("REQUESTS", 3_000), 10_000)
const durationMs = Math.min(env("DURATION_MS", 5_000), 30_000)
const drainDelayMs = Math.min(Number(process.env.DRAIN_DELAY_MS ?? 0), 10_000)
if (!Number.isFinite(drainDelayMs) || drainDelayMs < 0) throw new Error("DRAIN_DELAY_MS must be a number >= 0")

/** The counts of a run that add up over the runs. */
const counted = [
  "sent",
  "acknowledged",
  "completed",
  "lost",
  "duplicated",
  "refused",
  "resetBeforeSignal",
  "resetAfterSignal",
  "resetAfterSignalReused",
  "connectionRefused",
  "answeredAfterSignal",
  "closeAnswers"
] as const
const totals = Object.fromEntries(counted.map((key) => [key, 0])) as Record<(typeof counted)[number], number>
let failedRuns = 0
console.log(
  `${runs} runs: up to ${requests} requests over ${durationMs} ms each, SIGTERM at ${durationMs / 2} ms, ` +
    `drainDelay ${drainDelayMs} ms`
)
const columns = [
  "run",
  "sent",
  "acknowledged",
  "completed",
  "lost",
  "duplicated",
  "refused",
  "reset-before",
  "reset-after (reused)",
  "conn-refused",
  "answers-after (close)",
  "db-closed-last",
  "exit"
]
console.log(columns.join("  "))
for (let run = 1; run <= runs; run++) {
  const r = await runLoad({ requests, durationMs, signalAfterMs: durationMs / 2, concurrency: 32, drainDelayMs })
  const ok = r.lost === 0 && r.duplicated === 0 && r.resetBeforeSignal === 0 && r.dbClosedLast && !r.poolClosedSeen &&
    r.code === 143
  console.log(
    [
      run,
      r.sent,
      r.acknowledged,
      r.completed,
      r.lost,
      r.duplicated,
      r.refused,
      r.resetBeforeSignal,
      `${r.resetAfterSignal} (${r.resetAfterSignalReused})`,
      r.connectionRefused,
      `${r.answeredAfterSignal} (${r.closeAnswers})`,
      r.dbClosedLast,
      r.code
    ].map((v, i) => String(v).padStart(columns[i]!.length)).join("  ")
  )
  if (!ok && r.stderr !== "") console.log(r.stderr.slice(0, 2_000))
  for (const key of counted) totals[key] += r[key]
  if (!ok) failedRuns++
}
console.log(
  `total: sent ${totals.sent}, acknowledged ${totals.acknowledged}, completed ${totals.completed}, ` +
    `lost ${totals.lost}, duplicated ${totals.duplicated}, refused ${totals.refused}; ` +
    `reset: ${totals.resetBeforeSignal} sent before the signal, ${totals.resetAfterSignal} after ` +
    `(${totals.resetAfterSignalReused} of them on a reused keep-alive connection); ` +
    `connections refused ${totals.connectionRefused}; ` +
    `answers after the signal ${totals.answeredAfterSignal} (Connection: close ${totals.closeAnswers}); ` +
    `runs failing a check: ${failedRuns}`
)
process.exitCode = failedRuns === 0 ? 0 : 1
