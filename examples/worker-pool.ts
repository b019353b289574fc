/**
 * A worker pool in the seed's style: a queue of jobs, three daemon workers,
 * and `join` to wait until every job is done — Python's `queue.Queue` with
 * `task_done()` / `join()` is `JoinableQueue` here.
 *
 * ```python
 * jobs = queue.Queue()
 *
 * def worker():
 *     while True:
 *         job = jobs.get()
 *         time.sleep(0.1 * job)
 *         print(f"job {job} done")
 *         jobs.task_done()
 *
 * for n in range(3):
 *     threading.Thread(target=worker, name=f"worker-{n + 1}", daemon=True).start()
 * for job in range(1, 10):
 *     jobs.put(job)
 * jobs.join()
 * print(f"All jobs done; {threading.active_count() - 1} daemon workers still waiting.")
 * ```
 *
 * Both print `job 1 done` ... `job 9 done`, then the last line, and exit
 * (the Python original is examples/python/worker_pool.py;
 * test/examples.test.ts runs both and compares their lines).
 *
 * Run: npx tsx examples/worker-pool.ts
 */
import { Console, Effect } from "effect"
import { JoinableQueue, Thread, Threading } from "effect-threading"

const program = Effect.gen(function*() {
  const jobs = yield* JoinableQueue.make<number>()

  const worker = Effect.gen(function*() {
    const job = yield* JoinableQueue.take(jobs)
    yield* Effect.sleep(`${100 * job} millis`) // the work: job N takes N tenths of a second
    yield* Console.log(`job ${job} done`)
    yield* JoinableQueue.taskDone(jobs)
  }).pipe(Effect.forever)

  // Three daemon workers: they wait for jobs forever, and never hold the program open
  for (let n = 0; n < 3; n++) {
    yield* Thread.spawn(worker, { name: `worker-${n + 1}`, daemon: true })
  }

  for (let job = 1; job < 10; job++) {
    yield* JoinableQueue.offer(jobs, job)
  }

  // Wait until every job has been marked done (the workers are still waiting for more)
  yield* JoinableQueue.join(jobs)
  yield* Console.log(`All jobs done; ${(yield* Threading.activeCount) - 1} daemon workers still waiting.`)
})

Threading.runMain(program)
