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
 * which would relay signals to a child of its own).
 */
export const startRunner = async (
  pg: Postgres,
  name: string,
  env: Record<string, string> = {}
): Promise<Runner> => {
  const port = await freePort()
  return startProcess("test/cluster/fixtures/runner.ts", name, port, {
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
