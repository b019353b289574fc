/**
 * Runs N replicas of an example as a local cluster, in one terminal:
 * each on its own port (34431, 34432, …), its lines prefixed with its port,
 * and Ctrl-C (or SIGTERM) forwarded to every one of them — the shell's `&`
 * would leave them running. Ends when all have ended, with the first
 * non-zero exit code (130 after Ctrl-C).
 *
 *   npm run db                      # a local PostgreSQL; prints DATABASE_URL
 *   export DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres
 *   node --import tsx scripts/runners.ts 3 examples/cluster-maintenance.ts
 *
 * Each replica gets RUNNER_PORT (and the rest of this environment); a
 * replica is `node --import tsx FILE`, so signals reach it directly.
 * Ctrl-C once: every replica shuts down (its singletons' finalizers run, the
 * singletons move to those still running); Ctrl-C again: forwarded again
 * (the replicas' own second-signal rule applies).
 */
import { spawn } from "node:child_process"
import { createInterface } from "node:readline"

const [count = "3", file = "examples/cluster-maintenance.ts"] = process.argv.slice(2)
const n = Number(count)
if (!Number.isInteger(n) || n < 1 || n > 20) {
  console.error(`scripts/runners.ts: expected a number of replicas from 1 to 20 (got ${count})`)
  process.exit(2)
}
if (process.env.DATABASE_URL === undefined) {
  console.error(
    "scripts/runners.ts: DATABASE_URL is not set: each replica would run every singleton (`npm run db` first)"
  )
}

const children = Array.from({ length: n }, (_, i) => {
  const port = 34431 + i
  const child = spawn(process.execPath, ["--import", "tsx", file], {
    env: { ...process.env, RUNNER_PORT: String(port) },
    stdio: ["ignore", "pipe", "pipe"]
  })
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on("line", (line) => console.log(`${port} | ${line}`))
  }
  return {
    port,
    child,
    ended: new Promise<number>((resolve) => child.on("close", (code, signal) => resolve(code ?? (signal ? 128 : 1))))
  }
})

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    console.log(`-- ${signal}: forwarding to ${children.filter((c) => c.child.exitCode === null).length} replicas`)
    for (const { child } of children) if (child.exitCode === null) child.kill(signal)
  })
}

const codes = await Promise.all(children.map(async ({ ended, port }) => {
  const code = await ended
  console.log(`-- replica ${port} exited with ${code}`)
  return code
}))
process.exit(codes.find((code) => code !== 0) ?? 0)
