/**
 * Issue 18, "one validated boundary": every public entry refuses bad input —
 * as plain JavaScript callers pass it — with a `ThreadError` naming the
 * option or argument, before anything runs (a defect where the entry's type
 * has no error channel). Through the public API only; on TestClock, where a
 * horizon of 0 proves that the program ended without waiting for anything.
 */
import { describe, expect, it } from "@effect/vitest"
import { Cause, Config, Duration, Effect, Exit, Layer, Result, Schedule } from "effect"
import { JoinableQueue, Thread, Threading, ThreadingCluster } from "effect-threading"
import * as Readiness from "effect-threading/Readiness"
import { TestThreading } from "effect-threading/testing"
import { adjust, makeTestLogger, runVirtual } from "./utils.js"

/** Plain JavaScript: any value, typed as whatever the entry wants. */
const js = <T = any>(value: unknown): T => value as T

/** The refusal of `entry()` run as the main program: its message, and how many threads were alive after it. */
const refusal = (entry: () => Effect.Effect<unknown, Thread.ThreadError, Threading.Threading>) =>
  Effect.gen(function*() {
    const { exit } = yield* runVirtual(
      Threading.main(Effect.gen(function*() {
        const error = yield* Effect.flip(Effect.suspend(entry))
        return { message: error.message, active: yield* Threading.activeCount }
      })),
      0
    )
    return exit
  })

/** The `ThreadError` a death carries, as its message (`undefined` for any other exit). */
const defectOf = (exit: Exit.Exit<unknown, unknown> | undefined): string | undefined => {
  if (exit === undefined || Exit.isSuccess(exit)) return undefined
  const defect = Result.getOrUndefined(Cause.findDefect(exit.cause))
  return defect instanceof Thread.ThreadError ? defect.message : undefined
}

/** The defect of `entry()` run as the main program, on TestClock with no time passing. */
const death = (entry: () => Effect.Effect<unknown, unknown, Threading.Threading>) =>
  Effect.map(runVirtual(Threading.main(Effect.suspend(entry)), 0), ({ exit }) => defectOf(exit))

/** The defect of `Threading.main(program, options)` itself (the program must not run). */
const mainDeath = (options: unknown, program: unknown = Effect.void) =>
  Effect.gen(function*() {
    let ran = false
    const body = Effect.isEffect(program) ? Effect.andThen(Effect.sync(() => ran = true), program) : program
    const { exit } = yield* runVirtual(Threading.main(js(body), js(options)), 0)
    expect(ran).toBe(false)
    return defectOf(exit)
  })

const functionHint = "; pass the Effect itself, not a function: wrap a function as Effect.sync(f), an async one as " +
  "Effect.promise(f)"
const promiseHint = "; a Promise has already started: pass Effect.promise(() => makeThePromise()) instead"

/** `() => 1` is Python's `target=f`; a Promise is what an async function gives. */
const badTargets: ReadonlyArray<readonly [string, () => unknown, string]> = [
  ["a function", () => () => 1, `(got a function)${functionHint}`],
  ["undefined", () => undefined, "(got undefined)"],
  ["a number", () => 42, "(got 42)"],
  ["a Promise", () => Promise.resolve(1), `(got a Promise)${promiseHint}`]
]

/** The entries that start a thread from an effect, and the name of that argument. */
const starters: ReadonlyArray<
  readonly [string, string, (target: any) => Effect.Effect<unknown, Thread.ThreadError, Threading.Threading>]
> = [
  ["Thread.spawn", "target", (target) => Thread.spawn(target)],
  ["Thread.spawn", "target", (target) => Thread.spawn(target, { daemon: true })],
  ["Thread.daemon", "effect", (target) => Thread.daemon(target)],
  ["Thread.nonDaemon", "effect", (target) => Thread.nonDaemon(target, { name: "job" })],
  ["Thread.periodic", "effect", (target) => Thread.periodic(target, Schedule.spaced("1 second"))],
  ["Thread.timer", "effect", (target) => Thread.timer("1 second", target)],
  ["Thread.makeTimer", "effect", (target) => Thread.makeTimer("1 second", target)],
  ["Thread.singleton", "effect", (target) => Thread.singleton("job", target)]
]

describe("a target that is not an Effect", () => {
  for (const [label, target, got] of badTargets) {
    for (const [entry, argument, start] of starters) {
      it.effect(`${entry} refuses ${label}: the error names the argument, no thread starts, the program ends`, () =>
        Effect.gen(function*() {
          expect(yield* refusal(() => start(target()))).toEqual(
            Exit.succeed({ message: `${entry} expects an Effect as its ${argument} argument ${got}`, active: 1 })
          )
        }))
    }

    it.effect(`Thread.make dies with the ThreadError for ${label} (its error channel is never)`, () =>
      Effect.gen(function*() {
        expect(yield* death(() => Thread.make(js(target())))).toBe(
          `Thread.make expects an Effect as its target argument ${got}`
        )
      }))
  }

  it.effect("Threading.main dies, without running anything, when its program is not an Effect", () =>
    Effect.gen(function*() {
      expect(yield* mainDeath(undefined, () => 1)).toBe(
        `Threading.main expects an Effect as its program argument (got a function)${functionHint}`
      )
    }))

  it.effect("Thread.critical dies when given something that is not an Effect", () =>
    Effect.gen(function*() {
      expect(yield* death(() => Thread.critical(js(42)))).toBe("Thread.critical expects an Effect (got 42)")
    }))
})

describe("daemon must be a boolean", () => {
  for (const value of ["false", "no", 1]) {
    const got = typeof value === "string" ? `"${value}"` : String(value)
    const message = `invalid option daemon: expected a boolean (got ${got})`

    it.effect(`{ daemon: ${got} } is refused by spawn, periodic and timer, and starts nothing`, () =>
      Effect.gen(function*() {
        for (
          const start of [
            () => Thread.spawn(Effect.never, js({ daemon: value })),
            () => Thread.periodic(Effect.void, Schedule.spaced("1 second"), js({ daemon: value })),
            () => Thread.timer("1 second", Effect.void, js({ daemon: value }))
          ]
        ) {
          expect(yield* refusal(start)).toEqual(Exit.succeed({ message, active: 1 }))
        }
      }))

    it.effect(`{ daemon: ${got} }: Thread.make dies`, () =>
      Effect.gen(function*() {
        expect(yield* death(() => Thread.make(Effect.void, js({ daemon: value })))).toBe(message)
      }))
  }

  it.effect("Thread.setDaemon(t, \"yes\") is refused and the flag is left as it was", () =>
    Effect.gen(function*() {
      const { exit } = yield* runVirtual(
        Threading.main(Effect.gen(function*() {
          const t = yield* Thread.make(Effect.void)
          const error = yield* Effect.flip(Thread.setDaemon(t, js("yes")))
          const curried = yield* Effect.flip(t.pipe(Thread.setDaemon(js("yes"))))
          return [error.message, curried.message, t.daemon]
        })),
        0
      )
      const message = "Thread.setDaemon expects a boolean as its daemon argument (got \"yes\")"
      expect(exit).toEqual(Exit.succeed([message, message, false]))
    }))
})

describe("durations", () => {
  it.effect.each(["daemonGrace", "excepthookTimeout"] as const)(
    "%s: Infinity is refused (a bound that never elapses)",
    (name) =>
      Effect.gen(function*() {
        expect(yield* mainDeath({ [name]: "Infinity" })).toBe(
          `invalid option ${name}: expected a finite duration (got "Infinity")`
        )
      })
  )

  it.effect.each(
    [
      ["daemonGrace", { secs: 5 }, "{\"secs\":5}"],
      ["daemonGrace", {}, "{}"],
      ["mainGrace", {}, "{}"],
      ["excepthookTimeout", {}, "{}"],
      ["shutdownTimeout", { seconds: -1 }, "{\"seconds\":-1}"]
    ] as const
  )("%s: %j would be zero: Threading.main dies naming the option", ([name, value, got]) =>
    Effect.gen(function*() {
      expect(yield* mainDeath({ [name]: value })).toBe(
        `invalid option ${name}: expected an object of non-negative numbers among weeks, days, hours, minutes, ` +
          `seconds, milliseconds, microseconds and nanoseconds (got ${got})`
      )
    }))

  it.effect("daemonGrace: { seconds: 1 } is one second, not zero", () =>
    Effect.gen(function*() {
      const logger = makeTestLogger()
      const { endedAt } = yield* runVirtual(
        Threading.main(
          Thread.daemon(Effect.never.pipe(Effect.ensuring(Effect.sleep("1 hour"))), { name: "stuck" }),
          { daemonGrace: { seconds: 1 } }
        ).pipe(logger.withLogger)
      )
      expect(endedAt).toBe(1000)
      expect(logger.entries[0]?.message).toBe("daemonGrace (1s) elapsed; threads still running at exit: stuck")
    }))

  it.effect("\"30 days\" is honoured (Effect 4's Clock sleeps past a timer's limit in steps): shutdownTimeout", () =>
    Effect.gen(function*() {
      const days = (n: number) => Duration.toMillis(Duration.days(n))
      const logger = makeTestLogger()
      const { endedAt } = yield* runVirtual(
        Threading.main(Thread.spawn(Effect.sleep("40 days")), { shutdownTimeout: "30 days" }).pipe(
          logger.withLogger
        ),
        "60 days"
      )
      expect(endedAt).toBe(days(30))
    }))

  it.effect("a [seconds, nanos] pair must be two non-negative numbers (a negative one would become zero)", () =>
    Effect.gen(function*() {
      const pair = "expected a non-negative [seconds, nanos] pair"
      expect(yield* mainDeath({ shutdownTimeout: [-1, 0] })).toBe(
        `invalid option shutdownTimeout: ${pair} (got [-1,0])`
      )
      expect(yield* mainDeath({ daemonGrace: [1, Number.NaN] })).toBe(
        `invalid option daemonGrace: ${pair} (got [1,NaN])`
      )
      expect(yield* mainDeath({ mainGrace: [1] })).toBe(`invalid option mainGrace: ${pair} (got [1])`)
    }))

  it.effect("a negative join timeout counts as zero; a non-duration is refused with the option's name", () =>
    Effect.gen(function*() {
      const { exit } = yield* runVirtual(
        Threading.main(Effect.gen(function*() {
          const t = yield* Thread.spawn(Effect.never, { daemon: true })
          yield* Thread.join(t, { timeout: -5 })
          const error = yield* Effect.flip(Thread.join(t, js({ timeout: { secs: 5 } })))
          return error.message
        })),
        0
      )
      expect(exit).toEqual(
        Exit.succeed(
          "invalid option timeout: expected an object of non-negative numbers among weeks, days, hours, minutes, " +
            "seconds, milliseconds, microseconds and nanoseconds (got {\"secs\":5})"
        )
      )
    }))
})

describe("unknown options and names", () => {
  it.effect("a near miss names the known option: shutdownTimeOut, deamon", () =>
    Effect.gen(function*() {
      expect(yield* mainDeath({ shutdownTimeOut: "1 second" })).toBe(
        "invalid option shutdownTimeOut: not an option of Threading.main (did you mean shutdownTimeout?)"
      )
      expect(yield* refusal(() => Thread.spawn(Effect.void, js({ deamon: true })))).toEqual(
        Exit.succeed({
          message: "invalid option deamon: not an option of Thread.spawn (did you mean daemon?)",
          active: 1
        })
      )
    }))

  it.effect("any other unknown key lists the entry's options", () =>
    Effect.gen(function*() {
      expect(yield* refusal(() => Thread.spawn(Effect.void, js({ target: Effect.void })))).toEqual(
        Exit.succeed({
          message: "invalid option target: not an option of Thread.spawn (its options: name, daemon, trace)",
          active: 1
        })
      )
      expect(yield* refusal(() => Thread.daemon(Effect.void, js({ daemon: false })))).toEqual(
        Exit.succeed({
          message: "invalid option daemon: not an option of Thread.daemon (its options: name)",
          active: 1
        })
      )
    }))

  it.effect("Threading.layer takes no layer option; its unknown keys kill the layer when built", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(Effect.provide(Effect.void, Threading.layer(js({ layer: Layer.empty }))))
      expect(defectOf(exit)).toBe(
        "invalid option layer: not an option of Threading.layer " +
          "(its options: shutdownTimeout, daemonGrace, mainGrace, excepthook, excepthookTimeout)"
      )
    }))

  it.effect("name: {} is refused (it is not \"[object Object]\")", () =>
    Effect.gen(function*() {
      expect(yield* refusal(() => Thread.spawn(Effect.void, js({ name: {} })))).toEqual(
        Exit.succeed({ message: "invalid option name: expected a string (got {})", active: 1 })
      )
    }))

  it.effect("each option's value is checked, the message naming it", () =>
    Effect.gen(function*() {
      const cases: ReadonlyArray<
        readonly [() => Effect.Effect<unknown, Thread.ThreadError, Threading.Threading>, string]
      > = [
        [
          () => Thread.spawn(Effect.void, js({ trace: "parent" })),
          "trace: expected \"link\" or \"child\" (got \"parent\")"
        ],
        [() => Thread.nonDaemon(Effect.void, js({ name: 5 })), "name: expected a string (got 5)"],
        [
          () => Thread.periodic(Effect.void, Schedule.forever, js({ stopOnError: "yes" })),
          "stopOnError: expected a boolean (got \"yes\")"
        ],
        [
          () => Thread.periodic(Effect.void, Schedule.forever, js({ immediate: 0 })),
          "immediate: expected a boolean (got 0)"
        ],
        [() => Thread.makeTimer(0, Effect.void, js({ name: null })), "name: expected a string (got null)"],
        [
          () => Thread.singleton("job", Effect.void, js({ shardGroup: 5 })),
          "shardGroup: expected a non-empty string (got 5)"
        ]
      ]
      for (const [start, message] of cases) {
        expect(yield* refusal(start)).toEqual(Exit.succeed({ message: `invalid option ${message}`, active: 1 }))
      }
    }))

  it.effect("any value is shown in the message, whatever it is (never a second error while saying the first)", () =>
    Effect.gen(function*() {
      const cyclic: Record<string, unknown> = {}
      cyclic.self = cyclic
      const hostile = new Proxy({}, {
        get: () => {
          throw new Error("get")
        },
        has: () => {
          throw new Error("has")
        },
        ownKeys: () => {
          throw new Error("ownKeys")
        },
        getPrototypeOf: () => {
          throw new Error("getPrototypeOf")
        }
      })
      const cases: ReadonlyArray<readonly [unknown, string]> = [
        [cyclic, "an object"],
        [hostile, "an object"],
        [new Map([[1, 2]]), "a Map"],
        [Symbol("x"), "Symbol(x)"],
        [BigInt(10), "10n"],
        ["x".repeat(200), `"${"x".repeat(78)}…`],
        [[1, "a", [null]], "[1,\"a\",[null]]"]
      ]
      for (const [value, got] of cases) {
        expect(yield* refusal(() => Thread.spawn(Effect.void, js({ daemon: value })))).toEqual(
          Exit.succeed({ message: `invalid option daemon: expected a boolean (got ${got})`, active: 1 })
        )
      }
    }))

  it.effect("options that are not an object: Thread.spawn(effect, \"worker\")", () =>
    Effect.gen(function*() {
      expect(yield* refusal(() => Thread.spawn(Effect.void, js("worker")))).toEqual(
        Exit.succeed({
          message:
            "invalid options of Thread.spawn: expected an object with some of name, daemon, trace (got \"worker\")",
          active: 1
        })
      )
    }))

  it.effect("main's layer option must be a Layer", () =>
    Effect.gen(function*() {
      expect(yield* mainDeath({ layer: {} })).toBe("invalid option layer: expected a Layer (got {})")
    }))
})

describe("arguments that must be Threads, Timers, Schedules", () => {
  it.effect("start, join, await and setDaemon fail; isAlive, interrupt and cancel die", () =>
    Effect.gen(function*() {
      const failures = yield* runVirtual(
        Threading.main(Effect.gen(function*() {
          const flip = (effect: Effect.Effect<unknown, Thread.ThreadError>) =>
            Effect.map(Effect.flip(effect), (error) => error.message)
          return [
            yield* flip(Thread.start(js(42))),
            yield* flip(Thread.join(js(42))),
            yield* flip(Thread.join(js(42), { timeout: "1 second" })),
            yield* flip(Thread.await(js({ name: "Thread-1" }))),
            yield* flip(Thread.setDaemon(js(42), true))
          ]
        })),
        0
      )
      expect(failures.exit).toEqual(Exit.succeed([
        "Thread.start expects a Thread (got 42)",
        "Thread.join expects a Thread (got 42)",
        "Thread.join expects a Thread (got 42)",
        "Thread.await expects a Thread (got {\"name\":\"Thread-1\"})",
        "Thread.setDaemon expects a Thread (got 42)"
      ]))
      expect(yield* death(() => Thread.isAlive(js(42)))).toBe("Thread.isAlive expects a Thread (got 42)")
      expect(yield* death(() => Thread.interrupt(js(undefined)))).toBe(
        "Thread.interrupt expects a Thread (got undefined)"
      )
      expect(yield* death(() => Thread.cancel(js(42)))).toBe("Thread.cancel expects a Timer (got 42)")
    }))

  it.effect("Thread.cancel of a thread that is not a Timer dies, showing the thread", () =>
    Effect.gen(function*() {
      const message = yield* death(() =>
        Effect.flatMap(Thread.spawn(Effect.void, { name: "worker" }), (t) => Thread.cancel(js(t)))
      )
      expect(message).toMatch(/^Thread\.cancel expects a Timer \(got <Thread\(worker, started \d+\)>\)$/)
    }))

  it.effect("periodic's schedule must be a Schedule; so must singleton's schedule option", () =>
    Effect.gen(function*() {
      expect(yield* refusal(() => Thread.periodic(Effect.void, js("1 second")))).toEqual(
        Exit.succeed({
          message: "Thread.periodic expects a Schedule as its schedule argument (got \"1 second\")",
          active: 1
        })
      )
      expect(yield* refusal(() => Thread.singleton("job", Effect.void, js({ schedule: "1 hour" })))).toEqual(
        Exit.succeed({ message: "invalid option schedule: expected a Schedule (got \"1 hour\")", active: 1 })
      )
    }))
})

describe("Threading.formatDump", () => {
  it("throws a ThreadError for what is not a ThreadDump, naming the field", () => {
    const thrown = (input: unknown) => {
      try {
        Threading.formatDump(js(input))
      } catch (error) {
        return error instanceof Thread.ThreadError ? error.message : `not a ThreadError: ${String(error)}`
      }
      return "nothing thrown"
    }
    expect(thrown(5)).toBe(
      "Threading.formatDump expects a ThreadDump, as Threading.dump gives: expected object (got 5)"
    )
    expect(thrown({
      takenAt: 0,
      threads: [{
        name: 42,
        daemon: false,
        main: true,
        ident: 1,
        ageMillis: 0,
        status: "running",
        spans: [],
        annotations: {}
      }]
    })).toBe(
      "Threading.formatDump expects a ThreadDump, as Threading.dump gives: threads[0].name: expected string (got 42)"
    )
  })

  it.effect("still formats what Threading.dump gives", () =>
    Effect.gen(function*() {
      const { exit } = yield* runVirtual(
        Threading.main(Effect.map(Threading.dump, (dump) => Threading.formatDump(dump).split("\n")[0])),
        0
      )
      expect(exit).toEqual(Exit.succeed("Thread dump (1 thread):"))
    }))
})

describe("ThreadingCluster", () => {
  /** The failure of providing `layer` to the main program. */
  const layerError = (layer: Layer.Layer<never, unknown, Threading.Threading>) =>
    Effect.gen(function*() {
      const { exit } = yield* runVirtual(Threading.main(Effect.provide(Effect.void, layer)), 0)
      if (exit === undefined || Exit.isSuccess(exit)) return "no failure"
      const error = Result.getOrUndefined(Cause.findError(exit.cause))
      return error instanceof Thread.ThreadError ? error.message : Cause.pretty(exit.cause)
    })

  it.effect("layer's options are checked, nested ones by their path", () =>
    Effect.gen(function*() {
      expect(yield* layerError(ThreadingCluster.layer(js({ storage: "postgress" })))).toBe(
        "invalid option storage: expected \"embedded\" or \"postgres\" (got \"postgress\")"
      )
      expect(yield* layerError(ThreadingCluster.layer(js({ storag: "embedded" })))).toBe(
        "invalid option storag: not an option of ThreadingCluster.layer (did you mean storage?)"
      )
      expect(
        yield* layerError(ThreadingCluster.layer({
          storage: "postgres",
          postgres: "postgres://app@127.0.0.1:1/app",
          runnerAddress: { host: "127.0.0.1", port: 70000 }
        }))
      ).toBe("invalid option runnerAddress.port: expected a value between 0 and 65535 (got 70000)")
      expect(
        yield* layerError(ThreadingCluster.layer(js({
          storage: "postgres",
          postgres: "postgres://app@127.0.0.1:1/app",
          runnerAddress: { hots: "127.0.0.1", port: 1 }
        })))
      ).toBe("invalid option runnerAddress.hots: not an option of ThreadingCluster.layer (did you mean host?)")
    }))

  it.effect("layerFrom needs a Layer, layerConfig a Config", () =>
    Effect.gen(function*() {
      expect(yield* layerError(ThreadingCluster.layerFrom(js(42)))).toBe(
        "ThreadingCluster.layerFrom expects a Layer (got 42)"
      )
      expect(yield* layerError(ThreadingCluster.layerConfig(js({ storage: "embedded" })))).toBe(
        "ThreadingCluster.layerConfig expects a Config (got {\"storage\":\"embedded\"})"
      )
      // A Config that gives bad options: refused as layer's are.
      expect(
        yield* layerError(ThreadingCluster.layerConfig(Config.succeed(js({ storage: "redis" }))))
      ).toBe("invalid option storage: expected \"embedded\" or \"postgres\" (got \"redis\")")
    }))
  it.effect("fenced's write must be an Effect: a defect naming it (fenced has no ThreadError channel)", () =>
    Effect.gen(function*() {
      expect(yield* death(() => ThreadingCluster.fenced(js(42)) as Effect.Effect<unknown>)).toBe(
        "ThreadingCluster.fenced expects an Effect as its write argument (got 42)"
      )
    }))
})

describe("the modules added since: the same reading of options (known keys, near misses, the same messages)", () => {
  /** The `ThreadError` an effect dies with, as its message. */
  const diesWith = (effect: Effect.Effect<unknown, unknown>) => Effect.map(Effect.exit(effect), defectOf)

  it.effect("JoinableQueue.make, Readiness.nodeHandler, TestThreading.run: an unknown key is refused, its near miss named", () =>
    Effect.gen(function*() {
      expect(yield* diesWith(JoinableQueue.make(js({ capcity: 2 })))).toBe(
        "invalid option capcity: not an option of JoinableQueue.make (did you mean capacity?)"
      )
      expect(yield* diesWith(JoinableQueue.make(js(2)))).toBe(
        "invalid options of JoinableQueue.make: expected an object with some of capacity (got 2)"
      )
      expect(
        yield* diesWith(Effect.provide(Readiness.nodeHandler(js({ readypath: "/r" })), Threading.layer()))
      ).toBe("invalid option readypath: not an option of Readiness.nodeHandler (did you mean readyPath?)")
      expect(yield* diesWith(TestThreading.run(Effect.void, js({ horizn: "1 second" })))).toBe(
        "invalid option horizn: not an option of TestThreading.run (did you mean horizon?)"
      )
      // main's options, handed on by TestThreading.run, are read as main reads them.
      expect(yield* diesWith(TestThreading.run(Effect.void, js({ deamonGrace: 1 })))).toBe(
        "invalid option deamonGrace: not an option of TestThreading.run (did you mean daemonGrace?)"
      )
    }))
})

describe("valid input still runs (the checks refuse nothing they should not)", () => {
  it.effect("options given by a class's getters are read (TypeScript takes such an object as MakeOptions)", () =>
    Effect.gen(function*() {
      class Options {
        get name() {
          return "from-class"
        }
        get daemon() {
          return true
        }
      }
      const { exit } = yield* runVirtual(
        Threading.main(Effect.map(Thread.spawn(Effect.never, new Options()), (t) => [t.name, t.daemon])),
        0
      )
      expect(exit).toEqual(Exit.succeed(["from-class", true]))
    }))

  it.effect("every option of spawn, periodic, timer and join, and a Duration object", () =>
    Effect.gen(function*() {
      const { exit } = yield* runVirtual(
        Threading.main(
          Effect.gen(function*() {
            const a = yield* Thread.spawn(Effect.sleep("100 millis"), { name: "a", daemon: false, trace: "child" })
            const b = yield* Thread.periodic(Effect.void, Schedule.recurs(1), {
              name: "b",
              daemon: false,
              trace: "link",
              stopOnError: true,
              immediate: false
            })
            const c = yield* Thread.timer({ milliseconds: 10 }, Effect.succeed(3), { name: undefined })
            yield* Thread.join(a, { timeout: undefined }) // no timeout: waits until it has ended
            const aliveAfterJoin = yield* Thread.isAlive(a)
            yield* Thread.join(b, { timeout: Duration.infinity })
            yield* Thread.join(c, { timeout: [1, 0] })
            return [a.name, b.name, c.name, Duration.toMillis(c.interval), aliveAfterJoin]
          }),
          { shutdownTimeout: "Infinity", daemonGrace: { seconds: 2 }, mainGrace: undefined, excepthook: undefined }
        ),
        "1 second"
      )
      expect(exit).toEqual(Exit.succeed(["a", "b", "Thread-1", 10, false]))
      yield* adjust(0)
    }))
})
