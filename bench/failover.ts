/**
 * `npm run failover`: cluster singletons under failure, measured (issue 22).
 *
 * Starts its own PostgreSQL 15 (test/cluster/postgres.ts: a throwaway data
 * folder, a free port on 127.0.0.1) and three runner processes of
 * test/cluster/fixtures/ledger.ts, whose singleton `ledger` appends a row
 * `(runner, token, at)` every 100 ms with its fencing token — each insert
 * guarded by the fence (`ThreadingCluster.fenced`) unless `FENCE=0`. Then
 * `RUNS` trials of each case, round-robin, on the current owner:
 *
 * - `sigterm`: SIGTERM; handover = the signal to the next owner's first
 *   accepted write; a replacement runner is started.
 * - `sigkill`: SIGKILL; the same.
 * - `sigstop`: SIGSTOP, `PAUSE_MS` (10 s, past the 6 s lock expiration), SIGCONT.
 *   Counts what the paused owner tried and got accepted after it woke, and
 *   whether the singleton moved back to it within 10 s.
 * - `start` (not in the default `CASES`): three runners started at once on
 *   a fresh table; counts the moves in the 8 s after the first write (set
 *   `SETTLE=0` to see the engine without the library's settling).
 *
 * At the end every write the database accepted is audited (test/cluster/harness.ts
 * `audit`): an overlap is two runners' writes accepted in the same interval (consecutive
 * token periods of different runners whose write intervals intersect), a stale write one
 * accepted with a token older than one already accepted. The last line is
 *
 *   failover: T trials, O overlaps, S stale writes accepted, SIGTERM handover median X ms, SIGKILL median Y ms
 *
 * and the exit code is 1 unless O and S are 0.
 *
 * Environment: RUNS (20), CASES (sigterm,sigkill,sigstop), FENCE (1), STYLE (schedule | loop: see the
 * fixture), PAUSE_MS (10000), SETTLE, JOIN_DEBOUNCE (passed to the runners), LOGS (a folder: each
 * runner's output is written there at the end). Bounded: every wait has a deadline.
 */
import { PgClient } from "@effect/sql-pg"
import { Effect, ManagedRuntime, Redacted } from "effect"
import { SqlClient } from "effect/sql/SqlClient"
import { mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import {
  audit,
  createLedger,
  killAll,
  percentile,
  type Runner,
  startRunner,
  type Write
} from "../test/cluster/harness.js"
import { findBinaries, type Postgres, start } from "../test/cluster/postgres.js"

const number = (name: string, fallback: number): number => {
  const value = Number(process.env[name] ?? fallback)
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name}=${process.env[name]}: expected a number`)
  return value
}
const RUNS = number("RUNS", 20)
const CASES = (process.env.CASES ?? "sigterm,sigkill,sigstop").split(",").map((c) => c.trim())
const PAUSE_MS = number("PAUSE_MS", 10_000)
const known = ["sigterm", "sigkill", "sigstop", "start"]
for (const c of CASES) {
  if (!known.includes(c)) throw new Error(`CASES: unknown case ${c} (expected ${known.join(", ")})`)
}
const runnerEnv: Record<string, string> = {
  FENCE: process.env.FENCE ?? "1",
  STYLE: process.env.STYLE ?? "schedule",
  ...(process.env.SETTLE === undefined ? {} : { SETTLE: process.env.SETTLE }),
  ...(process.env.JOIN_DEBOUNCE === undefined ? {} : { JOIN_DEBOUNCE: process.env.JOIN_DEBOUNCE })
}

const started = Date.now()
const say = (message: string) =>
  process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s] ${message}\n`)
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

const binaries = findBinaries()
if ("missing" in binaries) {
  console.error(`failover: ${binaries.missing}`)
  process.exit(1)
}
const pg: Postgres = await start(binaries.bin)
await createLedger(pg)
const db = ManagedRuntime.make(PgClient.layer({ url: Redacted.make(pg.url), maxConnections: 1 }))

/** Every accepted write so far, read incrementally. */
const seen: Array<Write> = []
const refresh = async (): Promise<ReadonlyArray<Write>> => {
  const last = seen.at(-1)?.id ?? 0
  const rows = await db.runPromise(
    Effect.flatMap(SqlClient, (sql) =>
      sql<{ id: string; runner: string; token: string; at_ms: string }>`
      SELECT id, runner, token, at_ms FROM ledger WHERE id > ${last} ORDER BY id`)
  )
  for (const row of rows) {
    seen.push({ id: Number(row.id), runner: row.runner, token: Number(row.token), at: Number(row.at_ms) })
  }
  return seen
}

/** Polls until `f` gives a value, or fails after `ms` saying `what`. */
const until = async <A>(what: string, ms: number, f: () => Promise<A | undefined>): Promise<A> => {
  const deadline = Date.now() + ms
  for (;;) {
    const value = await f()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`failover: ${what}: nothing within ${ms} ms`)
    await sleep(100)
  }
}

let count = 0
const runners = new Map<string, Runner>()
const alive = (r: Runner) => r.child.exitCode === null && r.child.signalCode === null
const launch = async (): Promise<Runner> => {
  const name = `r${++count}`
  const runner = await startRunner(pg, name, runnerEnv, "test/cluster/fixtures/ledger.ts")
  runners.set(name, runner)
  return runner
}
const ready = (runner: Runner) => runner.waitFor(/^READY$/, 90_000)

/** The owner: the runner whose writes have been the only ones for the last 1.5 s, alive. */
const steadyOwner = () =>
  until("a steady owner", 60_000, async () => {
    const all = await refresh()
    const now = Date.now()
    const recent = all.filter((w) => w.at > now - 1_500)
    const tokens = new Set(recent.map((w) => w.token))
    const last = all.at(-1)
    if (last === undefined || recent.length < 5 || tokens.size !== 1) return undefined
    const runner = runners.get(last.runner)
    return runner !== undefined && alive(runner) ? { runner, token: last.token } : undefined
  })

/** The first write accepted after `since` with a token newer than `token`. */
const nextOwner = (since: number, token: number, what: string, ms: number) =>
  until(what, ms, async () => (await refresh()).find((w) => w.at >= since && w.token > token))

interface Trial {
  readonly kind: string
  readonly handoverMs: number
  readonly detail: string
}
const trials: Array<Trial> = []
const pauses: Array<{ attempts: number; accepted: number; stopped: boolean; movedBack: boolean }> = []
const starts: Array<number> = []

const failover = async (kind: "sigterm" | "sigkill") => {
  const owner = await steadyOwner()
  const at = owner.runner.kill(kind === "sigterm" ? "SIGTERM" : "SIGKILL")
  const next = await nextOwner(at, owner.token, `${kind} of ${owner.runner.name}`, 60_000)
  const ended = await owner.runner.ended
  trials.push({
    kind,
    handoverMs: next.at - at,
    detail: `${owner.runner.name}->${next.runner} ${next.at - at} ms (exit ${ended.code ?? ended.signal})`
  })
  await ready(await launch())
}

const pause = async () => {
  const owner = await steadyOwner()
  const victim = owner.runner
  const stoppedAt = victim.kill("SIGSTOP")
  await sleep(PAUSE_MS)
  const wokeAt = victim.kill("SIGCONT")
  const next = await nextOwner(stoppedAt, owner.token, `SIGSTOP of ${victim.name}`, 30_000)
  await sleep(10_000)
  const all = await refresh()
  const attempts = victim.lines.filter((l) => {
    const m = /^ATTEMPT (\d+) (\d+)$/.exec(l.text)
    return m !== null && Number(m[1]) === owner.token && Number(m[2]) >= wokeAt
  }).length
  const accepted = all.filter((w) => w.runner === victim.name && w.token === owner.token && w.at >= wokeAt).length
  const stopped = victim.lines.some((l) => l.at >= wokeAt && /stopped here before its next step/.test(l.text))
  const movedBack = all.some((w) => w.runner === victim.name && w.token > next.token)
  pauses.push({ attempts, accepted, stopped, movedBack })
  trials.push({
    kind: "sigstop",
    handoverMs: next.at - stoppedAt,
    detail: `${victim.name}->${next.runner} after ${
      next.at - stoppedAt
    } ms; after waking: ${attempts} attempts, ${accepted} accepted${stopped ? ", stopped early" : ""}${
      movedBack ? ", moved back" : ""
    }`
  })
}

const simultaneousStart = async () => {
  for (const runner of runners.values()) if (alive(runner)) runner.kill("SIGTERM")
  await Promise.all([...runners.values()].map((r) => r.ended))
  const from = (await refresh()).at(-1)?.id ?? 0
  const group = await Promise.all([launch(), launch(), launch()])
  await Promise.all(group.map(ready))
  const first = await until(
    "a first write after the start",
    60_000,
    async () => (await refresh()).find((w) => w.id > from)
  )
  await sleep(8_000)
  const tokens = new Set((await refresh()).filter((w) => w.id > from && w.at <= first.at + 8_000).map((w) => w.token))
  starts.push(tokens.size - 1)
  trials.push({
    kind: "start",
    handoverMs: Number.NaN,
    detail: `${tokens.size - 1} moves in the 8 s after the first write`
  })
}

const stats = (values: ReadonlyArray<number>) =>
  values.length === 0
    ? "n=0"
    : `n=${values.length} min ${Math.min(...values)} median ${percentile(values, 50)} p90 ${
      percentile(values, 90)
    } max ${Math.max(...values)} ms`

let exitCode = 1
try {
  say(`PostgreSQL on ${pg.url}; starting 3 runners (FENCE=${runnerEnv.FENCE}, STYLE=${runnerEnv.STYLE})`)
  const first = await Promise.all([launch(), launch(), launch()])
  await Promise.all(first.map(ready))
  for (let i = 0; i < RUNS; i++) {
    for (const kind of CASES) {
      say(`trial ${i + 1}/${RUNS}: ${kind}`)
      if (kind === "sigterm" || kind === "sigkill") await failover(kind)
      else if (kind === "sigstop") await pause()
      else await simultaneousStart()
      say(`  ${trials.at(-1)!.detail}`)
    }
  }
  say("stopping every runner (SIGTERM)")
  for (const runner of runners.values()) if (alive(runner)) runner.kill("SIGTERM")
  await Promise.all([...runners.values()].map((r) => r.ended))
  const result = audit(await refresh())
  const handovers = (kind: string) => trials.filter((t) => t.kind === kind).map((t) => t.handoverMs)
  const median = (kind: string) => handovers(kind).length === 0 ? "—" : String(percentile(handovers(kind), 50))
  console.log(
    `runners: ${runners.size} started; writes accepted: ${seen.length}; ownership periods: ${result.tenures.length}`
  )
  for (const kind of ["sigterm", "sigkill", "sigstop"]) {
    if (CASES.includes(kind)) {
      console.log(`${kind} handover (signal to the next owner's first write): ${stats(handovers(kind))}`)
    }
  }
  if (pauses.length > 0) {
    const sum = (f: (p: typeof pauses[number]) => number | boolean) => pauses.reduce((n, p) => n + Number(f(p)), 0)
    console.log(
      `sigstop (${PAUSE_MS} ms): the paused owner, after waking: ${sum((p) => p.attempts)} write attempts in ${
        sum((p) => p.attempts > 0)
      } of ${pauses.length} trials, ${sum((p) => p.accepted)} accepted; stopped early (logged) in ${
        sum((p) => p.stopped)
      }; moved back to it within 10 s in ${sum((p) => p.movedBack)}`
    )
  }
  if (starts.length > 0) {
    console.log(
      `start (3 runners at once): moves in the 8 s after the first write: ${starts.join(", ")} (${
        starts.filter((n) => n > 0).length
      } of ${starts.length} trials moved)`
    )
  }
  for (const [before, after] of result.overlaps) {
    console.log(
      `overlap: token ${before.token} (${before.runner}) until ${before.last}, token ${after.token} (${after.runner}) from ${after.first}`
    )
  }
  for (const write of result.stale) console.log(`stale write accepted: ${JSON.stringify(write)}`)
  console.log(
    `failover: ${trials.length} trials, ${result.overlaps.length} overlaps, ${result.stale.length} stale writes accepted, ` +
      `SIGTERM handover median ${median("sigterm")} ms, SIGKILL median ${median("sigkill")} ms`
  )
  exitCode = result.overlaps.length === 0 && result.stale.length === 0 ? 0 : 1
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error))
  for (const runner of runners.values()) {
    console.error(
      `--- ${runner.name}: ${runner.lines.slice(-15).map((l) => l.text).join("\n")}\n${runner.stderr().slice(-2000)}`
    )
  }
} finally {
  const logs = process.env.LOGS
  if (logs !== undefined) {
    mkdirSync(logs, { recursive: true })
    for (const runner of runners.values()) {
      writeFileSync(
        join(logs, `${runner.name}.log`),
        `${runner.lines.map((l) => `${l.at} ${l.text}`).join("\n")}\n${runner.stderr()}`
      )
    }
  }
  killAll()
  await db.dispose()
  await pg.stop()
}
process.exit(exitCode)
