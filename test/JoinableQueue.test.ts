/**
 * JoinableQueue: Python's `queue.Queue` with `task_done()` / `join()`, on
 * TestClock. Every wait is virtual; times are exact.
 */
import { describe, expect, it } from "@effect/vitest"
import { Cause, Clock, Effect, Exit, Fiber, Option, Result, Schema } from "effect"
import { JoinableQueue, Thread, Threading } from "effect-threading"
import { adjust, makeEvents, runVirtual, settle } from "./utils.js"

/** The defect of a death, or `undefined`. */
const defectOf = (exit: Exit.Exit<unknown, unknown> | undefined) =>
  exit === undefined || Exit.isSuccess(exit) ? undefined : Result.getOrUndefined(Cause.findDefect(exit.cause))

describe("JoinableQueue", () => {
  it.effect("is first in, first out", () =>
    Effect.gen(function*() {
      const queue = yield* JoinableQueue.make<number>()
      yield* Effect.forEach([1, 2, 3], (n) => JoinableQueue.offer(queue, n))
      expect(yield* JoinableQueue.size(queue)).toBe(3)
      const taken = yield* Effect.replicateEffect(JoinableQueue.take(queue), 3)
      expect(taken).toEqual([1, 2, 3])
      expect(yield* JoinableQueue.size(queue)).toBe(0)
    }))

  it.effect("counts a task from its offer to its taskDone, not to its take", () =>
    Effect.gen(function*() {
      const queue = yield* JoinableQueue.make<string>()
      const counts: Array<number> = []
      const count = Effect.flatMap(JoinableQueue.unfinished(queue), (n) => Effect.sync(() => counts.push(n)))
      yield* count
      yield* JoinableQueue.offer(queue, "a")
      yield* queue.pipe(JoinableQueue.offer("b")) // data-last
      yield* count
      yield* JoinableQueue.take(queue)
      yield* count // taken, not done
      yield* JoinableQueue.taskDone(queue)
      yield* count
      yield* JoinableQueue.take(queue)
      yield* JoinableQueue.taskDone(queue)
      yield* count
      expect(counts).toEqual([0, 2, 2, 1, 0])
      expect(String(queue)).toBe("JoinableQueue(0 queued, 0 unfinished)")
    }))

  it.effect("join returns at once when no task is unfinished", () =>
    Effect.gen(function*() {
      const queue = yield* JoinableQueue.make<number>()
      const { exit, endedAt } = yield* runVirtual(JoinableQueue.join(queue), 0)
      expect(exit).toStrictEqual(Exit.void)
      expect(endedAt).toBe(0)
    }))

  it.effect("join waits for the last taskDone, not for the last take", () =>
    Effect.gen(function*() {
      const { events, record } = makeEvents()
      const program = Effect.gen(function*() {
        const queue = yield* JoinableQueue.make<string>()
        const worker = Effect.gen(function*() {
          const job = yield* JoinableQueue.take(queue)
          yield* Effect.sleep("1 second")
          yield* record(`done ${job}`)
          yield* JoinableQueue.taskDone(queue)
        }).pipe(Effect.forever)
        yield* Thread.spawn(worker, { daemon: true, name: "worker" })
        yield* Effect.forEach(["a", "b", "c"], (job) => JoinableQueue.offer(queue, job))
        yield* JoinableQueue.join(queue)
        yield* record("joined")
      })
      const { exit } = yield* runVirtual(Threading.main(program))
      expect(exit).toStrictEqual(Exit.void)
      expect(events).toEqual([[1000, "done a"], [2000, "done b"], [3000, "done c"], [3000, "joined"]])
    }))

  it.effect("join waits for items offered while it waits; every waiting join returns together", () =>
    Effect.gen(function*() {
      const queue = yield* JoinableQueue.make<number>()
      const { events, record } = makeEvents()
      yield* JoinableQueue.offer(queue, 1)
      const joiners = yield* Effect.forEach(
        ["first", "second"],
        (who) => Effect.forkChild(Effect.andThen(JoinableQueue.join(queue), record(`${who} joined`)))
      )
      yield* settle()
      yield* JoinableQueue.offer(queue, 2) // while the joiners wait
      yield* JoinableQueue.take(queue)
      yield* JoinableQueue.taskDone(queue)
      yield* settle()
      expect(events).toEqual([]) // item 2 is unfinished
      yield* JoinableQueue.take(queue)
      yield* JoinableQueue.taskDone(queue)
      yield* Fiber.joinAll(joiners)
      expect(events.map(([, label]) => label).sort()).toEqual(["first joined", "second joined"])
    }))

  it.effect("taskDone called too many times fails with TaskDoneError, and the count stays at zero", () =>
    Effect.gen(function*() {
      const queue = yield* JoinableQueue.make<string>()
      yield* JoinableQueue.offer(queue, "job")
      yield* JoinableQueue.take(queue)
      yield* JoinableQueue.taskDone(queue)
      const error = yield* Effect.flip(JoinableQueue.taskDone(queue))
      expect(error).toBeInstanceOf(JoinableQueue.TaskDoneError)
      expect(error._tag).toBe("TaskDoneError")
      expect(error.message).toBe("taskDone() called too many times")
      expect(yield* JoinableQueue.unfinished(queue)).toBe(0)
      const caught = yield* JoinableQueue.taskDone(queue).pipe(
        Effect.catchTag("TaskDoneError", (e) => Effect.succeed(`caught: ${e.message}`))
      )
      expect(caught).toBe("caught: taskDone() called too many times")
      // the queue still works: a new task is counted from one, and join waits for it
      yield* JoinableQueue.offer(queue, "next")
      expect(yield* JoinableQueue.unfinished(queue)).toBe(1)
      const joiner = yield* Effect.forkChild(JoinableQueue.join(queue))
      yield* settle()
      expect(joiner.pollUnsafe()).toBeUndefined()
      yield* JoinableQueue.taskDone(queue)
      yield* Fiber.join(joiner)
    }))

  it.effect("take waits for an item", () =>
    Effect.gen(function*() {
      const queue = yield* JoinableQueue.make<string>()
      const taker = yield* Effect.forkChild(
        Effect.zip(JoinableQueue.take(queue), Clock.currentTimeMillis)
      )
      yield* Effect.forkChild(Effect.delay(JoinableQueue.offer(queue, "late"), "2 seconds"))
      yield* adjust("5 seconds")
      expect(yield* Fiber.join(taker)).toEqual(["late", 2000])
    }))

  it.effect("poll takes without waiting: none when empty", () =>
    Effect.gen(function*() {
      const queue = yield* JoinableQueue.make<string>()
      expect(yield* JoinableQueue.poll(queue)).toStrictEqual(Option.none())
      yield* JoinableQueue.offer(queue, "job")
      expect(yield* JoinableQueue.poll(queue)).toStrictEqual(Option.some("job"))
      expect(yield* JoinableQueue.unfinished(queue)).toBe(1)
    }))

  describe("with a capacity", () => {
    it.effect("offer waits for room while the queue is full, then goes on at the take that makes room", () =>
      Effect.gen(function*() {
        const queue = yield* JoinableQueue.make<number>({ capacity: 2 })
        const { record, timeOf } = makeEvents()
        const producer = yield* Effect.forkChild(
          Effect.forEach(
            [1, 2, 3, 4],
            (n) => Effect.andThen(JoinableQueue.offer(queue, n), record(`offered ${n}`)),
            { discard: true }
          )
        )
        yield* Effect.forkChild(
          Effect.forever(
            Effect.gen(function*() {
              yield* Effect.sleep("1 second")
              yield* record(`took ${yield* JoinableQueue.take(queue)}`)
            })
          )
        )
        yield* adjust("10 seconds")
        expect(producer.pollUnsafe()).toStrictEqual(Exit.void)
        // (the order of a take and the offer it lets in, at one instant, is the scheduler's)
        const times = ["offered 1", "offered 2", "offered 3", "offered 4", "took 1", "took 2", "took 3", "took 4"]
          .map((label) => [label, timeOf(label)])
        expect(times).toEqual([
          ["offered 1", 0],
          ["offered 2", 0],
          ["offered 3", 1000],
          ["offered 4", 2000],
          ["took 1", 1000],
          ["took 2", 2000],
          ["took 3", 3000],
          ["took 4", 4000]
        ])
      }))

    it.effect("an offer interrupted while waiting for room adds and counts nothing", () =>
      Effect.gen(function*() {
        const queue = yield* JoinableQueue.make<string>({ capacity: 1 })
        yield* JoinableQueue.offer(queue, "first")
        const blocked = yield* Effect.forkChild(JoinableQueue.offer(queue, "second"))
        yield* settle()
        expect(blocked.pollUnsafe()).toBeUndefined()
        yield* Fiber.interrupt(blocked)
        expect(yield* JoinableQueue.unfinished(queue)).toBe(1)
        expect(yield* JoinableQueue.take(queue)).toBe("first")
        expect(yield* JoinableQueue.poll(queue)).toStrictEqual(Option.none())
        yield* JoinableQueue.taskDone(queue)
        yield* JoinableQueue.join(queue)
      }))

    it.effect("poll makes room for a waiting producer", () =>
      Effect.gen(function*() {
        const queue = yield* JoinableQueue.make<string>({ capacity: 1 })
        yield* JoinableQueue.offer(queue, "first")
        const producer = yield* Effect.forkChild(JoinableQueue.offer(queue, "second"))
        yield* settle()
        expect(yield* JoinableQueue.poll(queue)).toStrictEqual(Option.some("first"))
        yield* settle()
        expect(producer.pollUnsafe()).toStrictEqual(Exit.void)
        expect(yield* JoinableQueue.take(queue)).toBe("second")
      }))
  })

  describe("refuses bad input before anything runs", () => {
    it.effect.each(
      [
        ["zero", { capacity: 0 }, "0"],
        ["a negative number", { capacity: -1 }, "-1"],
        ["a fraction", { capacity: 1.5 }, "1.5"],
        ["NaN", { capacity: Number.NaN }, "NaN"],
        ["a string", { capacity: "10" }, "\"10\""]
      ] as const
    )("capacity %s: dies with a ThreadError naming the option", ([, options, shown]) =>
      Effect.gen(function*() {
        const exit = yield* Effect.exit(JoinableQueue.make(options as JoinableQueue.MakeOptions))
        const defect = defectOf(exit)
        expect(defect).toBeInstanceOf(Thread.ThreadError)
        expect((defect as Thread.ThreadError).message).toBe(
          `invalid option capacity: expected a positive integer, or Infinity for an unbounded queue (got ${shown})`
        )
      }))

    it.effect("an options object whose getter throws: dies naming the option", () =>
      Effect.gen(function*() {
        const options = Object.defineProperty({}, "capacity", {
          get: () => {
            throw new Error("nope")
          }
        })
        const defect = defectOf(yield* Effect.exit(JoinableQueue.make(options)))
        expect((defect as Thread.ThreadError).message).toBe("invalid option capacity: reading it threw Error: nope")
      }))

    it.effect("Infinity and no options at all make an unbounded queue", () =>
      Effect.gen(function*() {
        for (const options of [undefined, {}, { capacity: Number.POSITIVE_INFINITY }, { capacity: undefined }]) {
          const queue = yield* JoinableQueue.make<number>(options)
          yield* Effect.forEach(Array.from({ length: 1000 }, (_, i) => i), (n) => JoinableQueue.offer(queue, n))
          expect(yield* JoinableQueue.size(queue)).toBe(1000)
        }
      }))

    it.effect.each(
      [
        ["offer", (q: any) => JoinableQueue.offer(q, 1)],
        ["take", (q: any) => JoinableQueue.take(q)],
        ["poll", (q: any) => JoinableQueue.poll(q)],
        ["taskDone", (q: any) => JoinableQueue.taskDone(q)],
        ["join", (q: any) => JoinableQueue.join(q)],
        ["unfinished", (q: any) => JoinableQueue.unfinished(q)],
        ["size", (q: any) => JoinableQueue.size(q)]
      ] as const
    )("%s of something that is not a JoinableQueue: dies naming the function", ([name, f]) =>
      Effect.gen(function*() {
        const defect = defectOf(yield* Effect.exit(f({ items: [] }) as Effect.Effect<unknown, unknown>))
        expect(defect).toBeInstanceOf(Thread.ThreadError)
        expect((defect as Thread.ThreadError).message).toBe(
          `JoinableQueue.${name} expects a JoinableQueue (got {"items":[]})`
        )
      }))
  })

  /**
   * The property: `k` workers take jobs from the queue, each job taking its
   * duration; `join` returns exactly when the last job is done. The
   * expectation comes from list scheduling (each job, in order, goes to the
   * worker that is free first), not from the queue. A capacity does not
   * change it: the producer refills the queue at the instant a worker takes.
   */
  const makespan = (durations: ReadonlyArray<number>, workers: number): number => {
    const free = Array.from({ length: workers }, () => 0)
    for (const duration of durations) {
      const i = free.indexOf(Math.min(...free))
      free[i] = free[i]! + duration
    }
    return Math.max(...free)
  }

  it("makespan (the property's expectation) is list scheduling", () => {
    expect(makespan([], 2)).toBe(0)
    expect(makespan([3, 1, 1, 1], 2)).toBe(3)
    expect(makespan([1, 1, 1, 1], 2)).toBe(2)
    expect(makespan([2, 5, 1], 1)).toBe(8)
  })

  it.effect.prop(
    "join returns when the last of the jobs taken by k workers is done, with or without a capacity",
    {
      durations: Schema.Array(Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 5 }))),
      workers: Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 4 })),
      capacity: Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 3 }))
    },
    ({ durations, workers, capacity }) =>
      Effect.gen(function*() {
        let unfinishedSeen = 0
        const program = Effect.gen(function*() {
          const queue = yield* JoinableQueue.make<number>(capacity === 0 ? {} : { capacity })
          const worker = Effect.gen(function*() {
            const seconds = yield* JoinableQueue.take(queue)
            yield* Effect.sleep(`${seconds} seconds`)
            yield* JoinableQueue.taskDone(queue)
            unfinishedSeen = Math.min(unfinishedSeen, yield* JoinableQueue.unfinished(queue))
          }).pipe(Effect.forever)
          for (let i = 0; i < workers; i++) yield* Thread.spawn(worker, { daemon: true })
          yield* Effect.forEach(durations, (seconds) => JoinableQueue.offer(queue, seconds))
          yield* JoinableQueue.join(queue)
          return yield* JoinableQueue.unfinished(queue)
        })
        const { exit, endedAt } = yield* runVirtual(Threading.main(program), "1 minute")
        expect(exit).toStrictEqual(Exit.succeed(0))
        expect(endedAt).toBe(makespan(durations, workers) * 1000)
        expect(unfinishedSeen).toBe(0) // never below zero
      }),
    { arbitrary: { runs: 60 } }
  )
})
