/**
 * Cluster-wide maintenance: a periodic job that must run on ONE replica of a
 * service (purging expired sessions, say), plus daemons every replica runs
 * for itself (a local cache janitor, a load monitor).
 *
 * In Python one would reach for a lock in the database or a leader election
 * library around a daemon thread; here the job is a `Thread.singleton` on
 * `effect/cluster` — the cluster's shard locks decide the owner. When the
 * owner stops (Ctrl-C, SIGTERM, the end of its main program), the job is
 * interrupted there like any daemon — its finalizer runs — and another
 * replica takes it over; if the owner dies (SIGKILL), another takes over when
 * its shard lock expires.
 *
 * One process, no database (the embedded default, every singleton runs here):
 *
 *   node --import tsx examples/cluster-maintenance.ts
 *
 * Three replicas sharing PostgreSQL (each on its own port; the cluster
 * creates its tables on first start). `npm run db` starts a local PostgreSQL
 * and prints its DATABASE_URL; then one terminal per replica:
 *
 *   export DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres
 *   RUNNER_PORT=34431 RUN_FOR="5 minutes" node --import tsx examples/cluster-maintenance.ts   # terminal 1
 *   RUNNER_PORT=34432 RUN_FOR="5 minutes" node --import tsx examples/cluster-maintenance.ts   # terminal 2
 *   RUNNER_PORT=34433 RUN_FOR="5 minutes" node --import tsx examples/cluster-maintenance.ts   # terminal 3
 *
 * or all three in one terminal, Ctrl-C forwarded to each:
 *
 *   RUN_FOR="5 minutes" node --import tsx scripts/runners.ts 3 examples/cluster-maintenance.ts
 *
 * Stop the one that prints "maintenance run" with Ctrl-C and watch another
 * take over, with a greater fencing token (docs/cluster.md).
 *
 * Environment: DATABASE_URL (unset: embedded), RUNNER_HOST (127.0.0.1),
 * RUNNER_PORT (34431), RUN_FOR (how long the main program runs: "6 seconds").
 */
import { Config, Console, Duration, Effect, Schedule } from "effect"
import { Thread, Threading, ThreadingCluster } from "effect-threading"

const settings = Config.all({
  url: Config.option(Config.String("DATABASE_URL")),
  host: Config.withDefault(Config.String("RUNNER_HOST"), "127.0.0.1"),
  port: Config.withDefault(Config.Int("RUNNER_PORT"), 34431),
  runFor: Config.withDefault(Config.Duration("RUN_FOR"), Duration.seconds(6))
})

/** The runner's name in the output: its port, or "local" without a database. */
const me = Effect.map(settings, ({ port, url }) => url._tag === "None" ? "local" : `:${port}`)

const clusterOptions = Config.map(
  settings,
  ({ host, port, url }): ThreadingCluster.Options =>
    url._tag === "None" ? { storage: "embedded" } : {
      storage: "postgres",
      postgres: url.value,
      runnerAddress: { host, port },
      // Faster handovers than the engine's defaults (3 s after a stop, 35 s
      // after a crash): about 1 s and 6 s. See docs/cluster.md.
      shardingConfig: {
        refreshAssignmentsInterval: "1 second",
        shardLockRefreshInterval: "2 seconds",
        shardLockExpiration: "6 seconds"
      }
    }
)

let runs = 0

/**
 * The cluster-wide job: one run. Make it idempotent, or guard its writes with
 * the fencing token (a runner frozen past its lease may wake up after another
 * took over: docs/cluster.md, "Fencing").
 */
const purgeExpiredSessions = Effect.gen(function*() {
  const name = yield* me
  const token = yield* ThreadingCluster.fencingToken
  runs++
  yield* Console.log(
    `[${name}] maintenance run #${runs} (fencing token ${token}): purged expired sessions (cluster-wide, only here)`
  )
})

const program = Effect.gen(function*() {
  const name = yield* me
  const { runFor } = yield* settings

  // Every replica: local daemons.
  yield* Thread.periodic(Effect.void, Schedule.spaced("500 millis"), { name: "cache-janitor" })
  yield* Thread.periodic(
    Console.log(`[${name}] load ok`),
    Schedule.spaced("2 seconds"),
    { name: "monitor" }
  )

  // One replica: the cluster-wide maintenance, every second (a cluster-wide
  // `periodic`: a failed run is reported and the schedule goes on).
  yield* Thread.singleton("maintenance", purgeExpiredSessions, { schedule: Schedule.spaced("1 second") })
  // One replica (maybe another: each singleton has its own shard): a loop
  // with a finalizer, which runs when it stops here.
  yield* Thread.singleton(
    "announcer",
    Console.log(`[${name}] announcer: this replica announces`).pipe(
      Effect.andThen(Effect.never),
      Effect.ensuring(Console.log(`[${name}] announcer stopped here (finalizer ran)`))
    )
  )
  yield* Console.log(`[${name}] replica up`)

  yield* Effect.sleep(runFor)
  const threads = yield* Threading.enumerate
  yield* Console.log(
    `[${name}] threads: ${threads.map((t) => `${t.name}${Thread.isSingleton(t) ? " (singleton)" : ""}`).join(", ")}`
  )
  yield* Console.log(`[${name}] main program ends; daemons and the singleton stop`)
})

// The cluster is the app's layer: built before the program, stopped in
// shutdown step (c) once the singleton's finalizer has run.
Threading.runMain(program, { layer: ThreadingCluster.layerConfig(clusterOptions) })
