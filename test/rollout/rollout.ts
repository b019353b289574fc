/**
 * Rolling restarts of examples/rolling-deploy.ts behind a real HAProxy,
 * under a bounded keep-alive load (issue 21). Used by `npm run rollout`
 * (bench/rollout.ts) and by test/rollout/rollout.test.ts.
 *
 * Two replicas, `a` and `b`, each with two server slots in HAProxy's backend
 * (`a1`/`a2`, `b1`/`b2`: a replacement gets the slot its predecessor does
 * not use, as a new pod gets a new address). One rolling restart replaces
 * both, one after the other, as a Deployment's rolling update does: SIGTERM
 * the replica, start its replacement, wait until HAProxy sees the
 * replacement UP (two passed `/ready` checks), then the other replica. The
 * replaced replica drains and exits on its own meanwhile.
 *
 * Meanwhile `clients` keep-alive clients send `POST /jobs/ID` through
 * HAProxy (IDs unique over the run), each one after the other's answer plus
 * `intervalMs`. A request **failed** if its client saw anything but a 2xx
 * answer (a 503 from HAProxy, a reset...); a job is **lost** if it was
 * acknowledged (202) and no replica printed `job ID done`.
 */
import * as http from "node:http"
import { performance } from "node:perf_hooks"
import { endOf, type Running, start } from "../process/harness.js"
import { send } from "../process/httpLoad.js"
import { freePort, type HAProxy, type Slot, startHAProxy } from "./haproxy.js"

/** One rollout's settings. */
export interface RolloutOptions {
  /** Rolling restarts (each replaces both replicas). */
  readonly restarts: number
  /** The replicas' `drainDelay` (`DRAIN_DELAY`): a duration (`"2 seconds"`) or milliseconds (`"0"`). */
  readonly drainDelay: string
  /** Concurrent keep-alive clients. Default 4. */
  readonly clients?: number | undefined
  /** Pause of each client between an answer and its next request (ms). Default 10. */
  readonly intervalMs?: number | undefined
  /** How long a job works (ms). Default 200. */
  readonly jobMillis?: number | undefined
  /** Progress lines. */
  readonly log?: ((line: string) => void) | undefined
}

/** What a rollout gave. */
export interface RolloutResult {
  readonly restarts: number
  /** Requests sent (and answered or failed). */
  readonly requests: number
  /** Requests whose client saw a non-2xx answer or a connection error. */
  readonly failed: number
  /** The failures by kind: `503`, `ECONNRESET`... */
  readonly failures: ReadonlyMap<string, number>
  /** Jobs acknowledged with 202. */
  readonly acknowledged: number
  /** Acknowledged jobs no replica printed as done. */
  readonly lost: number
  /** Jobs printed as done more than once. */
  readonly duplicated: number
  /** The exit code of every replica, in start order (143: stopped by SIGTERM). */
  readonly exits: ReadonlyArray<number | null>
  /** Seconds the rollout took, from the first request to the last. */
  readonly seconds: number
}

/** Bounds: however it goes, a rollout stops sending after these. */
const maxRequests = 200_000
const maxMillisPerRestart = 120_000

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

interface Replica {
  readonly slot: Slot
  readonly process: Running
}

/** Runs a rollout: HAProxy, two replicas, the load, `restarts` rolling restarts; always cleans up. */
export const runRollout = async (options: RolloutOptions): Promise<RolloutResult> => {
  const log = options.log ?? (() => {})
  const slots = {
    a: [{ name: "a1", port: await freePort() }, { name: "a2", port: await freePort() }],
    b: [{ name: "b1", port: await freePort() }, { name: "b2", port: await freePort() }]
  } as const
  const replicas: Array<Replica> = []
  let haproxy: HAProxy | undefined
  const startReplica = async (slot: Slot): Promise<Replica> => {
    const child = start(["--import", "tsx", "examples/rolling-deploy.ts"], process.execPath, {
      PORT: String(slot.port),
      REPLICA: slot.name,
      DRAIN_DELAY: options.drainDelay,
      JOB_MILLIS: String(options.jobMillis ?? 200)
    })
    const replica = { slot, process: child }
    replicas.push(replica)
    await child.waitFor(/^listening on http:\/\/127\.0\.0\.1:\d+$/, 60_000)
    return replica
  }
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.clients ?? 4 })
  let stopped = false
  try {
    haproxy = await startHAProxy([...slots.a, ...slots.b])
    const lb = haproxy
    const current = { a: await startReplica(slots.a[0]), b: await startReplica(slots.b[0]) }
    for (const [name, status] of [["a1", "UP"], ["b1", "UP"], ["a2", "DOWN"], ["b2", "DOWN"]] as const) {
      await lb.waitFor(name, status)
    }
    log(`HAProxy on 127.0.0.1:${lb.port}; replicas a1 and b1 up`)

    // The load.
    const acknowledged = new Set<string>()
    const failures = new Map<string, number>()
    let requests = 0
    let next = 0
    const began = performance.now()
    const deadline = began + options.restarts * maxMillisPerRestart
    const client = async () => {
      while (!stopped && requests < maxRequests && performance.now() < deadline) {
        const id = String(++next)
        requests++
        const sent = await send(agent, { port: lb.port, method: "POST", path: `/jobs/${id}` })
        const outcome = sent.outcome
        if (outcome._tag === "Answered" && outcome.status >= 200 && outcome.status < 300) {
          if (outcome.status === 202) acknowledged.add(id)
        } else {
          const kind = outcome._tag === "Answered" ? String(outcome.status) : outcome.code
          failures.set(kind, (failures.get(kind) ?? 0) + 1)
        }
        await sleep(options.intervalMs ?? 10)
      }
    }
    const clients = Promise.all(Array.from({ length: options.clients ?? 4 }, client))

    // The rolling restarts.
    for (let restart = 1; restart <= options.restarts; restart++) {
      for (const name of ["a", "b"] as const) {
        const old = current[name]
        const slot = slots[name][old.slot === slots[name][0] ? 1 : 0]
        old.process.kill("SIGTERM")
        // The slot's previous replica (two replacements ago) must be gone, and HAProxy must know it.
        const previous = replicas.filter((r) => r.slot === slot)
        for (const replica of previous) await endOf(replica.process, 60_000)
        if (previous.length > 0) await lb.waitFor(slot.name, "DOWN")
        const fresh = await startReplica(slot)
        await lb.waitFor(slot.name, "UP", 60_000)
        current[name] = fresh
        log(`restart ${restart}/${options.restarts}: ${old.slot.name} stopped, ${slot.name} up (${requests} requests)`)
      }
      if (performance.now() > deadline) throw new Error(`the rollout took longer than its bound`)
    }
    stopped = true
    await clients
    const seconds = (performance.now() - began) / 1000

    // The last replicas stop too: every job they acknowledged must be done.
    for (const replica of [current.a, current.b]) replica.process.kill("SIGTERM")
    const exits: Array<number | null> = []
    for (const replica of replicas) exits.push((await endOf(replica.process, 60_000)).code)

    const done = new Map<string, number>()
    for (const replica of replicas) {
      for (const line of replica.process.out()) {
        const m = /^job (\d+) done$/.exec(line)
        if (m !== null) done.set(m[1]!, (done.get(m[1]!) ?? 0) + 1)
      }
    }
    let lost = 0
    for (const id of acknowledged) {
      if (!done.has(id)) lost++
    }
    return {
      restarts: options.restarts,
      requests,
      failed: [...failures.values()].reduce((a, b) => a + b, 0),
      failures,
      acknowledged: acknowledged.size,
      lost,
      duplicated: [...done.values()].filter((n) => n > 1).length,
      exits,
      seconds
    }
  } finally {
    stopped = true
    agent.destroy()
    for (const { process: { child } } of replicas) {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
    }
    await haproxy?.stop()
  }
}

/** The line `npm run rollout` ends with. */
export const summaryLine = (result: RolloutResult): string =>
  `rollout: ${result.restarts} restarts, ${result.requests} requests, ${result.failed} failed, ${result.lost} lost`
