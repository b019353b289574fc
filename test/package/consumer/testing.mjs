// A plain JavaScript (ESM) consumer of the new subpaths of the packed library:
// `effect-threading/testing` (TestThreading) and `effect-threading/JoinableQueue`,
// in a project with no test framework installed (the package test checks that
// vitest cannot be imported there). Run with `node`.
import { Effect } from "effect"
import { JoinableQueue, Thread } from "effect-threading"
import * as JoinableQueueModule from "effect-threading/JoinableQueue"
import { TestThreading } from "effect-threading/testing"

const program = Effect.gen(function*() {
  const jobs = yield* JoinableQueueModule.make()
  const worker = Effect.gen(function*() {
    const seconds = yield* JoinableQueue.take(jobs)
    yield* Effect.sleep(`${seconds} seconds`)
    yield* JoinableQueue.taskDone(jobs)
  }).pipe(Effect.forever)
  yield* Thread.spawn(worker, { name: "worker", daemon: true })
  for (const seconds of [1, 2]) yield* JoinableQueue.offer(jobs, seconds)
  yield* JoinableQueue.join(jobs)
  return `joined, same module ${JoinableQueue.join === JoinableQueueModule.join}`
})

const report = await Effect.runPromise(TestThreading.run(program))
console.log(`run: ${report.exit._tag} "${report.exit.value}" at ${report.endedAt} ms`)
console.log(`threads: ${report.threads.map((t) => `${t.name} ${t.outcome}`).join(", ")}`)
