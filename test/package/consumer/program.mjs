// A plain JavaScript (ESM) consumer of the packed library. The package test
// copies this file into a fresh project that installed only the tarball and
// the peer dependencies (effect 4, @effect/platform-node 4) from the registry,
// then runs it with `node`.
import { Console, Deferred, Effect } from "effect"
import { Thread, Threading } from "effect-threading"
import * as ThreadModule from "effect-threading/Thread"
import * as ThreadingModule from "effect-threading/Threading"

const program = Effect.gen(function*() {
  const release = yield* Deferred.make()

  // A non-daemon thread holds the program open after the main program ends.
  yield* Thread.spawn(
    Deferred.await(release).pipe(Effect.andThen(Console.log("worker: done"))),
    { name: "worker" }
  )
  // A daemon thread never does; it is interrupted at the end, its finalizers run.
  yield* ThreadModule.spawn(
    Effect.never.pipe(Effect.onInterrupt(() => Console.log("watcher: interrupted"))),
    { name: "watcher", daemon: true }
  )
  yield* ThreadingModule.atExit(Console.log("atExit: bye"))

  const threads = yield* Threading.enumerate
  yield* Console.log(`main: ${threads.map((t) => `${t.name}${t.daemon ? " (daemon)" : ""}`).join(", ")}`)
  yield* Console.log(
    `main: same modules ${Thread.spawn === ThreadModule.spawn && Threading.main === ThreadingModule.main}`
  )
  yield* Console.log("main: done")
  yield* Deferred.succeed(release, undefined)
})

Threading.runMain(program)
