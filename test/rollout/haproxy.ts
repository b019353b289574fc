/**
 * A real HAProxy for the rolling-deploy check (issue 21), started by the
 * harness on 127.0.0.1: installed by scripts/haproxy.sh when missing
 * (`apt-get install -y haproxy`), run in the foreground (`haproxy -f CFG
 * -db`) with a configuration of our own in a temporary directory, and
 * watched through its stats socket (`show stat`).
 *
 * The backend checks readiness as a Kubernetes readinessProbe would:
 * `option httpchk GET /ready`, every 200 ms, one failure takes a server out,
 * two successes put it back; a check may wait 2 s for its answer (`timeout
 * check`, as a probe's `timeoutSeconds`), so that a machine under load does
 * not take a live replica out. Everything else is HAProxy's defaults
 * (keep-alive on both sides, `retries 3` on a failed connection, no
 * redispatch): what a client of the app sees is what HAProxy makes of the
 * app's behaviour, not of a tuned configuration.
 */
import { execFile } from "node:child_process"
import * as fs from "node:fs"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { repo, type Running, start } from "../process/harness.js"

/** A server slot of the backend: its name in HAProxy and the port it points at. */
export interface Slot {
  readonly name: string
  readonly port: number
}

/** A running HAProxy. */
export interface HAProxy {
  /** The port of its frontend on 127.0.0.1. */
  readonly port: number
  readonly process: Running
  /** The status of each backend server (`UP`, `DOWN`, `MAINT`, `UP 1/2`...), by name. */
  readonly statuses: () => Promise<ReadonlyMap<string, string>>
  /** Resolves once `name`'s status is `status` (polling every 50 ms), failing after `timeoutMs`. */
  readonly waitFor: (name: string, status: "UP" | "DOWN", timeoutMs?: number) => Promise<void>
  /** Stops it and removes its directory. */
  readonly stop: () => Promise<void>
}

const exec = (command: string, args: ReadonlyArray<string>, timeout: number) =>
  new Promise<{ code: number | null; output: string }>((resolve) => {
    execFile(command, args, { cwd: repo, timeout }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : 1, output: stdout + stderr })
    })
  })

/**
 * The `haproxy` binary: installed by scripts/haproxy.sh if it is missing
 * (`$HAPROXY` names another one). Fails with the script's output if it
 * cannot be had.
 */
export const ensureHAProxy = async (): Promise<string> => {
  if (process.env.HAPROXY !== undefined) return process.env.HAPROXY
  const result = await exec("bash", [path.join(repo, "scripts", "haproxy.sh")], 300_000)
  if (result.code !== 0) throw new Error(`scripts/haproxy.sh failed (exit ${result.code}):\n${result.output}`)
  for (const candidate of [...(process.env.PATH ?? "").split(path.delimiter), "/usr/sbin"]) {
    const binary = path.join(candidate, "haproxy")
    if (candidate !== "" && fs.existsSync(binary)) return binary
  }
  throw new Error(`haproxy is not on the PATH nor in /usr/sbin after scripts/haproxy.sh:\n${result.output}`)
}

/** A free TCP port on 127.0.0.1 (bound, then released). */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = net.createServer()
    server.on("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })

/** Sends one command to the stats socket and returns its whole answer. */
const command = (socket: string, line: string): Promise<string> =>
  new Promise((resolve, reject) => {
    let answer = ""
    const client = net.connect(socket, () => client.end(`${line}\n`))
    client.setEncoding("utf8")
    client.on("data", (chunk: string) => (answer += chunk))
    client.on("end", () => resolve(answer))
    client.on("error", reject)
  })

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** The configuration: one frontend, one backend of `slots`, checked on `/ready`. */
const config = (port: number, socket: string, slots: ReadonlyArray<Slot>): string =>
  [
    "global",
    `  stats socket ${socket} mode 600 level admin`,
    "  maxconn 2000",
    "defaults",
    "  mode http",
    "  timeout connect 2s",
    "  timeout client 30s",
    "  timeout server 30s",
    "  timeout http-keep-alive 10s",
    // The check's answer may take longer than `inter` on a busy machine: without this, a replica that is
    // slow to answer one check (not one that says 503) would be taken out, and with `fall 1` both could be.
    "  timeout check 2s",
    "frontend app",
    `  bind 127.0.0.1:${port}`,
    "  default_backend replicas",
    "backend replicas",
    "  balance roundrobin",
    "  option httpchk GET /ready",
    "  default-server inter 200ms fall 1 rise 2",
    ...slots.map((slot) => `  server ${slot.name} 127.0.0.1:${slot.port} check`),
    ""
  ].join("\n")

/** Starts HAProxy in front of `slots` (servers that may not be listening yet: they are DOWN until they are). */
export const startHAProxy = async (slots: ReadonlyArray<Slot>): Promise<HAProxy> => {
  const binary = await ensureHAProxy()
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "effect-threading-haproxy-"))
  const socket = path.join(dir, "stats.sock")
  const port = await freePort()
  const file = path.join(dir, "haproxy.cfg")
  fs.writeFileSync(file, config(port, socket, slots))
  const check = await exec(binary, ["-c", "-q", "-f", file], 30_000)
  if (check.code !== 0) throw new Error(`haproxy -c rejected the configuration:\n${check.output}`)
  const running = start(["-f", file, "-db"], binary)
  const statuses = async (): Promise<ReadonlyMap<string, string>> => {
    const csv = (await command(socket, "show stat")).split("\n").filter((line) => line.length > 0)
    const header = csv[0]!.replace(/^# /, "").split(",")
    const [px, sv, st] = ["pxname", "svname", "status"].map((name) => header.indexOf(name))
    const result = new Map<string, string>()
    for (const row of csv.slice(1)) {
      const fields = row.split(",")
      if (fields[px!] === "replicas" && fields[sv!] !== "BACKEND") result.set(fields[sv!]!, fields[st!]!)
    }
    return result
  }
  // Ready once the stats socket answers.
  for (let waited = 0;; waited += 50) {
    const ready = await statuses().then(() => true, () => false)
    if (ready) break
    if (waited > 20_000) throw new Error(`HAProxy did not start within 20 s:\n${running.err()}`)
    await sleep(50)
  }
  const waitFor = async (name: string, status: "UP" | "DOWN", timeoutMs = 30_000) => {
    for (let waited = 0;; waited += 50) {
      const now = (await statuses()).get(name)
      if (now === status) return
      if (waited > timeoutMs) throw new Error(`HAProxy: ${name} is ${now}, not ${status}, after ${timeoutMs} ms`)
      await sleep(50)
    }
  }
  return {
    port,
    process: running,
    statuses,
    waitFor,
    stop: async () => {
      running.kill("SIGTERM")
      await running.ended
      fs.rmSync(dir, { recursive: true, force: true })
    }
  }
}
