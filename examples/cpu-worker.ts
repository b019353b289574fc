/**
 * CPU-bound work beside the other threads: a Python thread can run a long
 * computation while the others go on (the GIL is released in C code, and the
 * interpreter switches threads); a fiber cannot — plain JavaScript that
 * computes for two seconds holds the whole event loop for two seconds. The
 * recipe: run the computation in a `worker_threads` worker, through Effect's
 * own workers module (`effect/workers`: `Worker`, `WorkerRunner`) and
 * `@effect/platform-node`'s Node worker (`NodeWorker`, `NodeWorkerRunner`),
 * from a thread, daemon or not. The exit rule still holds: a non-daemon
 * thread's worker is waited for, a daemon's is stopped at exit (terminated at
 * once, mid-computation); and the event loop stays free meanwhile — the
 * `ticker` daemon prints every 100 ms throughout.
 *
 * This one file is both programs: run in the main thread it is the app; run
 * by `new Worker(...)` it is the worker (`isMainThread` tells).
 *
 *   npx tsx examples/cpu-worker.ts             # a non-daemon thread computes fib(40) in a worker
 *   npx tsx examples/cpu-worker.ts daemon      # a daemon thread computes (for ever); main ends after 1 s
 *   npx tsx examples/cpu-worker.ts in-fiber    # the same computation in the thread's fiber: the ticks stop
 *
 * docs/python.md ("Blocking and CPU-bound work") explains it; test/process/cpu-worker.test.ts
 * runs the three modes.
 */
import { NodeRuntime, NodeWorker, NodeWorkerRunner } from "@effect/platform-node"
import { Console, Deferred, Effect, Fiber, Queue, Schedule } from "effect"
import { Thread, Threading } from "effect-threading"
import { Worker, type WorkerError, WorkerRunner } from "effect/workers"
import * as WorkerThreads from "node:worker_threads"

/** The CPU-bound work: plain synchronous JavaScript, which blocks whatever thread of Node runs it. */
const fib = (n: number): number => n < 2 ? n : fib(n - 1) + fib(n - 2)

// -----------------------------------------------------------------------------
// The worker side: serve each request with fib, until the parent closes it.
// -----------------------------------------------------------------------------

const serve = Effect.gen(function*() {
  const runner = yield* (yield* WorkerRunner.WorkerRunnerPlatform).start<number, number>()
  yield* runner.run((port, n: number) => runner.send(port, fib(n)))
})

// -----------------------------------------------------------------------------
// The parent side: one computation in a fresh worker, as an Effect.
// -----------------------------------------------------------------------------

/**
 * A `worker_threads` worker for the current scope: gives `fib(n)` as an
 * Effect computed there (one at a time). When the scope closes — the thread
 * has ended, or was interrupted (a daemon stopped at exit, `Thread.interrupt`,
 * a timeout) — the worker is terminated at once: a worker busy computing
 * cannot read the polite close message `NodeWorker` sends first, and would
 * be waited for 5 seconds.
 */
const makeFibWorker = Effect.suspend(() => {
  let spawned: WorkerThreads.Worker | undefined
  const spawn = () => (spawned = new WorkerThreads.Worker(new URL(import.meta.url)))
  return Effect.gen(function*() {
    const worker = yield* (yield* Worker.WorkerPlatform).spawn<number, number>(0)
    const answers = yield* Queue.unbounded<number>()
    const running = yield* Effect.forkScoped(worker.run((answer) => Queue.offer(answers, answer)))
    // added after the fork, so it runs first as the scope closes
    yield* Effect.addFinalizer(() => Effect.promise(async () => spawned?.terminate()))
    // the answer, or the worker's failure (it could not start, it threw, it exited)
    return (n: number): Effect.Effect<number, WorkerError.WorkerError> =>
      Effect.andThen(worker.send(n), Effect.raceFirst(Queue.take(answers), Fiber.join(running)))
  }).pipe(Effect.provide(NodeWorker.layer(spawn)))
})

// -----------------------------------------------------------------------------
// The app
// -----------------------------------------------------------------------------

const mode = process.argv[2] ?? "non-daemon"

const ticker = Console.log("tick").pipe(Effect.repeat(Schedule.spaced("100 millis")))

/** Computes fib(n) in a worker (or, in mode `in-fiber`, in the thread's own fiber); `started` once it runs. */
const compute = (n: number, started: Deferred.Deferred<void>) =>
  Effect.gen(function*() {
    if (mode === "in-fiber") {
      yield* Console.log(`fib(${n}) started in the thread's fiber`)
      yield* Deferred.succeed(started, undefined)
      yield* Console.log(`fib(${n}) = ${fib(n)}`)
      return
    }
    const fibInWorker = yield* makeFibWorker
    yield* fibInWorker(20) // the worker is up
    yield* Console.log(`fib(${n}) started in a worker`)
    yield* Deferred.succeed(started, undefined)
    yield* Console.log(`fib(${n}) = ${yield* fibInWorker(n)}`)
  }).pipe(
    Effect.scoped,
    Effect.onInterrupt(() => Console.log(`fib(${n}) stopped: its worker is terminated`))
  )

const app = Effect.gen(function*() {
  yield* Thread.spawn(ticker, { name: "ticker", daemon: true })
  const started = yield* Deferred.make<void>()
  if (mode === "daemon") {
    // fib(60) would take hours: only the exit stops it
    yield* Thread.spawn(compute(60, started), { name: "compute", daemon: true })
    yield* Deferred.await(started)
    yield* Effect.sleep("1 second")
  } else {
    yield* Thread.spawn(compute(40, started), { name: "compute" })
  }
  yield* Console.log("Main program exits.")
})

if (WorkerThreads.isMainThread) {
  Threading.runMain(app)
} else {
  NodeRuntime.runMain(serve.pipe(Effect.provide(NodeWorkerRunner.layer)))
}
