/**
 * `npm run db`: a local PostgreSQL for the cluster examples, in one command.
 *
 *   npm run db              # start it (or find it running); prints DATABASE_URL
 *   npm run db -- stop      # stop it (the data stays in .db/)
 *   npm run db -- status    # is it running, and where
 *   npm run db -- reset     # stop it and delete its data
 *
 * The machine's PostgreSQL server binaries (found as the cluster tests find
 * them: $POSTGRES_BIN, /usr/lib/postgresql/15/bin, `pg_config --bindir`;
 * scripts/postgres.sh installs them), a data folder in `.db/postgres` (git-ignored),
 * listening on 127.0.0.1 only, port $PGPORT or 5432 (or a free one if 5432 is taken),
 * trust authentication (no password: for development on this machine only).
 * The server refuses to run as root: as root it runs as the unprivileged
 * `postgres` (or `nobody`) user. It keeps running after this command ends,
 * until `npm run db -- stop`.
 */
import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as net from "node:net"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { asUser, findBinaries, freePort, serverUser } from "../test/cluster/postgres.js"

const repo = fileURLToPath(new URL("..", import.meta.url))
const home = path.join(repo, ".db")
const data = path.join(home, "postgres")
const portFile = path.join(home, "port")
const logFile = path.join(home, "postgres.log")
const username = "postgres"

const fail = (message: string): never => {
  console.error(`npm run db: ${message}`)
  process.exit(1)
}

const binaries = findBinaries()
if ("missing" in binaries) fail(binaries.missing)
const bin = (binaries as { bin: string }).bin
const user = serverUser()

/** Runs a server binary as the server's user; its output, or the failure with its stderr. */
const run = (binary: string, args: ReadonlyArray<string>): string => {
  const [command, argv] = asUser(user, path.join(bin, binary), args)
  try {
    return execFileSync(command, argv, { cwd: home, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] })
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? ""
    const stdout = (error as { stdout?: string }).stdout ?? ""
    throw new Error(`${binary} ${args.join(" ")} failed:\n${stdout}${stderr}`)
  }
}

const isRunning = (): boolean => {
  if (!fs.existsSync(path.join(data, "PG_VERSION"))) return false
  try {
    run("pg_ctl", ["status", "-D", data])
    return true
  } catch {
    return false
  }
}

const portIsFree = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const server = net.createServer()
    server.once("error", () => resolve(false))
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)))
  })

const choosePort = async (): Promise<number> => {
  if (process.env.PGPORT !== undefined) return Number(process.env.PGPORT)
  return (await portIsFree(5432)) ? 5432 : freePort()
}

const url = (port: number) => `postgres://${username}@127.0.0.1:${port}/postgres`

const printUrl = (port: number, what: string) => {
  console.log(`${what}: PostgreSQL on 127.0.0.1:${port} (data in .db/postgres, log in .db/postgres.log)`)
  console.log(`\nexport DATABASE_URL=${url(port)}\n`)
  console.log("Stop it with: npm run db -- stop")
}

const start = async () => {
  fs.mkdirSync(home, { recursive: true })
  if (isRunning()) return printUrl(Number(fs.readFileSync(portFile, "utf8")), "already running")
  if (user !== undefined) execFileSync("chown", ["-R", user, home])
  if (!fs.existsSync(path.join(data, "PG_VERSION"))) {
    console.log(`initdb: a new database cluster in .db/postgres (server binaries: ${bin})`)
    run("initdb", ["-D", data, "-U", username, "--auth=trust", "--encoding=UTF8", "--locale=C"])
  }
  const port = await choosePort()
  fs.writeFileSync(portFile, String(port))
  // -w: wait until it accepts connections; -k: its Unix socket in .db, not /var/run.
  run("pg_ctl", ["start", "-w", "-t", "60", "-D", data, "-l", logFile, "-o", `-h 127.0.0.1 -p ${port} -k ${home}`])
  printUrl(port, "started")
}

const stop = () => {
  if (!isRunning()) return console.log("not running")
  run("pg_ctl", ["stop", "-w", "-D", data, "-m", "fast"])
  console.log("stopped (the data stays in .db/postgres; `npm run db -- reset` deletes it)")
}

const command = process.argv[2] ?? "start"
try {
  switch (command) {
    case "start":
      await start()
      break
    case "stop":
      stop()
      break
    case "status":
      if (isRunning()) printUrl(Number(fs.readFileSync(portFile, "utf8")), "running")
      else console.log("not running (start it with: npm run db)")
      break
    case "reset":
      stop()
      fs.rmSync(home, { recursive: true, force: true })
      console.log("deleted .db/")
      break
    default:
      fail(`unknown command ${command} (expected start, stop, status or reset)`)
  }
} catch (error) {
  fail(error instanceof Error ? error.message : String(error))
}
