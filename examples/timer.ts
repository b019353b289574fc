/**
 * Python's `threading.Timer`, with `cancel`, in Effect.
 *
 * ```python
 * from threading import Timer
 *
 * def hello():
 *     print("hello, world")
 *
 * t = Timer(1.0, hello)
 * t.start()  # after 1 second, "hello, world" will be printed
 *
 * reminder = Timer(2.0, lambda: print("this reminder never shows"))
 * reminder.start()
 * reminder.cancel()  # stops it while it is still waiting
 * print("reminder cancelled")
 *
 * print("Main program exits.")  # t is not a daemon: it holds the program open
 * ```
 *
 * Output (both): `reminder cancelled`, `Main program exits.`, then one second
 * later `hello, world`.
 *
 * `Thread.timer` starts the timer at once (like `Thread.spawn`); use
 * `Thread.makeTimer` + `Thread.start` for Python's two steps.
 *
 * Run: npx tsx examples/timer.ts
 */
import { Console, Effect } from "effect"
import { Thread, Threading } from "effect-threading"

const hello = Console.log("hello, world")

const program = Effect.gen(function*() {
  // t = Timer(1.0, hello); t.start()
  yield* Thread.timer("1 second", hello)

  const reminder = yield* Thread.timer("2 seconds", Console.log("this reminder never shows"))
  yield* Thread.cancel(reminder)
  yield* Console.log("reminder cancelled")

  yield* Console.log("Main program exits.")
})

Threading.runMain(program)
