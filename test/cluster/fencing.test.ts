/**
 * Fencing on a real cluster (issue 22): runner processes of
 * test/cluster/fixtures/ledger.ts on a throwaway PostgreSQL (127.0.0.1),
 * whose singleton `ledger` writes a row with its fencing token every 100 ms,
 * the write guarded by `ThreadingCluster.fenced`.
 *
 * - tokens strictly increase from owner to owner (SIGTERM, SIGKILL), and
 *   `ThreadingCluster.owners`, read on any runner, names the owner, its token
 *   and its status;
 * - an owner frozen past the lock expiration (SIGSTOP 10 s > 6 s, then
 *   SIGCONT) is stopped before its next step — the stop logged — and none of
 *   its writes is accepted once it wakes, both for a scheduled singleton
 *   (checked before each run) and for a loop of its own that never checks
 *   (stopped by the lease watchdog or refused by the fence).
 *
 * Cluster settings (the fixture's): refreshAssignmentsInterval 1 s,
 * shardLockRefreshInterval 2 s, shardLockExpiration 6 s. Skips, with the
 * reason, where the PostgreSQL server binaries are missing; fails instead where
 * `EFFECT_THREADING_REQUIRE_POSTGRES=1` (CI).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { audit, createLedger, killAll, poll, query, type Runner, startRunner, type Write, writes } from "./harness.js"
import { binariesForTests, type Postgres, start } from "./postgres.js"

const binaries = binariesForTests()
const skip = "skip" in binaries ? binaries.skip : undefined
if (skip !== undefined) console.warn(`test/cluster/fencing.test.ts skipped: ${skip}`)

const READY_MS = 90_000
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe.skipIf(skip !== undefined)("fencing tokens and stale owners on a PostgreSQL cluster", () => {
  let pg: Postgres
  let runners: Array<Runner> = []

  beforeAll(async () => {
    if ("fail" in binaries) throw new Error(binaries.fail)
    pg = await start((binaries as { bin: string }).bin)
    await createLedger(pg)
  }, 60_000)
  afterEach(async () => {
    killAll()
    await Promise.all(runners.map((r) => r.ended))
    runners = []
    await query(pg, "TRUNCATE ledger")
  }, 30_000)
  afterAll(async () => {
    killAll()
    await pg?.stop()
  }, 30_000)

  const launch = async (name: string, env: Record<string, string> = {}) => {
    const runner = await startRunner(pg, name, env, "test/cluster/fixtures/ledger.ts")
    runners.push(runner)
    await runner.waitFor(/^READY$/, READY_MS)
    return runner
  }
  const byName = (name: string) => runners.find((r) => r.name === name)!
  const describeAll = async () =>
    `writes: ${JSON.stringify((await writes(pg)).slice(-20))}\n` +
    runners.map((r) =>
      `--- ${r.name}:\n${
        r.lines.filter((l) => !/^(ATTEMPT|WROTE|OWNERS)/.test(l.text)).map((l) => l.text).join("\n")
      }\n${r.stderr().slice(-2000)}`
    ).join("\n")

  /** The runner whose writes alone were accepted in the last second, and its token. */
  const owner = () =>
    poll(
      async () => {
        const recent = (await writes(pg)).filter((w) => w.at > Date.now() - 1_000)
        const tokens = new Set(recent.map((w) => w.token))
        return recent.length >= 5 && tokens.size === 1
          ? { runner: byName(recent[0]!.runner), token: recent[0]!.token }
          : undefined
      },
      60_000,
      async () => `no steady owner\n${await describeAll()}`
    )

  /** The first accepted write with a token newer than `token`. */
  const next = (token: number) =>
    poll(
      async () => (await writes(pg)).find((w) => w.token > token),
      60_000,
      async () => `no write with a token newer than ${token}\n${await describeAll()}`
    )

  /** The latest `OWNERS` line `runner` printed after `since`, parsed. */
  const ownersSeenBy = (runner: Runner, since: number) =>
    poll(
      async () => {
        const line = runner.lines.filter((l) => l.at > since && l.text.startsWith("OWNERS [")).at(-1)
        return line === undefined ? undefined : JSON.parse(line.text.slice("OWNERS ".length)) as Array<unknown>
      },
      10_000,
      async () => `${runner.name} printed no OWNERS line\n${await describeAll()}`
    )

  it("tokens strictly increase from owner to owner; owners, read on any runner, names the owner", async () => {
    await Promise.all(["a1", "a2"].map((name) => launch(name, { OWNERS: "1" })))
    const first = await owner()
    const other = runners.find((r) => r !== first.runner)!
    expect(await ownersSeenBy(other, Date.now()), await describeAll()).toEqual([{
      name: "ledger",
      shardGroup: "default",
      runner: `127.0.0.1:${first.runner.port}`,
      since: expect.any(String),
      fencingToken: String(first.token),
      status: "running"
    }])

    first.runner.kill("SIGTERM")
    const second = await next(first.token)
    expect(second.runner).toBe(other.name)
    await first.runner.ended
    await launch("a3", { OWNERS: "1" })
    const steady = await owner()
    steady.runner.kill("SIGKILL")
    const third = await next(steady.token)
    expect(third.runner).not.toBe(steady.runner.name)
    const seenBy = byName(third.runner)
    expect(await ownersSeenBy(seenBy, Date.now()), await describeAll()).toMatchObject([{
      name: "ledger",
      runner: `127.0.0.1:${seenBy.port}`,
      fencingToken: String(third.token),
      status: "running"
    }])

    const result = audit(await writes(pg))
    expect(result.stale, await describeAll()).toEqual([])
    expect(result.overlaps, await describeAll()).toEqual([])
    // Each period's token is greater than every earlier one: strictly increasing in the order of the writes.
    const tokens = result.tenures.map((t) => t.token)
    expect(tokens.length).toBeGreaterThanOrEqual(3)
    expect([...tokens].sort((a, b) => a - b)).toEqual(tokens)
    expect(new Set(tokens).size).toBe(tokens.length)
  }, 240_000)

  /** SIGSTOP the owner for 10 s, SIGCONT, wait 5 s: what it tried and what was accepted after it woke. */
  const freezeOwner = async () => {
    const frozen = await owner()
    frozen.runner.kill("SIGSTOP")
    await sleep(10_000)
    const wokeAt = frozen.runner.kill("SIGCONT")
    const successor = await next(frozen.token)
    await sleep(5_000)
    const all = await writes(pg)
    const accepted = all.filter((w: Write) =>
      w.runner === frozen.runner.name && w.token === frozen.token && w.at >= wokeAt
    )
    const attempts = frozen.runner.lines.filter((l) => {
      const m = /^ATTEMPT (\d+) (\d+)$/.exec(l.text)
      return m !== null && Number(m[1]) === frozen.token && Number(m[2]) >= wokeAt
    })
    const stopLine = frozen.runner.lines.find((l) => l.at >= wokeAt && /stopped here before its next step/.test(l.text))
    return { frozen, successor, accepted, attempts, stopLine, all }
  }

  it("a scheduled singleton whose owner was frozen past its lease is stopped before its next step", async () => {
    await Promise.all(["b1", "b2"].map((name) => launch(name)))
    const { accepted, attempts, frozen, stopLine, successor } = await freezeOwner()
    const context = await describeAll()
    expect(successor.runner, context).not.toBe(frozen.runner.name)
    expect(stopLine?.text, context).toMatch(/this runner's lease on its shard lapsed \(last confirmed \d+s/)
    expect(attempts, context).toEqual([])
    expect(accepted, context).toEqual([])
    expect(audit(await writes(pg)).stale, context).toEqual([])
  }, 240_000)

  it(
    "a loop of its own that never checks: stopped by the watchdog or refused by the fence, nothing stale accepted",
    async () => {
      await Promise.all(["c1", "c2"].map((name) => launch(name, { STYLE: "loop" })))
      const { accepted, frozen, stopLine, successor } = await freezeOwner()
      const context = await describeAll()
      expect(successor.runner, context).not.toBe(frozen.runner.name)
      expect(stopLine?.text, context).toMatch(
        /stopped here before its next step: (this runner's lease|a guarded write was refused)/
      )
      expect(accepted, context).toEqual([])
      expect(audit(await writes(pg)).stale, context).toEqual([])
    },
    240_000
  )
})
