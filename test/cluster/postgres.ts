/**
 * A throwaway PostgreSQL server for the cluster tests: `initdb` in a temporary
 * directory, `postgres` on a free 127.0.0.1 port, removed on `stop`.
 *
 * The server binaries refuse to run as root: as root they run as the
 * unprivileged `postgres` user (or `nobody`) through `runuser`; as any other
 * user, directly. Where the binaries are missing, `findBinaries` says why and
 * the tests skip (scripts/postgres.sh installs them) — or fail, where
 * `EFFECT_THREADING_REQUIRE_POSTGRES=1` (CI) requires them: `binariesForTests`.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process"
import * as fs from "node:fs"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"

export interface Postgres {
  readonly host: string
  readonly port: number
  readonly username: string
  readonly database: string
  readonly url: string
  /** Stops the server and removes its data directory. */
  readonly stop: () => Promise<void>
}

/** Where `initdb` and `postgres` are, or why they are not available. */
export const findBinaries = (): { readonly bin: string } | { readonly missing: string } => {
  const candidates = [process.env.POSTGRES_BIN, "/usr/lib/postgresql/15/bin"]
  try {
    candidates.push(execFileSync("pg_config", ["--bindir"], { encoding: "utf8" }).trim())
  } catch {
    // no pg_config on PATH
  }
  for (const bin of candidates) {
    if (bin && fs.existsSync(path.join(bin, "initdb")) && fs.existsSync(path.join(bin, "postgres"))) {
      return { bin }
    }
  }
  return {
    missing: "PostgreSQL server binaries (initdb, postgres) not found in $POSTGRES_BIN, " +
      "/usr/lib/postgresql/15/bin or `pg_config --bindir`; run scripts/postgres.sh to install them"
  }
}

/**
 * The environment variable that makes missing binaries a failure instead of
 * a skip: `.ci/run` sets it to `1` for the Effect 4 edition, whose CI
 * installs them (scripts/postgres.sh), so that CI can never pass with the
 * Postgres tests silently skipped.
 */
export const requireVariable = "EFFECT_THREADING_REQUIRE_POSTGRES"

/**
 * What a Postgres test does on this machine: run with the binaries in `bin`,
 * skip (`skip`, the reason), or — the binaries missing where
 * `EFFECT_THREADING_REQUIRE_POSTGRES=1` requires them — fail (`fail`, the
 * message its `beforeAll` throws).
 */
export const binariesForTests = (
  env: Readonly<Record<string, string | undefined>> = process.env
): { readonly bin: string } | { readonly skip: string } | { readonly fail: string } => {
  const found = findBinaries()
  if ("bin" in found) return found
  return env[requireVariable] === "1"
    ? { fail: `${found.missing} (${requireVariable}=1: the Postgres tests must run here, not skip)` }
    : { skip: found.missing }
}

/** A free TCP port on 127.0.0.1 (the OS picks one; the listener is closed at once). */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = net.createServer()
    server.unref()
    server.on("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as net.AddressInfo).port
      server.close(() => resolve(port))
    })
  })

/** The unprivileged user to run the server as, when we are root. */
export const serverUser = (): string | undefined => {
  if (process.getuid?.() !== 0) return undefined
  for (const user of ["postgres", "nobody"]) {
    try {
      execFileSync("id", ["-u", user], { stdio: "ignore" })
      return user
    } catch {
      // no such user
    }
  }
  throw new Error("running as root and neither the postgres nor the nobody user exists")
}

/**
 * The command line that runs `command` as `user`. `setpriv` execs the command
 * itself, so the child we hold is the server (signals reach it directly);
 * `runuser` (a parent that waits) is the fallback.
 */
export const asUser = (
  user: string | undefined,
  command: string,
  args: ReadonlyArray<string>
): readonly [string, Array<string>] => {
  if (user === undefined) return [command, [...args]]
  try {
    const gid = execFileSync("id", ["-g", user], { encoding: "utf8" }).trim()
    execFileSync("setpriv", ["--version"], { stdio: "ignore" })
    return ["setpriv", [`--reuid=${user}`, `--regid=${gid}`, "--init-groups", "--", command, ...args]]
  } catch {
    return ["runuser", ["-u", user, "--", command, ...args]]
  }
}

const waitReady = (port: number, child: ChildProcess, log: () => string, timeoutMs: number): Promise<void> =>
  new Promise((resolve, reject) => {
    const deadline = Date.now() + timeoutMs
    const attempt = () => {
      if (child.exitCode !== null) {
        return reject(new Error(`postgres exited with code ${child.exitCode}:\n${log()}`))
      }
      const socket = net.connect(port, "127.0.0.1")
      socket.once("connect", () => {
        socket.destroy()
        // Accepting TCP is not yet accepting sessions: wait for the log line.
        if (/database system is ready to accept connections/.test(log())) resolve()
        else retry()
      })
      socket.once("error", () => {
        socket.destroy()
        retry()
      })
    }
    const retry = () => {
      if (Date.now() > deadline) {
        reject(new Error(`postgres did not accept connections on 127.0.0.1:${port} in ${timeoutMs} ms:\n${log()}`))
      } else {
        setTimeout(attempt, 100)
      }
    }
    attempt()
  })

/**
 * Starts a fresh server. Fast and unsafe settings (no fsync): the data is
 * thrown away.
 */
export const start = async (bin: string): Promise<Postgres> => {
  const user = serverUser()
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "effect-threading-pg-"))
  const data = path.join(dir, "data")
  if (user !== undefined) {
    execFileSync("chown", ["-R", user, dir])
  }
  const username = "postgres"
  const [initCmd, initArgs] = asUser(user, path.join(bin, "initdb"), [
    "-D",
    data,
    "-U",
    username,
    "--auth=trust",
    "--no-sync",
    "--encoding=UTF8",
    "--locale=C"
  ])
  try {
    execFileSync(initCmd, initArgs, { stdio: "pipe", cwd: dir })
  } catch (error) {
    fs.rmSync(dir, { recursive: true, force: true })
    const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? ""
    throw new Error(`initdb failed: ${String(error)}\n${stderr}`)
  }
  const port = await freePort()
  const [cmd, args] = asUser(user, path.join(bin, "postgres"), [
    "-D",
    data,
    "-h",
    "127.0.0.1",
    "-p",
    String(port),
    "-k",
    dir,
    "-c",
    "fsync=off",
    "-c",
    "synchronous_commit=off",
    "-c",
    "full_page_writes=off",
    "-c",
    "max_connections=200"
  ])
  const child = spawn(cmd, args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"] })
  let output = ""
  child.stdout!.on("data", (chunk) => (output += chunk))
  child.stderr!.on("data", (chunk) => (output += chunk))
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()))
      // SIGINT: postgres' "fast shutdown" (ends sessions, no wait for clients).
      child.kill("SIGINT")
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000)
      await exited
      clearTimeout(timer)
    }
    fs.rmSync(dir, { recursive: true, force: true })
  }
  try {
    await waitReady(port, child, () => output, 30_000)
  } catch (error) {
    await stop()
    throw error
  }
  const database = "postgres"
  return {
    host: "127.0.0.1",
    port,
    username,
    database,
    url: `postgres://${username}@127.0.0.1:${port}/${database}`,
    stop
  }
}
