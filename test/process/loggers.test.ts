/**
 * `Threading.runMain`'s `disablePrettyLogger`: by default runMain swaps
 * Effect's default logger for the pretty one (`Logger.consolePretty()`; in
 * Effect 4, NodeRuntime.runMain no longer does), so a program's replacement
 * of the default logger (test/fixtures/loggers.ts) replaces it only when the
 * option is set (otherwise both loggers print).
 */
import { afterEach, describe, expect, it } from "vitest"
import { endOf, killAll, startTs } from "./harness.js"

afterEach(killAll)

describe("runMain's logger", () => {
  it("with disablePrettyLogger, the program's logger replaces the default one, thread names included", {
    timeout: 30_000
  }, async () => {
    const p = startTs("test/fixtures/loggers.ts", "--plain")
    const ended = await endOf(p)
    expect(ended.code).toBe(0)
    expect(p.out()).toEqual(["[MainThread] from main", "[worker] from worker"])
  })

  it("by default, Effect's pretty logger prints the lines too (the replacement only adds a logger)", {
    timeout: 30_000
  }, async () => {
    const p = startTs("test/fixtures/loggers.ts")
    const ended = await endOf(p)
    expect(ended.code).toBe(0)
    const out = p.out().join("\n")
    expect(out).toMatch(/^\[MainThread\] from main$/m)
    expect(out).toMatch(/^\[.*\] INFO \(#\d+\): from main\n {2}thread: MainThread$/m)
    expect(out).toMatch(/^\[.*\] INFO \(#\d+\): from worker\n {2}thread: worker$/m)
  })
})
