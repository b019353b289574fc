/**
 * Issue 4, case 8: the torn-write trial. A daemon rewrites a file in place
 * over and over (test/fixtures/torn-write.ts); the test stops the program
 * with SIGTERM at a random moment and reads the file it left behind.
 *
 * - inside `Thread.critical`, the file is complete after every one of 200
 *   trials: the shutdown's interruption waits for the rewrite to end;
 * - without `critical`, the same trial finds torn files in most trials,
 *   which shows that the check can fail and that the random moments do
 *   fall in the middle of a rewrite (the first property is not true by
 *   accident).
 *
 * The fixture is bundled once with esbuild to a plain .mjs in a temporary
 * directory, so that a trial costs a bare `node` start, and trials run two
 * at a time.
 */
import { build } from "esbuild"
import { mkdtemp, readFile, rm } from "node:fs/promises"
import * as os from "node:os"
import * as path from "node:path"
import { setTimeout as sleep } from "node:timers/promises"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { endOf, exitCodes, killAll, repo, start } from "./harness.js"

let dir: string
let bundle: string

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "effect-threading-torn-"))
  bundle = path.join(dir, "torn-write.mjs")
  await build({
    entryPoints: [path.join(repo, "test/fixtures/torn-write.ts")],
    tsconfig: path.join(repo, "tsconfig.json"), // resolves the `effect-threading` path alias
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node22",
    outfile: bundle,
    minify: true,
    logLevel: "error"
  })
}, 60_000)

afterAll(async () => {
  killAll()
  await rm(dir, { recursive: true, force: true })
})

/**
 * Whether `text` is one whole version of the file: `begin N`, 16 lines of
 * 1023 copies of the digit (N + i) mod 10, `end N` (the fixture's format).
 */
const isComplete = (text: string): boolean => {
  const lines = text.split("\n")
  if (lines.length !== 19 || lines[18] !== "") return false
  const begin = /^begin (\d+)$/.exec(lines[0]!)
  if (begin === null || lines[17] !== `end ${begin[1]}`) return false
  const n = Number(begin[1])
  return lines.slice(1, 17).every((line, i) => line === String((n + i) % 10).repeat(1023))
}

interface Trial {
  readonly code: number | null
  readonly stderr: string
  readonly complete: boolean
  /** Milliseconds from the signal to the exit. */
  readonly exitAfter: number
}

/** One trial: start, wait for `ready`, wait 0–20 ms, SIGTERM, read the file. */
const trial = async (mode: "critical" | "plain", index: number): Promise<Trial> => {
  const file = path.join(dir, `${mode}-${index}.txt`)
  const p = start([bundle, mode, file])
  await p.waitFor("ready", 10_000)
  await sleep(Math.random() * 20)
  const sent = p.kill("SIGTERM")
  const ended = await endOf(p, 10_000)
  const text = await readFile(file, "utf8")
  await rm(file, { force: true })
  return { code: ended.code, stderr: p.err(), complete: isComplete(text), exitAfter: ended.at - sent }
}

/** Runs `count` trials, `parallel` at a time. */
const trials = async (mode: "critical" | "plain", count: number, parallel = 2): Promise<Array<Trial>> => {
  const results: Array<Trial> = []
  let next = 0
  const worker = async () => {
    while (next < count) {
      const index = next++
      results.push(await trial(mode, index))
    }
  }
  await Promise.all(Array.from({ length: parallel }, worker))
  return results
}

describe("torn-write trial (SIGTERM at a random moment while a daemon rewrites a file)", () => {
  it("the check itself: complete and torn versions are told apart", () => {
    const whole = ["begin 7", ...Array.from({ length: 16 }, (_, i) => String((7 + i) % 10).repeat(1023)), "end 7", ""]
      .join("\n")
    expect(isComplete(whole)).toBe(true)
    expect(isComplete(whole.slice(0, 5000))).toBe(false)
    expect(isComplete(whole.replace("end 7", "end 8"))).toBe(false)
    expect(isComplete("")).toBe(false)
  })

  it("inside Thread.critical: the file is complete after each of 200 trials", { timeout: 150_000 }, async () => {
    const results = await trials("critical", 200)
    expect(results).toHaveLength(200)
    expect(results.filter((r) => !r.complete)).toEqual([])
    expect(results.filter((r) => r.code !== exitCodes.SIGTERM || r.stderr !== "")).toEqual([])
    // The rewrite takes a few milliseconds; waiting for it is no hang.
    expect(Math.max(...results.map((r) => r.exitAfter))).toBeLessThan(3_000)
  })

  it("without Thread.critical: the same trial finds torn files, in most trials", { timeout: 60_000 }, async () => {
    const results = await trials("plain", 20)
    expect(results.filter((r) => r.code !== exitCodes.SIGTERM || r.stderr !== "")).toEqual([])
    const torn = results.filter((r) => !r.complete).length
    // Most signals land in the middle of a rewrite (39 of 40 when measured):
    // so the 200 trials above put the interruption mid-rewrite most times.
    expect(torn).toBeGreaterThan(results.length / 2)
  })
})
