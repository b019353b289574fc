/**
 * Monitoring with a daemon thread: sample `process.memoryUsage()` every
 * second while the main program works; the monitor never delays the exit.
 *
 * ```python
 * def monitor():
 *     while True:
 *         rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
 *         print(f"[monitor] rss={rss / 1024:.1f} MB")
 *         time.sleep(1)
 *
 * threading.Thread(target=monitor, name="monitor", daemon=True).start()
 * do_work()
 * print("Main program exits.")
 * ```
 *
 * Run: npx tsx examples/monitor-daemon.ts
 */
import { Console, Effect, Schedule } from "effect"
import { Thread, Threading } from "effect-threading"

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`

/** One sample, reported with the name of the thread that takes it. */
const sample = Effect.gen(function*() {
  const me = yield* Thread.current
  const usage = yield* Effect.sync(() => process.memoryUsage())
  yield* Console.log(`[${me.name}] rss=${mb(usage.rss)} heapUsed=${mb(usage.heapUsed)}`)
})

/** Some work that allocates memory, step by step. */
const work = Effect.forEach([1, 2, 3], (step) =>
  Effect.gen(function*() {
    const data = Array.from({ length: 200_000 * step }, (_, i) => ({ i }))
    yield* Effect.sleep("700 millis")
    yield* Console.log(`work: step ${step} done (${data.length} items)`)
  }), { discard: true })

const program = Effect.gen(function*() {
  // A daemon by default: it stops when the main program ends.
  yield* Thread.periodic(sample, Schedule.spaced("1 second"), { name: "monitor" })
  yield* work
  yield* Console.log("Main program exits.")
})

Threading.runMain(program)
