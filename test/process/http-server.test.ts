/**
 * examples/http-server.ts as a real process (issue 12): a bounded load of
 * `POST /jobs` on 127.0.0.1, SIGTERM in the middle. Every job acknowledged
 * with 202 completes exactly once, the Db closes after the last job, exit
 * 143. Three short runs here (400 requests over 2 s, SIGTERM at 1 s); bench/http-load.ts (`npm run load`) runs the
 * longer load 20 times.
 */
import { afterEach, describe, expect, it } from "vitest"
import { exitCodes, killAll } from "./harness.js"
import { runLoad } from "./httpLoad.js"

afterEach(killAll)

describe("examples/http-server.ts under load, SIGTERM mid-load", () => {
  it.each([1, 2, 3])("run %i: every acknowledged job done exactly once, the Db closed after them, exit 143", {
    timeout: 120_000
  }, async () => {
    const result = await runLoad({ requests: 400, durationMs: 2_000, signalAfterMs: 1_000 })
    const summary = { ...result, running: undefined, stderr: result.stderr.slice(0, 2_000) }
    // The signal came mid-load: some requests were acknowledged, the last ones were not.
    expect(result.acknowledged, JSON.stringify(summary)).toBeGreaterThan(0)
    expect(result.acknowledged, JSON.stringify(summary)).toBeLessThan(400)
    expect(result.lost, JSON.stringify(summary)).toBe(0)
    expect(result.duplicated, JSON.stringify(summary)).toBe(0)
    expect(result.completed).toBe(result.acknowledged)
    expect(result.poolClosedSeen, JSON.stringify(summary)).toBe(false)
    expect(result.dbClosedLast, JSON.stringify(summary)).toBe(true)
    expect(result.code).toBe(exitCodes.SIGTERM)
  })
})
