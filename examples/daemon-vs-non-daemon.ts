/**
 * Python's "daemon vs non-daemon" example, in Effect.
 *
 * ```python
 * def daemon_task():
 *     while True:
 *         print("Daemon thread running...")
 *         time.sleep(1)
 *
 * def non_daemon_task():
 *     for _ in range(5):
 *         print("Non-daemon thread running...")
 *         time.sleep(1)
 *
 * daemon_thread = threading.Thread(target=daemon_task, daemon=True)
 * non_daemon_thread = threading.Thread(target=non_daemon_task)
 *
 * daemon_thread.start()
 * non_daemon_thread.start()
 *
 * non_daemon_thread.join()
 * print("Main program exits.")
 * ```
 *
 * Run: npx tsx examples/daemon-vs-non-daemon.ts
 */
import { Console, Effect, Schedule } from "effect"
import { Thread, Threading } from "effect-threading"

const daemonTask = Console.log("Daemon thread running...").pipe(
  Effect.repeat(Schedule.spaced("1 second"))
)

const nonDaemonTask = Console.log("Non-daemon thread running...").pipe(
  Effect.andThen(Effect.sleep("1 second")),
  Effect.repeat({ times: 4 }) // 5 runs in all
)

const program = Effect.gen(function*() {
  // Creating threads
  const daemonThread = yield* Thread.make(daemonTask, { daemon: true })
  const nonDaemonThread = yield* Thread.make(nonDaemonTask)

  // Starting threads
  yield* Thread.start(daemonThread)
  yield* Thread.start(nonDaemonThread)

  // Main thread waits for the non-daemon thread to complete
  yield* Thread.join(nonDaemonThread)
  yield* Console.log("Main program exits.")
})

Threading.runMain(program)
