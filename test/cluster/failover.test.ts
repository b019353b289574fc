/**
 * Thread.singleton across real processes: 3 runners (Threading.runMain,
 * test/cluster/fixtures/runner.ts) share one throwaway PostgreSQL on
 * 127.0.0.1. The singleton `heartbeat` appends rows to a table on whichever
 * runner owns it; the test stops owners (SIGTERM and SIGKILL, 10 times),
 * starts replacements, then stops everyone, and checks the rows:
 *
 * - one owner at a time: no two ownership periods overlap (a period ends at
 *   its finalizer's row, or — for a runner killed with SIGKILL — at the kill);
 * - SIGTERM: the owner's finalizer row is written, it exits 143, and another
 *   runner takes over within `SIGTERM_BOUND_MS`;
 * - SIGKILL: another runner takes over within the lease bound
 *   (`shardLockExpiration` + slack);
 * - all stopped: every runner exits 143, every period is closed, no row
 *   comes after.
 *
 * Cluster settings (the fixture's defaults): refreshAssignmentsInterval 1 s,
 * shardLockRefreshInterval 2 s, shardLockExpiration 6 s. Bounds are generous
 * for a loaded 2-core machine; the measured times are printed (and reported
 * in docs/cluster.md).
 *
 * Skips, with the reason, where the PostgreSQL server binaries are missing
 * (scripts/postgres.sh installs them); fails instead where
 * `EFFECT_THREADING_REQUIRE_POSTGRES=1` requires them (`.ci/run` sets it).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  createTable,
  killAll,
  percentile,
  type Period,
  periods,
  poll,
  query,
  rowCount,
  type Runner,
  startExample,
  startRunner
} from "./harness.js"
import { binariesForTests, freePort, type Postgres, start } from "./postgres.js"

const binaries = binariesForTests()
const skip = "skip" in binaries ? binaries.skip : undefined
if (skip !== undefined) {
  console.warn(`test/cluster/failover.test.ts skipped: ${skip}`)
}

/** shardLockExpiration of the runners (the fixture's default). */
const LOCK_EXPIRATION_MS = 6_000
/** refreshAssignmentsInterval of the runners. */
const REFRESH_MS = 1_000
/** Takeover after SIGTERM: measured about 1 s (one refresh); generous for a loaded machine. */
const SIGTERM_BOUND_MS = 10_000
/** Takeover after SIGKILL: the lease (lock expiration), a refresh, and slack. */
const SIGKILL_BOUND_MS = LOCK_EXPIRATION_MS + 2 * REFRESH_MS + 8_000
/** A runner's start-up (tsx compiles, the cluster joins): generous. */
const READY_MS = 60_000
const FAILOVERS = 10

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

const alive = (runner: Runner) => runner.child.exitCode === null && runner.child.signalCode === null

interface Handover {
  readonly signal: "SIGTERM" | "SIGKILL"
  readonly from: string
  readonly to: string
  /** From the signal to the new owner's start. */
  readonly handoverMs: number
  /** SIGTERM: from the signal to the old owner's final row. */
  readonly finalizerMs: number | undefined
  /** SIGTERM: from the signal to the old owner's exit. */
  readonly exitMs: number | undefined
}

describe.skipIf(skip !== undefined)("Thread.singleton on a PostgreSQL cluster of 3 runner processes", () => {
  let pg: Postgres
  const runners: Array<Runner> = []
  const byName = new Map<string, Runner>()

  beforeAll(async () => {
    if ("fail" in binaries) throw new Error(binaries.fail)
    pg = await start((binaries as { bin: string }).bin)
    await createTable(pg)
  }, 60_000)

  afterAll(async () => {
    killAll()
    await pg?.stop()
  }, 30_000)

  const launch = async (name: string) => {
    const runner = await startRunner(pg, name)
    runners.push(runner)
    byName.set(name, runner)
    return runner
  }

  const dump = async () => {
    const all = await periods(pg).catch((error) => `(no rows: ${error})`)
    return `periods:\n${JSON.stringify(all, null, 1)}\nrunners:\n${
      runners.map((r) =>
        `${r.name} port ${r.port} ${alive(r) ? "alive" : `ended ${r.child.exitCode ?? r.child.signalCode}`}\n` +
        `  stdout: ${r.lines.map((l) => l.text).join(" | ")}\n  stderr: ${r.stderr().slice(-2000)}`
      ).join("\n")
    }`
  }

  /**
   * The current owner: the one open period (no final row) of a live runner
   * that has beaten recently, once the cluster is steady (no open period of
   * another live runner).
   */
  const currentOwner = () =>
    poll(
      async () => {
        const open = (await periods(pg)).filter((p) => !p.final && alive(byName.get(p.runner)!))
        const now = Date.now()
        if (open.length === 1 && now - open[0]!.lastSeen < 1_500) return open[0]!
        return undefined
      },
      30_000,
      async () => `no single live owner with a recent heartbeat within 30 s\n${await dump()}`,
      200
    )

  /** The first period that started after `since` on a runner other than `from`. */
  const takeover = (since: number, from: string, boundMs: number, what: string) =>
    poll(
      async () => (await periods(pg)).find((p) => p.start >= since && p.runner !== from),
      boundMs,
      async () => `${what}: no other runner started the singleton within ${boundMs} ms\n${await dump()}`,
      100
    )

  it(
    `one owner at a time through ${FAILOVERS} failovers (SIGTERM, SIGKILL); all stopped: nothing runs, exit 143`,
    async () => {
      const t0 = Date.now()
      await Promise.all(["r1", "r2", "r3"].map(launch))
      await Promise.all(runners.map((r) => r.waitFor(/^READY$/, READY_MS)))
      const startup = Date.now() - t0

      const handovers: Array<Handover> = []
      for (let i = 0; i < FAILOVERS; i++) {
        const signal = i % 2 === 0 ? "SIGTERM" : "SIGKILL"
        const owner = await currentOwner()
        const victim = byName.get(owner.runner)!
        const at = victim.kill(signal)
        const what = `failover ${i + 1} (${signal} to owner ${victim.name})`
        const next = await takeover(at, victim.name, signal === "SIGTERM" ? SIGTERM_BOUND_MS : SIGKILL_BOUND_MS, what)
        let finalizerMs: number | undefined
        let exitMs: number | undefined
        if (signal === "SIGTERM") {
          const ended = await victim.ended
          exitMs = ended.at - at
          expect(ended.code, `${what}: exit code\n${await dump()}`).toBe(143)
          const closed = (await periods(pg)).find((p) => p.epoch === owner.epoch)!
          expect(closed.final, `${what}: the finalizer wrote its row\n${await dump()}`).toBe(true)
          finalizerMs = closed.lastSeen - at
        } else {
          await victim.ended
        }
        handovers.push({ signal, from: victim.name, to: next.runner, handoverMs: next.start - at, finalizerMs, exitMs })
        // Back to three runners. The newcomer may take the singleton over
        // (shards are rebalanced when a runner joins): one more handover,
        // checked for overlap like the others.
        const replacement = await launch(`r${4 + i}`)
        await replacement.waitFor(/^READY$/, READY_MS)
        // Let the shard assignments settle before picking the next owner.
        await sleep(3 * REFRESH_MS)
      }

      // Everyone stops at once.
      const live = runners.filter(alive)
      expect(live.length).toBe(3)
      const stopAt = Date.now()
      for (const runner of live) runner.kill("SIGTERM")
      const endings = await Promise.all(live.map((runner) => runner.ended))
      const stopMs = Math.max(...endings.map((e) => e.at)) - stopAt
      expect(endings.map((e) => e.code), `exit codes after SIGTERM\n${await dump()}`).toEqual([143, 143, 143])

      // Nothing runs any more: no new rows, every period closed.
      const rows = await rowCount(pg)
      await sleep(2 * REFRESH_MS + 1_000)
      expect(await rowCount(pg), `rows written after every runner had exited\n${await dump()}`).toBe(rows)
      const all = await periods(pg)
      const endOf = (p: Period): number => {
        if (p.final) return p.lastSeen
        const killedAt = byName.get(p.runner)!.killedAt
        if (killedAt === undefined) throw new Error(`period ${p.epoch} was never closed\n${JSON.stringify(all)}`)
        return killedAt
      }
      for (const p of all) endOf(p)

      // One owner at a time: each period starts after every earlier one ended.
      let latest: Period | undefined
      for (const p of all) {
        if (latest !== undefined) {
          expect(
            p.start,
            `overlap: ${p.epoch} started at ${p.start}, ${latest.epoch} ran until ${endOf(latest)}\n${await dump()}`
          ).toBeGreaterThanOrEqual(endOf(latest))
        }
        if (latest === undefined || endOf(p) > endOf(latest)) latest = p
      }
      const gaps = all.slice(1).map((p, i) => p.start - endOf(all[i]!))

      const summary = (signal: Handover["signal"]) => {
        const times = handovers.filter((h) => h.signal === signal).map((h) => h.handoverMs)
        return `${signal} n=${times.length} min ${Math.min(...times)} median ${percentile(times, 50)} ` +
          `p90 ${percentile(times, 90)} max ${Math.max(...times)} ms`
      }
      const finalizers = handovers.flatMap((h) => h.finalizerMs === undefined ? [] : [h.finalizerMs])
      const exits = handovers.flatMap((h) => h.exitMs === undefined ? [] : [h.exitMs])

      console.log(
        [
          `cluster failover: ${runners.length} runners started (first three ready in ${startup} ms), ` +
          `${all.length} ownership periods, ${handovers.length} failovers`,
          `  takeover after ${summary("SIGTERM")}`,
          `  takeover after ${summary("SIGKILL")}`,
          `  SIGTERM to final row: ${finalizers.join(", ")} ms; to exit 143: ${exits.join(", ")} ms`,
          `  gaps between periods (end to next start): min ${Math.min(...gaps)} median ${percentile(gaps, 50)} max ${
            Math.max(...gaps)
          } ms`,
          `  all three stopped (SIGTERM) in ${stopMs} ms`,
          `  handovers: ${handovers.map((h) => `${h.signal} ${h.from}->${h.to} ${h.handoverMs}`).join("; ")}`
        ].join("\n")
      )
    },
    360_000
  )

  it(
    "examples/cluster-maintenance.ts as 3 replicas on a database of their own: one maintenance owner at a time, each ends by itself",
    async () => {
      await query(pg, "CREATE DATABASE example")
      const url = pg.url.replace(/\/postgres$/, "/example")
      const replicas = await Promise.all(
        ["6 seconds", "9 seconds", "12 seconds"].map(async (runFor) =>
          startExample({ DATABASE_URL: url, RUNNER_PORT: String(await freePort()), RUN_FOR: runFor })
        )
      )
      const endings = await Promise.all(replicas.map((r) => r.ended))
      const describeAll = () =>
        replicas.map((r) => `${r.name}:\n${r.lines.map((l) => l.text).join("\n")}\n${r.stderr()}`).join("\n")
      expect(endings.map((e) => e.code), describeAll()).toEqual([0, 0, 0])
      for (const r of replicas) {
        expect(r.lines.some((l) => /replica up$/.test(l.text)), describeAll()).toBe(true)
      }
      // The maintenance runs of all replicas, in arrival order, grouped by
      // replica: with one owner at a time they form a few long stretches (one
      // per ownership), not an interleaving.
      const runs = replicas.flatMap((r) =>
        r.lines.filter((l) => /maintenance run #/.test(l.text)).map((l) => ({ replica: r.name, at: l.at }))
      ).sort((a, b) => a.at - b.at)
      const stretches = runs.filter((run, i) => i === 0 || runs[i - 1]!.replica !== run.replica).length
      expect(runs.length, describeAll()).toBeGreaterThanOrEqual(5)
      expect(stretches, describeAll()).toBeLessThanOrEqual(6)
    },
    120_000
  )
})
