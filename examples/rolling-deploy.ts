/**
 * An app made for rolling deploys behind a load balancer (issue 21): an
 * `effect/http` server whose `POST /jobs/ID` starts a non-daemon job (some
 * work, then the line `job ID done`) and answers `202` at once, with the
 * readiness and liveness probes of `effect-threading/Readiness` (`GET
 * /ready`, `GET /live`), run by `Threading.launch` with a `drainDelay`.
 *
 * At SIGTERM, `/ready` answers 503 at once while the app goes on serving for
 * the drain delay (every answer then says `Connection: close`), so that the
 * load balancer's health check takes it out of rotation before it stops
 * accepting; then it stops accepting, closes its idle connections, waits for
 * every job it acknowledged (each prints `job ID done` once), and exits 143.
 *
 * Run: PORT=8080 DRAIN_DELAY="2 seconds" npx tsx examples/rolling-deploy.ts
 *   (PORT=0: any free port; the bound port is printed. DRAIN_DELAY: default 2 seconds; 0 for none.
 *    JOB_MILLIS: how long a job works, default 200. REPLICA: a name put in the answers.)
 * Try: curl -i http://127.0.0.1:8080/ready; curl -X POST http://127.0.0.1:8080/jobs/1
 * bench/rollout.ts (`npm run rollout`) runs two of them behind HAProxy and restarts them under load.
 */
import { NodeHttpServer } from "@effect/platform-node"
import { Console, type Duration, Effect, Layer } from "effect"
import { Thread, Threading } from "effect-threading"
import * as Readiness from "effect-threading/Readiness"
import { HttpRouter, HttpServer, HttpServerResponse } from "effect/http"
import { NetAddress } from "effect/net"
import { createServer } from "node:http"

const port = Number(process.env.PORT ?? 8080)
const replica = process.env.REPLICA ?? "app"
/** `DRAIN_DELAY`: a duration (`"2 seconds"`) or a number of milliseconds (`0`). */
const drainDelayEnv = process.env.DRAIN_DELAY ?? "2 seconds"
const drainDelay = (/^\d+$/.test(drainDelayEnv) ? Number(drainDelayEnv) : drainDelayEnv) as Duration.Input
const jobMillis = Number(process.env.JOB_MILLIS ?? 200)

/** A job: some work, then the line that records it as done. */
const job = (id: string) =>
  Effect.sleep(jobMillis).pipe(
    Effect.andThen(Console.log(`job ${id} done`))
  )

const Jobs = HttpRouter.add(
  "POST",
  "/jobs/:id",
  Effect.gen(function*() {
    const { id } = yield* HttpRouter.params
    // A non-daemon thread: the shutdown waits for it.
    yield* Thread.spawn(job(id!), { name: `job-${id}` })
    return HttpServerResponse.text(`job ${id} accepted by ${replica}`, { status: 202 })
  })
)

/** The line that tells the port. */
const Listening = Layer.effectDiscard(Effect.gen(function*() {
  const address = (yield* HttpServer.HttpServer).address
  if (NetAddress.isInetAddress(address)) yield* Console.log(`listening on http://127.0.0.1:${address.port}`)
}))

const App = Listening.pipe(
  Layer.provideMerge(
    HttpRouter.serve(Layer.mergeAll(Jobs, Readiness.routes()), { disableLogger: true, disableListenLog: true })
  ),
  Layer.provideMerge(NodeHttpServer.layer(() => createServer(), { port, host: "127.0.0.1" }))
)

Threading.launch(App, { drainDelay, shutdownTimeout: "20 seconds" })
