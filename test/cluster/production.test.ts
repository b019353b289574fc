/**
 * Issue 22 on the embedded default (one in-process runner): fencing tokens,
 * the ownership read, ownership logs and metrics, the dump's token, quiet
 * outages (TestClock) and the validation of what `Thread.singleton` and
 * `ThreadingCluster.layer` are handed. What depends on PostgreSQL and real
 * processes (tokens across runners, a frozen owner stopped): fencing.test.ts.
 */
import { it } from "@effect/vitest"
import { Cause, Clock, Deferred, Effect, Exit, Metric, References, Schedule } from "effect"
import { Thread, Threading, ThreadingCluster } from "effect-threading"
import { SqlClient } from "effect/sql/SqlClient"
import { describe, expect } from "vitest"
import { adjust, disarmTestClockWarning, makeEvents, makeTestLogger } from "../utils.js"

/** `fenced` needs a `SqlClient` in its context; the embedded default checks the token in memory and never uses it. */
const noSql = Effect.provideService(SqlClient, {} as SqlClient)

describe("fencing token and ownership, embedded default", () => {
  it.live(
    "the token of the first period is 1, on the thread, in fencingToken, the dump and owners",
    () =>
      Effect.gen(function*() {
        const seen: Array<unknown> = []
        yield* Threading.main(Effect.gen(function*() {
          const ready = yield* Deferred.make<void>()
          yield* Thread.singleton(
            "janitor",
            Effect.gen(function*() {
              const token = yield* ThreadingCluster.fencingToken
              const me = (yield* Thread.current) as Thread.Singleton
              const dump = yield* Threading.dump
              const info = dump.threads.find((t) => t.name === "janitor")
              seen.push(
                token,
                me.fencingToken,
                info?.fencingToken,
                Threading.formatDump(dump).includes("fencingToken=1")
              )
              // The main thread has none.
              seen.push(dump.threads.find((t) => t.main)?.fencingToken)
              yield* Deferred.succeed(ready, undefined)
              return yield* Effect.never
            })
          )
          yield* Deferred.await(ready)
          const owners = yield* ThreadingCluster.owners
          seen.push(owners.map((o) => ({ ...o, since: typeof o.since.getTime() })))
        }))
        expect(seen).toEqual([
          BigInt(1),
          BigInt(1),
          BigInt(1),
          true,
          undefined,
          [{
            name: "janitor",
            shardGroup: "default",
            runner: "embedded",
            since: "number",
            fencingToken: BigInt(1),
            status: "running"
          }]
        ])
      }),
    20_000
  )

  it.live(
    "outside a singleton's thread, fencingToken and fenced are defects naming themselves",
    () =>
      Effect.gen(function*() {
        const token = yield* Effect.exit(Threading.main(ThreadingCluster.fencingToken))
        const write = yield* Effect.exit(Threading.main(ThreadingCluster.fenced(Effect.void).pipe(noSql)))
        const exits: ReadonlyArray<readonly [Exit.Exit<unknown, unknown>, string]> = [[token, "fencingToken"], [
          write,
          "fenced"
        ]]
        for (const [exit, name] of exits) {
          expect(Exit.isFailure(exit)).toBe(true)
          expect(Cause.pretty((exit as Exit.Failure<unknown, unknown>).cause)).toContain(
            `ThreadingCluster.${name} runs only inside a singleton's thread (Thread.singleton)`
          )
        }
      }),
    20_000
  )

  it.live(
    "fenced runs the write while the token is the latest; owners is empty without a cluster",
    () =>
      Effect.gen(function*() {
        const events = makeEvents()
        yield* Threading.main(Effect.gen(function*() {
          expect(yield* ThreadingCluster.owners).toEqual([])
          const done = yield* Deferred.make<void>()
          yield* Thread.singleton(
            "writer",
            ThreadingCluster.fenced(events.record("written")).pipe(
              noSql,
              Effect.andThen(Deferred.succeed(done, undefined))
            )
          )
          yield* Deferred.await(done)
        }))
        expect(events.labels()).toEqual(["written"])
      }),
    20_000
  )

  it.live(
    "ownership changes are logged (Debug for the embedded default) and counted in threading.singleton.owned",
    () =>
      Effect.gen(function*() {
        const logger = makeTestLogger()
        const owned: Array<number | undefined> = []
        const gauge = () =>
          Effect.map(Metric.snapshot, (all) => {
            const point = all.find((m) =>
              m.id === "threading.singleton.owned" && m.attributes?.["singleton.name"] === "watched"
            )
            return point === undefined ? undefined : Number((point.state as { value: number | bigint }).value)
          })
        yield* Threading.main(Effect.gen(function*() {
          const ready = yield* Deferred.make<void>()
          yield* Thread.singleton("watched", Deferred.succeed(ready, undefined).pipe(Effect.andThen(Effect.never)))
          yield* Deferred.await(ready)
          owned.push(yield* gauge())
        })).pipe(
          logger.withLogger,
          Effect.provideService(References.MinimumLogLevel, "Debug"),
          Effect.provideService(Metric.MetricRegistry, new Map())
        )
        const lines = logger.entries.filter((e) => e.message.startsWith("singleton watched:"))
        expect(lines.map((e) => [e.level, e.message])).toEqual([
          ["Debug", "singleton watched: runs here now (runner embedded, fencing token 1)"],
          [
            "Debug",
            expect.stringMatching(
              /^singleton watched: no longer runs here: this runner is shutting down \(fencing token 1, ran .+\)$/
            )
          ]
        ])
        expect(lines[0]!.annotations).toMatchObject({ singleton: "watched", shardGroup: "default", fencingToken: "1" })
        expect(owned).toEqual([1])
      }),
    20_000
  )
})

describe("quiet outages (TestClock)", () => {
  /** A singleton whose runs fail while `down()` (its storage is unavailable), on `spaced(1 second)`. */
  const outage = (options: { readonly backoff?: Schedule.Schedule<unknown, unknown> | false }) =>
    Effect.gen(function*() {
      const events = makeEvents()
      const logger = makeTestLogger()
      const hooked: Array<string> = []
      let down = false
      const run = Effect.suspend(() =>
        down ? Effect.andThen(events.record("failed"), Effect.fail("ECONNREFUSED")) : events.record("ok")
      )
      yield* disarmTestClockWarning
      const t0 = yield* Clock.currentTimeMillis
      yield* Threading.main(
        Effect.gen(function*() {
          yield* Thread.singleton("billing-sweep", run, { schedule: Schedule.spaced("1 second"), ...options })
          yield* adjust("1500 millis") // ok at 0 and 1 s
          down = true
          yield* adjust("20 seconds") // the outage
          down = false
          yield* adjust("40 seconds")
        }),
        {
          excepthook: (thread, cause) => Effect.sync(() => void hooked.push(`${thread.name}: ${Cause.squash(cause)}`))
        }
      ).pipe(logger.withLogger)
      /** When each run failed, in milliseconds after the start. */
      const failed = events.events.filter(([, label]) => label === "failed").map(([t]) => t - t0)
      const oks = events.events.filter(([, label]) => label === "ok").map(([t]) => t - t0)
      return { failed, oks, logger, hooked }
    })

  it.effect(
    "by default: one report for the outage, attempts backing off, one line at its end",
    () =>
      Effect.gen(function*() {
        const { failed, hooked, logger, oks: allOks } = yield* outage({})
        // Failing from 2 s: each next attempt waits max(1 s, backoff 500 ms doubling): 1, 1, 2, 4, 8 s ...
        expect(failed.slice(0, 5)).toEqual([2000, 3000, 4000, 6000, 10000])
        expect(hooked).toEqual(["billing-sweep: ECONNREFUSED"])
        const ends = logger.messages().filter((m) => /recovered|outage/.test(m))
        expect(ends).toHaveLength(1)
        expect(ends[0]).toMatch(
          new RegExp(
            `^Thread billing-sweep recovered after ${failed.length} failed runs in \\d+s.* \\(the first one was reported; last error: .*ECONNREFUSED`
          )
        )
        // Back to the schedule after the outage: one run per second.
        const oks = allOks.filter((t) => t > 30_000)
        expect(oks.slice(1, 4).map((t, i) => t - oks[i]!)).toEqual([1000, 1000, 1000])
      }),
    30_000
  )

  it.effect(
    "a backoff of one's own; backoff: false reports every failure on the schedule",
    () =>
      Effect.gen(function*() {
        const slow = yield* outage({ backoff: Schedule.spaced("5 seconds") })
        expect(slow.failed.slice(0, 4)).toEqual([2000, 7000, 12000, 17000])
        expect(slow.hooked).toHaveLength(1)

        const loud = yield* outage({ backoff: false })
        expect(loud.failed.slice(0, 3)).toEqual([2000, 3000, 4000])
        expect(loud.hooked).toHaveLength(loud.failed.length)
        expect(loud.logger.messages().filter((m) => /recovered/.test(m))).toEqual([])
      }),
    30_000
  )
})

describe("what Thread.singleton and ThreadingCluster.layer are handed", () => {
  const refusal = <A, E>(self: Effect.Effect<A, E, Threading.Threading>) =>
    Effect.map(Effect.flip(Threading.main(self)), (error) => (error as { message: string }).message)

  it.live(
    "Thread.singleton refuses bad input with a ThreadError naming it, before anything runs",
    () =>
      Effect.gen(function*() {
        const single = (...args: ReadonlyArray<unknown>) =>
          refusal(
            (Thread.singleton as unknown as (...args: ReadonlyArray<unknown>) => Effect.Effect<void, Error>)(...args)
          )
        expect(yield* single("x", () => 1)).toBe(
          "Thread.singleton expects an Effect as its effect argument (got a function); pass the Effect itself, not a " +
            "function: wrap a function as Effect.sync(f), an async one as Effect.promise(f)"
        )
        expect(yield* single("x", Effect.void, { shedule: Schedule.spaced(1) })).toBe(
          "invalid option shedule: not an option of Thread.singleton (did you mean schedule?)"
        )
        expect(yield* single("x", Effect.void, { immediate: "false" })).toBe(
          "invalid option immediate: expected a boolean (got \"false\")"
        )
        expect(yield* single("x", Effect.void, { schedule: "1 hour" })).toBe(
          "invalid option schedule: expected a Schedule (got \"1 hour\")"
        )
        expect(yield* single("x", Effect.void, { backoff: 5 })).toBe(
          "invalid option backoff: expected a Schedule or false (got 5)"
        )
        expect(yield* single("x", Effect.void, { shardGroup: "" })).toBe(
          "invalid option shardGroup: expected a non-empty string (got \"\")"
        )
        expect(yield* single(7, Effect.void)).toBe("Thread.singleton needs a non-empty name (the same on every runner)")
      }),
    20_000
  )

  it.live("ThreadingCluster.layer refuses bad options when it is built", () =>
    Effect.gen(function*() {
      const layer = (options: unknown) =>
        refusal(Effect.provide(Effect.void, ThreadingCluster.layer(options as ThreadingCluster.Options)))
      expect(yield* layer({ storage: "postgress" })).toBe(
        "invalid option storage: expected \"embedded\" or \"postgres\" (got \"postgress\")"
      )
      expect(yield* layer({ shardingconfig: {} })).toBe(
        "invalid option shardingconfig: not an option of ThreadingCluster.layer (did you mean shardingConfig?)"
      )
      const postgres = { storage: "postgres", postgres: "postgres://x@127.0.0.1/x" }
      expect(yield* layer({ ...postgres, runnerAddress: { host: "127.0.0.1", port: "34431" } })).toBe(
        "invalid option runnerAddress.port: expected number (got \"34431\")"
      )
      expect(yield* layer({ ...postgres, runnerAddress: { host: "127.0.0.1", port: 1 }, settle: -1 })).toBe(
        "invalid option settle: expected a non-negative duration (got -1)"
      )
      expect(yield* layer({ storage: "postgres", runnerAddress: { host: "h", port: 1 } })).toMatch(
        /^invalid option postgres: /
      )
    }), 20_000)
})
