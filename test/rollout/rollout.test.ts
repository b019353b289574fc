/**
 * Issue 21's done-when, in the suite: `npm run rollout` (bench/rollout.ts)
 * with `RUNS=2` — two rolling restarts of two replicas of
 * examples/rolling-deploy.ts (`drainDelay` 2 s) behind a real HAProxy
 * (installed by scripts/haproxy.sh when missing) under keep-alive load —
 * ends with `rollout: 2 restarts, N requests, 0 failed, 0 lost` and exit 0.
 * (`RUNS=20`, and the same with `DRAIN_DELAY=0`, which fails, are in
 * docs/kubernetes.md.)
 */
import { afterEach, describe, expect, it } from "vitest"
import { endOf, killAll, start } from "../process/harness.js"

afterEach(killAll)

describe("npm run rollout", () => {
  it("RUNS=2: 2 rolling restarts behind HAProxy, 0 failed, 0 lost, every replica exits 143", {
    timeout: 300_000
  }, async () => {
    const p = start(["--import", "tsx", "bench/rollout.ts"], process.execPath, { RUNS: "2" })
    const ended = await endOf(p, 280_000)
    const out = p.out()
    const summary = `${out.join("\n")}\n${p.err()}`
    expect(out.at(-1), summary).toMatch(/^rollout: 2 restarts, \d+ requests, 0 failed, 0 lost$/)
    // The load ran through the restarts: hundreds of requests, not a handful.
    expect(Number(/, (\d+) requests,/.exec(out.at(-1)!)![1]), summary).toBeGreaterThan(100)
    expect(out, summary).toContain("replica exit codes: 143 × 6")
    expect(ended.code, summary).toBe(0)
  })
})
