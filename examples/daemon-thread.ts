/**
 * Python's first daemon-thread example, in Effect.
 *
 * ```python
 * def background_task():
 *     while True:
 *         print("Daemon thread running...")
 *         time.sleep(2)
 *
 * daemon_thread = threading.Thread(target=background_task)
 * daemon_thread.daemon = True
 * daemon_thread.start()
 *
 * time.sleep(5)
 * print("Main thread exiting...")
 * ```
 *
 * Run: npx tsx examples/daemon-thread.ts
 */
import { Console, Effect, Schedule } from "effect"
import { Thread, Threading } from "effect-threading"

const backgroundTask = Console.log("Daemon thread running...").pipe(
  Effect.repeat(Schedule.spaced("2 seconds"))
)

const program = Effect.gen(function*() {
  // Creating a thread, then setting it as a daemon thread
  const daemonThread = yield* Thread.make(backgroundTask)
  yield* Thread.setDaemon(daemonThread, true)
  yield* Thread.start(daemonThread)

  // The alternative way: set it as a daemon at creation
  //   const t = yield* Thread.make(backgroundTask, { daemon: true })

  // Main thread sleeps for 5 seconds and then exits
  yield* Effect.sleep("5 seconds")
  yield* Console.log("Main thread exiting...")
})

Threading.runMain(program)
