/**
 * Thread.singleton on the embedded default (one in-process runner, in-memory
 * storage, no server): the singleton is a daemon thread like any other on its
 * owner. Real clock: the cluster's own loops run on it.
 */
import { Cause, Console, Deferred, Effect, Exit, Layer, Schedule } from "effect"
import { Thread, Threading, ThreadingCluster } from "effect-threading"
import { describe, expect, it } from "vitest"

/** Runs `program` as a main thread, recording events and the excepthook's calls. */
const run = async <A, E>(
  program: (record: (event: string) => Effect.Effect<void>) => Effect.Effect<A, E, Threading.Threading>,
  options: Omit<Threading.MainOptions<never, unknown>, "excepthook"> = {}
) => {
  const events: Array<string> = []
  const hooked: Array<string> = []
  const record = (event: string) => Effect.sync(() => void events.push(event))
  const excepthook = (thread: Thread.Thread, cause: Cause.Cause<unknown>) =>
    Effect.sync(() =>
      void hooked.push(
        `${thread.name}${Thread.isSingleton(thread) ? " (singleton)" : ""}: ${String(Cause.squash(cause))}`
      )
    )
  const exit = await Effect.runPromiseExit(Threading.main(program(record), { ...options, excepthook }))
  return { exit, events, hooked }
}

describe("Thread.singleton, embedded default", () => {
  it("runs with no cluster layer, as a daemon thread flagged singleton that enumerate lists", async () => {
    let listed: Array<unknown> = []
    let repr: Array<string> = []
    const { events, exit } = await run((record) =>
      Effect.gen(function*() {
        const started = yield* Deferred.make<void>()
        yield* Thread.singleton(
          "leader",
          Deferred.succeed(started, undefined).pipe(Effect.andThen(Effect.never))
        )
        yield* Deferred.await(started)
        const threads = yield* Threading.enumerate
        listed = threads.map((t) => t.toJSON())
        repr = threads.map(String)
        const me = threads.find(Thread.isSingleton)!
        yield* record(`${me.name} daemon=${me.daemon} singleton=${me.singleton} group=${me.shardGroup}`)
      })
    )
    expect(exit).toEqual(Exit.void)
    expect(events).toEqual(["leader daemon=true singleton=true group=default"])
    expect(listed).toMatchObject([
      { _id: "Thread", name: "MainThread", daemon: false },
      { _id: "Singleton", name: "leader", daemon: true, status: "started", singleton: true, shardGroup: "default" }
    ])
    expect(repr[1]).toMatch(/^<Singleton\(leader, started daemon \d+\)>$/)
  }, 20_000)

  it(
    "the current thread inside it is the singleton; its finalizer runs in step (c), after the atExit hooks",
    async () => {
      const { events, exit } = await run((record) =>
        Effect.gen(function*() {
          const started = yield* Deferred.make<void>()
          yield* Thread.singleton(
            "janitor",
            Effect.gen(function*() {
              const me = yield* Thread.current
              yield* record(`start in ${me.name} (singleton=${Thread.isSingleton(me)})`)
              yield* Deferred.succeed(started, undefined)
              return yield* Effect.never
            }).pipe(Effect.ensuring(record("finalizer")))
          )
          yield* Threading.atExit(record("atExit"))
          yield* Deferred.await(started)
          yield* record("main ends")
        })
      )
      expect(exit).toEqual(Exit.void)
      expect(events).toEqual(["start in janitor (singleton=true)", "main ends", "atExit", "finalizer"])
    },
    20_000
  )

  it("a failure goes to the excepthook and the program goes on; the thread is not restarted here", async () => {
    const { events, exit, hooked } = await run((record) =>
      Effect.gen(function*() {
        yield* Thread.singleton("flaky", record("run").pipe(Effect.andThen(Effect.fail("boom"))))
        yield* Effect.sleep("1 second")
        yield* record(`alive: ${(yield* Threading.enumerate).map((t) => t.name).join(", ")}`)
      })
    )
    expect(exit).toEqual(Exit.void)
    expect(events).toEqual(["run", "alive: MainThread"])
    expect(hooked).toEqual(["flaky (singleton): boom"])
  }, 20_000)

  it("with a schedule: a cluster-wide periodic; a failed run is reported and the schedule goes on", async () => {
    let n = 0
    const { events, exit, hooked } = await run((record) =>
      Effect.gen(function*() {
        const step = Effect.suspend(() => ++n === 2 ? Effect.fail(`run ${n} failed`) : record(`run ${n}`))
        yield* Thread.singleton("sweeper", step, { schedule: Schedule.spaced("100 millis") })
        yield* Effect.sleep("1 second")
      })
    )
    expect(exit).toEqual(Exit.void)
    expect(events.slice(0, 3)).toEqual(["run 1", "run 3", "run 4"])
    expect(hooked).toEqual(["sweeper (singleton): run 2 failed"])
  }, 20_000)

  it(
    "a schedule with immediate: false waits its first delay; stopOnError ends the thread at the first failure",
    async () => {
      const { events, hooked } = await run((record) =>
        Effect.gen(function*() {
          const t0 = Date.now()
          yield* Thread.singleton(
            "cron",
            Effect.suspend(() => record(`cron after ${Date.now() - t0 >= 250 ? ">=" : "<"}250ms`)),
            { schedule: Schedule.spaced("300 millis"), immediate: false }
          )
          yield* Thread.singleton("strict", Effect.fail("stop"), {
            schedule: Schedule.spaced("50 millis"),
            stopOnError: true
          })
          yield* Effect.sleep("500 millis")
        })
      )
      expect(events[0]).toBe("cron after >=250ms")
      expect(hooked).toEqual(["strict (singleton): stop"])
    },
    20_000
  )

  it("Thread.critical: a section in progress at shutdown completes before the singleton stops", async () => {
    const { events } = await run((record) =>
      Effect.gen(function*() {
        const inSection = yield* Deferred.make<void>()
        yield* Thread.singleton(
          "writer",
          Thread.critical(
            Deferred.succeed(inSection, undefined).pipe(
              Effect.andThen(Effect.sleep("300 millis")),
              Effect.andThen(record("write committed"))
            )
          ).pipe(Effect.andThen(Effect.never), Effect.ensuring(record("finalizer")))
        )
        yield* Deferred.await(inSection)
        yield* record("main ends")
      })
    )
    expect(events).toEqual(["main ends", "write committed", "finalizer"])
  }, 20_000)

  it("a finalizer that outlives daemonGrace is left behind with a warning; the program still ends", async () => {
    const started = Date.now()
    const lines: Array<string> = []
    const console = {
      ...globalThis.console,
      error: (...args: ReadonlyArray<unknown>) => void lines.push(args.join(" "))
    } as unknown as Console.Console
    const program = Effect.gen(function*() {
      const up = yield* Deferred.make<void>()
      yield* Thread.singleton(
        "stuck",
        Deferred.succeed(up, undefined).pipe(
          Effect.andThen(Effect.never),
          Effect.ensuring(Effect.sleep("1 minute"))
        )
      )
      yield* Deferred.await(up)
    })
    const exit = await Effect.runPromiseExit(
      Threading.main(program, { daemonGrace: "300 millis" }).pipe(Effect.provideService(Console.Console, console))
    )
    expect(exit).toEqual(Exit.void)
    expect(Date.now() - started).toBeLessThan(10_000)
    expect(lines.join("\n")).toMatch(/daemonGrace \(.+\) elapsed; threads still running at exit: .*stuck/)
  }, 20_000)

  it("the first singletons, registered concurrently, share one embedded cluster", async () => {
    const { events, exit } = await run((record) =>
      Effect.gen(function*() {
        const latches = yield* Effect.all(Array.from({ length: 5 }, () => Deferred.make<void>()))
        yield* Effect.all(
          latches.map((latch, i) =>
            Thread.singleton(`s${i}`, record(`s${i}`).pipe(Effect.andThen(Deferred.succeed(latch, undefined))))
          ),
          { concurrency: "unbounded" }
        )
        yield* Effect.all(latches.map(Deferred.await))
      })
    )
    expect(exit).toEqual(Exit.void)
    expect(events.sort()).toEqual(["s0", "s1", "s2", "s3", "s4"])
  }, 20_000)

  it("a name registers once per instance, must not be empty, and needs a shard group of the cluster", async () => {
    const errors: Array<string> = []
    const { exit } = await run(() =>
      Effect.gen(function*() {
        yield* Thread.singleton("once", Effect.never)
        errors.push((yield* Effect.flip(Thread.singleton("once", Effect.never))).message)
        errors.push((yield* Effect.flip(Thread.singleton("", Effect.never))).message)
        // A shard group the cluster does not have: it would never run.
        errors.push((yield* Effect.flip(Thread.singleton("once", Effect.never, { shardGroup: "other" }))).message)
      })
    )
    expect(exit).toEqual(Exit.void)
    expect(errors).toEqual([
      "singleton once is already registered in shard group default",
      "Thread.singleton needs a non-empty name (the same on every runner)",
      "shard group other of singleton once is not one of the cluster's availableShardGroups (default): it would never run"
    ])
  }, 20_000)

  it("fails at shutdown: a daemon's finalizer in step (c) cannot register one", async () => {
    const { events } = await run((record) =>
      Thread.daemon(
        Effect.never.pipe(Effect.ensuring(
          Thread.singleton("late", Effect.never).pipe(
            Effect.catch((error) => record(error.message))
          )
        ))
      )
    )
    expect(events).toEqual(["can't create new thread at interpreter shutdown"])
  }, 20_000)
})

describe("ThreadingCluster.layer", () => {
  it("embedded with settings, as runMain's layer; the cluster outlives the main program until step (c)", async () => {
    const { events, exit } = await run(
      (record) =>
        Effect.gen(function*() {
          const started = yield* Deferred.make<void>()
          yield* Thread.singleton(
            "after-main",
            Deferred.succeed(started, undefined).pipe(
              Effect.andThen(Effect.sleep("200 millis")),
              Effect.andThen(record("still running after main")),
              Effect.andThen(Effect.never),
              Effect.ensuring(record("finalizer"))
            )
          )
          yield* Deferred.await(started)
          // A non-daemon thread holds the program open after main ends.
          yield* Thread.nonDaemon(Effect.sleep("500 millis").pipe(Effect.andThen(record("non-daemon done"))))
          yield* record("main ends")
        }),
      { layer: ThreadingCluster.layer({ storage: "embedded", shardingConfig: { shardsPerGroup: 10 } }) }
    )
    expect(exit).toEqual(Exit.void)
    expect(events).toEqual(["main ends", "still running after main", "non-daemon done", "finalizer"])
  }, 20_000)

  it(
    "a singleton in another shard group runs on a runner assigned that group; the same name is another singleton",
    async () => {
      const { events } = await run(
        (record) =>
          Effect.gen(function*() {
            const started = yield* Deferred.make<void>()
            const job = Effect.gen(function*() {
              const me = (yield* Thread.current) as Thread.Singleton
              yield* record(`${me.name} in ${me.shardGroup}`)
            })
            yield* Thread.singleton("job", job)
            yield* Thread.singleton("job", job.pipe(Effect.andThen(Deferred.succeed(started, undefined))), {
              shardGroup: "jobs"
            })
            yield* Deferred.await(started)
            yield* Effect.sleep("100 millis")
          }),
        {
          layer: ThreadingCluster.layer({
            shardingConfig: { availableShardGroups: ["default", "jobs"], assignedShardGroups: ["default", "jobs"] }
          })
        }
      )
      expect(events.sort()).toEqual(["job in default", "job in jobs"])
    },
    20_000
  )

  it("is attached once per instance: a second layer, or one after the embedded default started, fails", async () => {
    const errors: Array<string> = []
    await run(() =>
      Effect.gen(function*() {
        const twice = Effect.void.pipe(
          Effect.provide(ThreadingCluster.layer()),
          Effect.provide(Layer.fresh(ThreadingCluster.layer()))
        )
        errors.push((yield* Effect.flip(twice)).message)
      })
    )
    await run(() =>
      Effect.gen(function*() {
        yield* Thread.singleton("first", Effect.never)
        errors.push((yield* Effect.flip(Effect.provide(Effect.void, ThreadingCluster.layer()))).message)
      })
    )
    expect(errors).toHaveLength(2)
    for (const message of errors) expect(message).toMatch(/already has a cluster/)
  }, 20_000)

  it("each instance has its own embedded cluster: two instances each run the singleton", async () => {
    const events: Array<string> = []
    const instance = (name: string) =>
      Threading.main(Effect.gen(function*() {
        const started = yield* Deferred.make<void>()
        yield* Thread.singleton(
          "job",
          Effect.sync(() => events.push(`${name} runs job`)).pipe(
            Effect.andThen(Deferred.succeed(started, undefined)),
            Effect.andThen(Effect.never)
          )
        )
        yield* Deferred.await(started)
      }))
    await Effect.runPromise(Effect.all([instance("a"), instance("b")], { concurrency: 2 }))
    expect(events.sort()).toEqual(["a runs job", "b runs job"])
  }, 20_000)
})
