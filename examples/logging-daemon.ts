/**
 * Logging with a daemon thread: the program's log records go to a `Queue`;
 * a daemon thread writes them to stdout, slowly, as a real sink would. At
 * exit, the daemon is interrupted and its finalizer drains the queue, so
 * every record queued before the main program ended is written.
 *
 * ```python
 * records = queue.Queue()
 * logging.basicConfig(handlers=[logging.handlers.QueueHandler(records)])
 * listener = logging.handlers.QueueListener(
 *     records, logging.StreamHandler(sys.stdout))  # its thread is a daemon
 * listener.start()
 * fmt = "%(threadName)s %(levelname)s %(message)s"
 * ...
 * atexit.register(listener.stop)  # flush what is left
 * ```
 *
 * In Effect the record carries the thread's name as the `thread` log
 * annotation (Python's `%(threadName)s`); the flush is the daemon's own
 * finalizer, which runs when the program ends.
 *
 * Run: npx tsx examples/logging-daemon.ts
 */
import { Console, Effect, Logger, Queue, References } from "effect"
import { Thread, Threading } from "effect-threading"

/** A logger that formats each record as "%(threadName)s %(levelname)s %(message)s" and queues it. */
const queueLogger = (records: Queue.Queue<string>) =>
  Logger.make(({ fiber, logLevel, message }) => {
    const thread = fiber.getRef(References.CurrentLogAnnotations)["thread"] ?? "?"
    const text = Array.isArray(message) ? message.join(" ") : String(message)
    Queue.offerUnsafe(records, `${String(thread)} ${logLevel.toUpperCase()} ${text}`)
  })

/** The log writer: one record at a time, slowly; at exit, the rest at once. */
const logWriter = (records: Queue.Queue<string>) =>
  Queue.take(records).pipe(
    Effect.flatMap(Console.log),
    Effect.andThen(Effect.sleep("100 millis")), // a slow sink
    Effect.forever,
    Effect.ensuring(
      Effect.gen(function*() {
        // What is queued now, without waiting (`Queue.takeAll` waits for one).
        const rest = yield* Queue.clear(records)
        for (const record of rest) yield* Console.log(record)
        yield* Console.error(`[log-writer] flushed ${rest.length} queued records at exit`)
      })
    )
  )

const program = Effect.gen(function*() {
  const records = yield* Queue.unbounded<string>()
  yield* Thread.daemon(logWriter(records), { name: "log-writer" })

  yield* Effect.gen(function*() {
    yield* Effect.log("starting")
    const worker = yield* Thread.nonDaemon(
      Effect.forEach([1, 2, 3], (job) => Effect.log(`job ${job} done`).pipe(Effect.delay("100 millis"))),
      { name: "worker" }
    )
    for (let n = 1; n <= 5; n++) yield* Effect.log(`record ${n}`)
    yield* Thread.join(worker)
    yield* Effect.logWarning("main program ends")
  }).pipe(
    // Every log line goes to the queue, and only there: `Logger.layer`
    // replaces the loggers in place (under `runMain`, Effect's pretty one).
    Effect.provide(Logger.layer([queueLogger(records)]))
  )
})

Threading.runMain(program)
