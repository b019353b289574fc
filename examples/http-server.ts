/**
 * A Layer app: an HTTP server (`effect/http` on `@effect/platform-node`)
 * whose `POST /jobs` hands each request's work to a non-daemon thread that
 * uses a scoped "Db" resource, answers `202 Accepted` with the job's id at
 * once, and a metrics daemon that prints counts every second. Run with
 * `Threading.launch`.
 *
 * ```python
 * db = Db()  # module global: closed at exit, after every non-daemon thread
 *
 * class Handler(BaseHTTPRequestHandler):
 *     def do_POST(self):
 *         job_id = next(ids)
 *         threading.Thread(target=run_job, args=(job_id,), name=f"job-{job_id}").start()
 *         self.send_response(202); self.end_headers(); self.wfile.write(f"job {job_id}".encode())
 *
 * threading.Thread(target=print_metrics, name="metrics", daemon=True).start()
 * ThreadingHTTPServer(("127.0.0.1", 8080), Handler).serve_forever()
 * ```
 *
 * On SIGTERM (or Ctrl-C) the server stops accepting at once and drops idle
 * connections; the shutdown waits for every job already acknowledged with
 * 202 (each prints `job N done` exactly once), stops the metrics daemon, and
 * only then closes the Db (`db: closed`): the layer is the app's module
 * globals, released after the threads. Exit code 143 (130 for Ctrl-C); a
 * second signal stops waiting for the jobs.
 *
 * Run: PORT=8080 npx tsx examples/http-server.ts   (PORT=0: any free port; the bound port is printed;
 *   DRAIN_DELAY_MS=2000: serve 2 s more after the signal before stopping — see `drainDelay`)
 * Try: curl -X POST http://127.0.0.1:8080/jobs
 */
import { NodeHttpServer } from "@effect/platform-node"
import { Console, Context, Effect, Layer, Ref, Schedule } from "effect"
import { Thread, Threading } from "effect-threading"
import { HttpRouter, HttpServer, HttpServerResponse } from "effect/http"
import { NetAddress } from "effect/net"
import { createServer } from "node:http"

const port = Number(process.env.PORT ?? 8080)

/** A database, say a connection pool: opened when the app starts, closed at its very end. */
class Db extends Context.Service<Db, {
  readonly save: (jobId: number) => Effect.Effect<void, Error>
}>()("Db") {}

const DbLive = Layer.effect(
  Db,
  Effect.gen(function*() {
    const open = yield* Effect.acquireRelease(
      Console.log("db: open").pipe(Effect.andThen(Ref.make(true))),
      (open) => Ref.set(open, false).pipe(Effect.andThen(Console.log("db: closed")))
    )
    return {
      save: (jobId) =>
        Effect.flatMap(
          Ref.get(open),
          (isOpen) => isOpen ? Effect.void : Effect.fail(new Error(`db: pool is closed (job ${jobId})`))
        )
    }
  })
)

/** What the metrics daemon reports. */
class Metrics extends Context.Service<Metrics, {
  readonly nextId: Effect.Effect<number>
  readonly accepted: Ref.Ref<number>
  readonly done: Ref.Ref<number>
}>()("Metrics") {}

const MetricsLive = Layer.effect(
  Metrics,
  Effect.gen(function*() {
    const ids = yield* Ref.make(0)
    return {
      nextId: Ref.updateAndGet(ids, (n) => n + 1),
      accepted: yield* Ref.make(0),
      done: yield* Ref.make(0)
    }
  })
)

/** A job: some work, a write to the Db, then the line that says it is done. */
const job = (id: number) =>
  Effect.gen(function*() {
    const db = yield* Db
    const metrics = yield* Metrics
    yield* Effect.sleep("300 millis") // the work
    yield* db.save(id)
    yield* Ref.update(metrics.done, (n) => n + 1)
    yield* Console.log(`job ${id} done`)
  })

const routes = HttpRouter.add(
  "POST",
  "/jobs",
  Effect.gen(function*() {
    const metrics = yield* Metrics
    const id = yield* metrics.nextId
    // A non-daemon thread: the shutdown waits for it. It captures this
    // fiber's services (the Db), which stay open until it has ended. Once the
    // shutdown is past its wait, starting one fails: the request gets a 500.
    yield* Thread.spawn(job(id), { name: `job-${id}` })
    yield* Ref.update(metrics.accepted, (n) => n + 1)
    return HttpServerResponse.text(`job ${id}`, { status: 202 })
  })
)

/** The metrics daemon, and the line that tells the port. */
const Background = Layer.effectDiscard(Effect.gen(function*() {
  const metrics = yield* Metrics
  const report = Effect.gen(function*() {
    yield* Console.log(`metrics: accepted ${yield* Ref.get(metrics.accepted)}, done ${yield* Ref.get(metrics.done)}`)
  })
  yield* Thread.periodic(report, Schedule.spaced("1 second"), { name: "metrics" })
  const address = (yield* HttpServer.HttpServer).address
  if (NetAddress.isInetAddress(address)) yield* Console.log(`listening on http://127.0.0.1:${address.port}`)
}))

const AppLayer = Background.pipe(
  Layer.provideMerge(HttpRouter.serve(routes, { disableLogger: true, disableListenLog: true })),
  Layer.provideMerge(NodeHttpServer.layer(() => createServer(), { port, host: "127.0.0.1" })),
  Layer.provideMerge(Layer.merge(DbLive, MetricsLive))
)

Threading.launch(AppLayer, { drainDelay: Number(process.env.DRAIN_DELAY_MS ?? 0) })
