/**
 * The cluster tests' harness: runner processes (test/cluster/fixtures/runner.ts)
 * against one throwaway PostgreSQL, and queries on its `heartbeats` table.
 *
 * Times are `Date.now()` milliseconds: the runners write their rows with
 * the same clock (one machine).
 */
import { PgClient } from "@effect/sql-pg"
import { Effect, Redacted } from "effect"
import { SqlClient } from "effect/sql/SqlClient"
import { type ChildProcess, spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { freePort, type Postgres } from "./postgres.js"

/** The repository root: tsx finds tsconfig.json (and its `paths`) from here. */
export const repo = fileURLToPath(new URL("../..", import.meta.url))

/** Runs one SQL statement on `pg` with a short-lived connection. */
export const query = <A extends object = Record<string, unknown>>(
  pg: Postgres,
  statement: string
): Promise<ReadonlyArray<A>> =>
  Effect.runPromise(
    Effect.gen(function*() {
      const sql = yield* SqlClient
      return yield* sql.unsafe<A>(statement)
    }).pipe(
      Effect.provide(PgClient.layer({ url: Redacted.make(pg.url), maxConnections: 1 }))
    )
  )

export const createTable = (pg: Postgres) =>
  query(
    pg,
    `CREATE TABLE IF NOT EXISTS heartbeats (
       id bigserial PRIMARY KEY,
       runner text NOT NULL,
       epoch text NOT NULL,
       kind text NOT NULL,
       start_ms bigint NOT NULL,
       end_ms bigint NOT NULL
     )`
  )

/** One ownership period of the singleton, as its rows tell. */
export interface Period {
  readonly runner: string
  readonly epoch: string
  readonly start: number
  /** The latest `end_ms` of its rows: its final row's, or its last beat's. */
  readonly lastSeen: number
  /** Whether its finalizer wrote its `final` row. */
  readonly final: boolean
  /** The first row's id: the order in which periods began. */
  readonly firstId: number
}

export const periods = async (pg: Postgres): Promise<ReadonlyArray<Period>> => {
  const rows = await query<{
    runner: string
    epoch: string
    start: string
    last_seen: string
    final: boolean
    first_id: string
  }>(
    pg,
    `SELECT runner, epoch, min(start_ms) AS start, max(end_ms) AS last_seen,
            bool_or(kind = 'final') AS final, min(id) AS first_id
       FROM heartbeats GROUP BY runner, epoch ORDER BY min(start_ms), min(id)`
  )
  return rows.map((row) => ({
    runner: row.runner,
    epoch: row.epoch,
    start: Number(row.start),
    lastSeen: Number(row.last_seen),
    final: row.final,
    firstId: Number(row.first_id)
  }))
}

export const rowCount = async (pg: Postgres): Promise<number> =>
  Number((await query<{ n: string }>(pg, "SELECT count(*) AS n FROM heartbeats"))[0]!.n)

/** A runner process and what it printed. */
export interface Runner {
  readonly name: string
  readonly port: number
  readonly child: ChildProcess
  readonly lines: Array<{ readonly text: string; readonly at: number }>
  readonly stderr: () => string
  /** Resolves with the time the first stdout line matching `pattern` arrived. */
  readonly waitFor: (pattern: RegExp, timeoutMs: number) => Promise<number>
  /** How it ended: exit code (or null) and signal, and when (Date.now()). */
  readonly ended: Promise<{ readonly code: number | null; readonly signal: NodeJS.Signals | null; readonly at: number }>
  /** Sends a signal; returns when (Date.now()). */
  readonly kill: (signal: NodeJS.Signals) => number
  /** When it was sent SIGKILL, if it was. */
  killedAt: number | undefined
}

const live = new Set<ChildProcess>()

/** SIGKILLs every runner still running: for `afterAll`, so that a failed test leaves nothing behind. */
export const killAll = (): void => {
  for (const child of live) child.kill("SIGKILL")
  live.clear()
}

/**
 * Starts a runner on a free port: `node --import tsx` (not the tsx binary,
 * which would relay signals to a child of its own), by default the
 * `heartbeat` fixture (test/cluster/fixtures/runner.ts).
 */
export const startRunner = async (
  pg: Postgres,
  name: string,
  env: Record<string, string> = {},
  script = "test/cluster/fixtures/runner.ts"
): Promise<Runner> => {
  const port = await freePort()
  return startProcess(script, name, port, {
    ...env,
    PG_URL: pg.url,
    RUNNER_NAME: name,
    RUNNER_PORT: String(port)
  })
}

/** Starts examples/cluster-maintenance.ts with `env` (DATABASE_URL, RUNNER_PORT, RUN_FOR). */
export const startExample = (env: Record<string, string>): Runner =>
  startProcess(
    "examples/cluster-maintenance.ts",
    `example${env.RUNNER_PORT === undefined ? "" : `:${env.RUNNER_PORT}`}`,
    Number(env.RUNNER_PORT ?? 0),
    env
  )

/** Starts `node --import tsx script` with `env` over this process's (an empty value unsets a variable). */
const startProcess = (script: string, name: string, port: number, env: Record<string, string>): Runner => {
  const merged: Record<string, string | undefined> = { ...process.env, ...env }
  for (const [key, value] of Object.entries(env)) if (value === "") delete merged[key]
  const child = spawn(process.execPath, ["--import", "tsx", script], {
    cwd: repo,
    stdio: ["ignore", "pipe", "pipe"],
    env: merged
  })
  live.add(child)
  const lines: Array<{ text: string; at: number }> = []
  let stderr = ""
  const waiters = new Set<{ pattern: RegExp; resolve: (at: number) => void }>()
  let partial = ""
  child.stdout!.on("data", (chunk: Buffer) => {
    const at = Date.now()
    const parts = (partial + chunk.toString("utf8")).split("\n")
    partial = parts.pop()!
    for (const text of parts) {
      lines.push({ text, at })
      for (const waiter of waiters) {
        if (waiter.pattern.test(text)) {
          waiters.delete(waiter)
          waiter.resolve(at)
        }
      }
    }
  })
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")))
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) => {
    child.on("close", (code, signal) => {
      live.delete(child)
      resolve({ code, signal, at: Date.now() })
    })
  })
  const describe = () =>
    `runner ${name} (port ${port}) stdout:\n${lines.map((l) => l.text).join("\n")}\nstderr:\n${stderr}`
  const waitFor = (pattern: RegExp, timeoutMs: number) => {
    const seen = lines.find((line) => pattern.test(line.text))
    if (seen !== undefined) return Promise.resolve(seen.at)
    return new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.delete(waiter)
        reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms from ${describe()}`))
      }, timeoutMs)
      const waiter = {
        pattern,
        resolve: (at: number) => {
          clearTimeout(timer)
          resolve(at)
        }
      }
      waiters.add(waiter)
      ended.then(() => {
        if (waiters.delete(waiter)) {
          clearTimeout(timer)
          reject(new Error(`process ended without a line matching ${pattern}: ${describe()}`))
        }
      })
    })
  }
  const runner: Runner = {
    name,
    port,
    child,
    lines,
    stderr: () => stderr,
    waitFor,
    ended,
    kill: (signal) => {
      const at = Date.now()
      if (signal === "SIGKILL") runner.killedAt = at
      child.kill(signal)
      return at
    },
    killedAt: undefined
  }
  return runner
}

/** Polls `f` every `everyMs` until it returns a value, or fails after `timeoutMs` with `why()`. */
export const poll = async <A>(
  f: () => Promise<A | undefined>,
  timeoutMs: number,
  why: () => string | Promise<string>,
  everyMs = 100
): Promise<A> => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await f()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(await why())
    await new Promise((resolve) => setTimeout(resolve, everyMs))
  }
}

/** Percentile (nearest rank) of `values`. */
export const percentile = (values: ReadonlyArray<number>, p: number): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!
}

// -----------------------------------------------------------------------------
// The ledger: fenced writes (test/cluster/fixtures/ledger.ts)
// -----------------------------------------------------------------------------

export const createLedger = (pg: Postgres) =>
  query(
    pg,
    `CREATE TABLE IF NOT EXISTS ledger (
       id bigserial PRIMARY KEY,
       runner text NOT NULL,
       token bigint NOT NULL,
       at_ms bigint NOT NULL
     )`
  )

/** A write the database accepted: who, with which token, when (the database's clock, at the insert). */
export interface Write {
  readonly id: number
  readonly runner: string
  readonly token: number
  readonly at: number
}

/** Every accepted write, in the order the database accepted them. */
export const writes = async (pg: Postgres): Promise<ReadonlyArray<Write>> =>
  (await query<{ id: string; runner: string; token: string; at_ms: string }>(
    pg,
    "SELECT id, runner, token, at_ms FROM ledger ORDER BY id"
  )).map((row) => ({ id: Number(row.id), runner: row.runner, token: Number(row.token), at: Number(row.at_ms) }))

/** One ownership period as the accepted writes show it: a token's first and last write. */
export interface Tenure {
  readonly token: number
  readonly runner: string
  readonly first: number
  readonly last: number
  readonly count: number
}

/**
 * What the accepted writes say about fencing:
 * - `stale`: writes accepted with a token older than one already accepted
 *   before them (a runner that had lost the singleton wrote anyway);
 * - `overlaps`: pairs of consecutive tenures (by token) of different runners
 *   whose write intervals intersect (two runners writing in the same interval);
 * - `tenures`: the periods, by token.
 */
export const audit = (all: ReadonlyArray<Write>): {
  readonly stale: ReadonlyArray<Write>
  readonly overlaps: ReadonlyArray<readonly [Tenure, Tenure]>
  readonly tenures: ReadonlyArray<Tenure>
} => {
  const stale: Array<Write> = []
  let newest = -Infinity
  const byToken = new Map<number, Tenure>()
  for (const write of all) {
    if (write.token < newest) stale.push(write)
    newest = Math.max(newest, write.token)
    const tenure = byToken.get(write.token)
    byToken.set(
      write.token,
      tenure === undefined
        ? { token: write.token, runner: write.runner, first: write.at, last: write.at, count: 1 }
        : {
          ...tenure,
          first: Math.min(tenure.first, write.at),
          last: Math.max(tenure.last, write.at),
          count: tenure.count + 1
        }
    )
  }
  const tenures = [...byToken.values()].sort((a, b) => a.token - b.token)
  const overlaps: Array<readonly [Tenure, Tenure]> = []
  for (let i = 1; i < tenures.length; i++) {
    const [before, after] = [tenures[i - 1]!, tenures[i]!]
    if (before.runner !== after.runner && after.first <= before.last) overlaps.push([before, after])
  }
  return { stale, overlaps, tenures }
}
