/**
 * Load check of examples/http-server.ts (issue 12): each run starts the
 * example on a free port of 127.0.0.1, sends up to `REQUESTS` `POST /jobs`
 * spread over `DURATION_MS`, SIGTERMs it half way, and counts the jobs
 * acknowledged with 202, completed (`job N done`), lost (acknowledged, never
 * done) and duplicated (done more than once). Bounded in count and time;
 * loopback only.
 *
 * Run: npm run load   (RUNS=20 REQUESTS=3000 DURATION_MS=5000 by default)
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

const totals = { sent: 0, acknowledged: 0, completed: 0, lost: 0, duplicated: 0, refused: 0, failedRuns: 0 }
console.log(`${runs} runs: up to ${requests} requests over ${durationMs} ms each, SIGTERM at ${durationMs / 2} ms`)
console.log("run  sent  acknowledged  completed  lost  duplicated  refused  db-closed-last  exit")
for (let run = 1; run <= runs; run++) {
  const r = await runLoad({ requests, durationMs, signalAfterMs: durationMs / 2, concurrency: 32 })
  const ok = r.lost === 0 && r.duplicated === 0 && r.dbClosedLast && !r.poolClosedSeen && r.code === 143
  console.log(
    [run, r.sent, r.acknowledged, r.completed, r.lost, r.duplicated, r.refused, r.dbClosedLast, r.code]
      .map((v, i) => String(v).padStart(i === 0 ? 3 : [4, 12, 9, 4, 10, 7, 14, 4][i - 1]!))
      .join("  ")
  )
  if (!ok && r.stderr !== "") console.log(r.stderr.slice(0, 2_000))
  totals.sent += r.sent
  totals.acknowledged += r.acknowledged
  totals.completed += r.completed
  totals.lost += r.lost
  totals.duplicated += r.duplicated
  totals.refused += r.refused
  if (!ok) totals.failedRuns++
}
console.log(
  `total: sent ${totals.sent}, acknowledged ${totals.acknowledged}, completed ${totals.completed}, ` +
    `lost ${totals.lost}, duplicated ${totals.duplicated}, refused ${totals.refused}; ` +
    `runs failing a check: ${totals.failedRuns}`
)
process.exitCode = totals.failedRuns === 0 ? 0 : 1
