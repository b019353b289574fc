/**
 * examples/cluster-maintenance.ts in one process on the embedded default: no
 * database, no server. (As 3 replicas on PostgreSQL: test/cluster/failover.test.ts.)
 */
import { afterAll, describe, expect, it } from "vitest"
import { killAll, startExample } from "./harness.js"

afterAll(killAll)

describe("examples/cluster-maintenance.ts, one process, embedded default", () => {
  it("runs the maintenance singleton and the local daemons, then ends by itself (exit 0)", async () => {
    const example = startExample({ DATABASE_URL: "", RUN_FOR: "2500 millis" })
    const ended = await example.ended
    const out = example.lines.map((l) => l.text)
    const describe = `stdout:\n${out.join("\n")}\nstderr:\n${example.stderr()}`
    expect(ended.code, describe).toBe(0)
    expect(out[0], describe).toBe("[local] replica up")
    expect(out, describe).toContain(
      "[local] maintenance run #1 (fencing token 1): purged expired sessions (cluster-wide, only here)"
    )
    expect(out, describe).toContain("[local] announcer: this replica announces")
    // Both singletons run here (in the order the cluster started them).
    const threads = out.find((line) => line.startsWith("[local] threads: "))
    expect(threads?.split(": ")[1]?.split(", ").sort(), describe).toEqual(
      ["MainThread", "announcer (singleton)", "cache-janitor", "maintenance (singleton)", "monitor"]
    )
    // The singleton's finalizer runs at shutdown, after the main program's end.
    const end = out.indexOf("[local] main program ends; daemons and the singleton stop")
    expect(end, describe).toBeGreaterThan(0)
    expect(out.slice(end + 1), describe).toEqual(["[local] announcer stopped here (finalizer ran)"])
    expect(example.stderr(), describe).toBe("")
  }, 60_000)

  it("ends on Ctrl-C (exit 130), the singleton's finalizer having run", async () => {
    const example = startExample({ DATABASE_URL: "", RUN_FOR: "1 minute" })
    await example.waitFor(/maintenance run #1/, 30_000)
    example.kill("SIGINT")
    const ended = await example.ended
    const out = example.lines.map((l) => l.text)
    const describe = `stdout:\n${out.join("\n")}\nstderr:\n${example.stderr()}`
    expect(ended.code, describe).toBe(130)
    expect(out, describe).toContain("[local] announcer stopped here (finalizer ran)")
    expect(out, describe).not.toContain("[local] main program ends; daemons and the singleton stop")
  }, 60_000)
})
