/**
 * Rolling deploys with zero failed requests (issue 21): `RUNS` rolling
 * restarts of two replicas of examples/rolling-deploy.ts behind a real
 * HAProxy (installed by scripts/haproxy.sh when missing), while keep-alive
 * clients send `POST /jobs/ID` through it; see test/rollout/rollout.ts for
 * the method. Prints the failures by kind, then ends with the line
 *
 *     rollout: R restarts, N requests, F failed, L lost
 *
 * and exits 1 if F or L is not 0 (or a replica did not exit 143). Bounded:
 * at most 200,000 requests and 2 minutes per restart; loopback only.
 *
 * Run: npm run rollout   (RUNS=20 DRAIN_DELAY="2 seconds" CLIENTS=4 INTERVAL_MS=10 by default;
 *   DRAIN_DELAY=0: the replicas stop accepting at the signal, as without a drain)
 */
import { runRollout, summaryLine } from "../test/rollout/rollout.js"

const env = (name: string, fallback: number, max: number) => {
  const value = Number(process.env[name] ?? fallback)
  if (!Number.isInteger(value) || value <= 0 || value > max) throw new Error(`${name} must be an integer in 1..${max}`)
  return value
}

const runs = env("RUNS", 20, 200)
const clients = env("CLIENTS", 4, 64)
const intervalMs = env("INTERVAL_MS", 10, 10_000)
const drainDelay = process.env.DRAIN_DELAY ?? "2 seconds"

console.error(`${runs} rolling restarts of 2 replicas behind HAProxy, drainDelay ${drainDelay}, ${clients} clients`)
const result = await runRollout({
  restarts: runs,
  drainDelay,
  clients,
  intervalMs,
  log: (line) => console.error(line)
})
const failures = [...result.failures].map(([kind, n]) => `${kind} ${n}`).join(", ") || "none"
const exits = new Map<string, number>()
for (const code of result.exits) exits.set(String(code), (exits.get(String(code)) ?? 0) + 1)
console.log(`drainDelay ${drainDelay}: ${result.seconds.toFixed(1)} s, ${result.acknowledged} jobs acknowledged`)
console.log(`failures by kind: ${failures}`)
console.log(`duplicated jobs: ${result.duplicated}`)
console.log(`replica exit codes: ${[...exits].map(([code, n]) => `${code} × ${n}`).join(", ")}`)
console.log(summaryLine(result))
const exitedOnSignal = result.exits.every((code) => code === 143)
process.exitCode = result.failed === 0 && result.lost === 0 && exitedOnSignal ? 0 : 1
