import { describe, expect, it } from "@effect/vitest"
import { Cause, Deferred, Effect, Exit, Fiber, Option, TestClock } from "effect"
import { Thread, Threading } from "effect-threading"
import { makeEvents, makeTestConsole, runVirtual } from "./utils.js"

/** Runs `program` as a main thread on TestClock; returns its exit. */
const runMain = <A, E>(program: Effect.Effect<A, E, Threading.Threading>, options?: Threading.Options) =>
  Effect.map(runVirtual(Threading.main(program, options)), ({ exit }) => exit!)

const failureOf = <A, E>(exit: Exit.Exit<A, E>) =>
  Exit.isFailure(exit) ? Option.getOrUndefined(Cause.failureOption(exit.cause)) : undefined

describe("Thread.make", () => {
  it.effect("names threads Thread-N, counting from 1 in each instance", () =>
    Effect.gen(function*() {
      const names = Effect.gen(function*() {
        const a = yield* Thread.make(Effect.void)
        const b = yield* Thread.make(Effect.void, { name: "worker" })
        const c = yield* Thread.make(Effect.void)
        return [a.name, b.name, c.name]
      })
      expect(yield* Threading.main(names)).toEqual(["Thread-1", "worker", "Thread-2"])
      expect(yield* Threading.main(names)).toEqual(["Thread-1", "worker", "Thread-2"])
    }))

  it.effect("creates an unstarted thread with no ident", () =>
    Effect.gen(function*() {
      const t = yield* Threading.main(Thread.make(Effect.void, { daemon: true }))
      expect(t.ident).toBeUndefined()
      expect(t.toString()).toBe("<Thread(Thread-1, initial daemon)>")
      expect(yield* Thread.isAlive(t)).toBe(false)
      expect(Thread.isThread(t)).toBe(true)
      expect(Thread.isThread({ name: "Thread-1" })).toBe(false)
    }))

  it.effect("daemon defaults to the creating thread's flag", () =>
    Effect.gen(function*() {
      const flags = yield* Threading.main(Effect.gen(function*() {
        const fromMain = yield* Thread.make(Effect.void)
        const inner = yield* Deferred.make<ReadonlyArray<boolean>>()
        yield* Thread.spawn(
          Effect.gen(function*() {
            const child = yield* Thread.make(Effect.void)
            const explicit = yield* Thread.make(Effect.void, { daemon: false })
            yield* Deferred.succeed(inner, [child.daemon, explicit.daemon])
          }),
          { daemon: true }
        )
        return [fromMain.daemon, ...(yield* Deferred.await(inner))]
      }))
      expect(flags).toEqual([false, true, false])
    }))

  it.effect("captures the target's context at creation", () =>
    Effect.gen(function*() {
      class Greeting extends Effect.Tag("Greeting")<Greeting, string>() {}
      const exit = yield* runMain(Effect.gen(function*() {
        const t = yield* Thread.make(Greeting).pipe(Effect.provideService(Greeting, "hello"))
        yield* Thread.start(t)
        return yield* Thread.await(t)
      }))
      expect(exit).toEqual(Exit.succeed(Exit.succeed("hello")))
    }))
})

describe("Thread.start", () => {
  it.effect("runs the target in a new thread with a unique positive ident", () =>
    Effect.gen(function*() {
      const [a, b, main] = yield* Threading.main(Effect.gen(function*() {
        const a = yield* Thread.spawn(Effect.void)
        const b = yield* Thread.spawn(Effect.void)
        yield* Thread.join(a)
        yield* Thread.join(b)
        return [a, b, yield* Threading.mainThread] as const
      }))
      for (const t of [a, b, main]) {
        expect(Number.isInteger(t.ident)).toBe(true)
        expect(t.ident).toBeGreaterThan(0)
      }
      expect(new Set([a.ident, b.ident, main.ident]).size).toBe(3)
    }))

  it.effect("fails with Python's message when started twice", () =>
    Effect.gen(function*() {
      const exit = yield* runMain(Effect.gen(function*() {
        const t = yield* Thread.make(Effect.void)
        yield* Thread.start(t)
        return yield* Thread.start(t)
      }))
      const error = failureOf(exit)
      expect(error).toBeInstanceOf(Thread.ThreadError)
      expect(error?._tag).toBe("ThreadError")
      expect(error?.message).toBe("threads can only be started once")
    }))

  it.effect("a started thread outlives the fiber that started it", () =>
    Effect.gen(function*() {
      const { record, timeOf } = makeEvents()
      const { endedAt } = yield* runVirtual(Threading.main(Effect.gen(function*() {
        const started = yield* Deferred.make<void>()
        const starter = yield* Effect.fork(
          Thread.spawn(Effect.sleep("3 seconds").pipe(Effect.zipRight(record("thread done")))).pipe(
            Effect.zipRight(Deferred.succeed(started, undefined)),
            Effect.zipRight(Effect.never)
          )
        )
        yield* Deferred.await(started)
        yield* Fiber.interrupt(starter) // the starting fiber ends; the thread goes on
        yield* record("starter gone")
      })))
      expect(timeOf("starter gone")).toBe(0)
      expect(timeOf("thread done")).toBe(3000)
      expect(endedAt).toBe(3000)
    }))

  it.effect("fails with Python's message once shutdown has begun stopping daemons", () =>
    Effect.gen(function*() {
      const result = yield* Deferred.make<Exit.Exit<unknown, Thread.ThreadError>>()
      yield* Threading.main(
        Thread.spawn(
          Effect.never.pipe(
            Effect.onInterrupt(() =>
              Effect.exit(Thread.spawn(Effect.void)).pipe(Effect.flatMap((e) => Deferred.succeed(result, e)))
            )
          ),
          { daemon: true }
        )
      )
      const exit = yield* Deferred.await(result)
      expect(failureOf(exit)?.message).toBe("can't create new thread at interpreter shutdown")
    }))
})

describe("Thread.setDaemon", () => {
  it.effect("sets the flag before start, data-first and data-last", () =>
    Effect.gen(function*() {
      const [a, b] = yield* Threading.main(Effect.gen(function*() {
        const a = yield* Thread.make(Effect.void)
        yield* Thread.setDaemon(a, true)
        const b = yield* Thread.make(Effect.void, { daemon: true })
        yield* b.pipe(Thread.setDaemon(false))
        return [a, b] as const
      }))
      expect(a.daemon).toBe(true)
      expect(b.daemon).toBe(false)
    }))

  it.effect("fails with Python's message once started", () =>
    Effect.gen(function*() {
      const exit = yield* runMain(Effect.gen(function*() {
        const t = yield* Thread.spawn(Effect.sleep("1 second"))
        return yield* Thread.setDaemon(t, true)
      }))
      expect(failureOf(exit)?.message).toBe("cannot set daemon status of active thread")
    }))
})

describe("Thread.join", () => {
  it.effect("waits for the thread to end", () =>
    Effect.gen(function*() {
      const { record, labels, timeOf } = makeEvents()
      yield* runVirtual(Threading.main(Effect.gen(function*() {
        const t = yield* Thread.spawn(Effect.sleep("2 seconds").pipe(Effect.zipRight(record("thread"))))
        yield* Thread.join(t)
        yield* record("joined")
      })))
      expect(labels()).toEqual(["thread", "joined"])
      expect(timeOf("joined")).toBe(2000)
    }))

  it.effect("returns at the timeout when the thread is still running, and isAlive tells", () =>
    Effect.gen(function*() {
      const { record, timeOf } = makeEvents()
      const { exit } = yield* runVirtual(Threading.main(Effect.gen(function*() {
        const t = yield* Thread.spawn(Effect.sleep("10 seconds"))
        yield* Thread.join(t, { timeout: "3 seconds" })
        yield* record("joined")
        const alive = yield* Thread.isAlive(t)
        yield* Thread.join(t, { timeout: -5 }) // negative counts as zero, as in Python
        return alive
      })))
      expect(exit).toEqual(Exit.succeed(true))
      expect(timeOf("joined")).toBe(3000)
    }))

  it.effect("returns at the thread's end when it comes before the timeout", () =>
    Effect.gen(function*() {
      const { record, timeOf } = makeEvents()
      const { exit } = yield* runVirtual(Threading.main(Effect.gen(function*() {
        const t = yield* Thread.spawn(Effect.sleep("2 seconds"))
        yield* Thread.join(t, { timeout: "1 minute" })
        yield* record("joined")
        return yield* Thread.isAlive(t)
      })))
      expect(exit).toEqual(Exit.succeed(false))
      expect(timeOf("joined")).toBe(2000)
    }))

  it.effect("succeeds with void for a failed thread, as Python's join does", () =>
    Effect.gen(function*() {
      const { console } = makeTestConsole()
      const exit = yield* runMain(
        Effect.gen(function*() {
          const t = yield* Thread.spawn(Effect.fail("boom"))
          return yield* Thread.join(t)
        }).pipe(Effect.withConsole(console))
      )
      expect(exit).toEqual(Exit.void)
    }))

  it.effect("fails with Python's message before start", () =>
    Effect.gen(function*() {
      const exit = yield* runMain(Effect.flatMap(Thread.make(Effect.void), (t) => Thread.join(t)))
      expect(failureOf(exit)?.message).toBe("cannot join thread before it is started")
      const awaited = yield* runMain(Effect.flatMap(Thread.make(Effect.void), Thread.await))
      expect(failureOf(awaited)?.message).toBe("cannot join thread before it is started")
    }))

  it.effect("fails with Python's message when joining the current thread", () =>
    Effect.gen(function*() {
      const fromMain = yield* runMain(Effect.flatMap(Threading.mainThread, (t) => Thread.join(t)))
      expect(failureOf(fromMain)?.message).toBe("cannot join current thread")
      const result = yield* Deferred.make<Exit.Exit<void, Thread.ThreadError>>()
      yield* Threading.main(Thread.spawn(
        Effect.flatMap(Thread.current, (self) => Effect.exit(Thread.join(self))).pipe(
          Effect.flatMap((e) => Deferred.succeed(result, e))
        )
      ))
      expect(failureOf(yield* Deferred.await(result))?.message).toBe("cannot join current thread")
    }))

  it.effect("rejects a timeout that is not a duration", () =>
    Effect.gen(function*() {
      const exit = yield* runMain(Effect.gen(function*() {
        const t = yield* Thread.spawn(Effect.void)
        return yield* Thread.join(t, { timeout: Number.NaN })
      }))
      expect(failureOf(exit)?.message).toMatch(/invalid option timeout/)
    }))
})

describe("Thread.await", () => {
  it.effect("returns the thread's Exit: success, failure, interruption", () =>
    Effect.gen(function*() {
      const { console } = makeTestConsole()
      const exits = yield* Threading.main(
        Effect.gen(function*() {
          const ok = yield* Thread.spawn(Effect.succeed(1))
          const ko = yield* Thread.spawn(Effect.fail("boom"))
          const stopped = yield* Thread.spawn(Effect.never)
          yield* Thread.interrupt(stopped)
          return [yield* Thread.await(ok), yield* Thread.await(ko), yield* Thread.await(stopped)] as const
        }).pipe(Effect.withConsole(console))
      )
      expect(exits[0]).toEqual(Exit.succeed(1))
      expect(exits[1]).toEqual(Exit.fail("boom"))
      expect(Exit.isInterrupted(exits[2])).toBe(true)
    }))
})

describe("Thread.isAlive and toString", () => {
  it.effect("follows initial → started → stopped, with Python's repr", () =>
    Effect.gen(function*() {
      const reprs = yield* Threading.main(Effect.gen(function*() {
        const t = yield* Thread.make(Effect.sleep("1 second"), { daemon: true })
        const before = [t.toString(), yield* Thread.isAlive(t)] as const
        yield* Thread.start(t)
        const during = [t.toString(), yield* Thread.isAlive(t)] as const
        yield* Thread.join(t)
        const after = [t.toString(), yield* Thread.isAlive(t)] as const
        return { before, during, after, ident: t.ident }
      })).pipe(Effect.fork, Effect.tap(() => TestClock.adjust("1 second")), Effect.flatMap(Fiber.join))
      expect(reprs.before).toEqual(["<Thread(Thread-1, initial daemon)>", false])
      expect(reprs.during).toEqual([`<Thread(Thread-1, started daemon ${reprs.ident})>`, true])
      expect(reprs.after).toEqual([`<Thread(Thread-1, stopped daemon ${reprs.ident})>`, false])
    }))

  it.effect("the main thread is MainThread, not a daemon, alive while the program runs", () =>
    Effect.gen(function*() {
      const [main, alive, repr] = yield* Threading.main(Effect.gen(function*() {
        const main = yield* Threading.mainThread
        return [main, yield* Thread.isAlive(main), main.toString()] as const
      }))
      expect(main.name).toBe("MainThread")
      expect(main.daemon).toBe(false)
      expect(alive).toBe(true)
      expect(repr).toBe(`<Thread(MainThread, started ${main.ident})>`)
      expect(yield* Thread.isAlive(main)).toBe(false)
    }))
})

describe("Thread.interrupt", () => {
  it.effect("interrupts a running thread and waits for its finalizers", () =>
    Effect.gen(function*() {
      const { record, labels } = makeEvents()
      yield* runVirtual(Threading.main(Effect.gen(function*() {
        const running = yield* Deferred.make<void>()
        const t = yield* Thread.spawn(
          Deferred.succeed(running, undefined).pipe(
            Effect.zipRight(Effect.never),
            Effect.onInterrupt(() => Effect.sleep("1 second").pipe(Effect.zipRight(record("finalizer"))))
          )
        )
        yield* Deferred.await(running)
        yield* Thread.interrupt(t)
        yield* record(`interrupted, alive=${yield* Thread.isAlive(t)}`)
      })))
      expect(labels()).toEqual(["finalizer", "interrupted, alive=false"])
    }))

  it.effect.each([false, true])(
    "a thread interrupted before its first step leaves the registry; its target never runs (daemon: %s)",
    (daemon) =>
      Effect.gen(function*() {
        const { record, labels } = makeEvents()
        const exit = yield* runMain(Effect.gen(function*() {
          // Interrupted in the same step that started it: its body was only scheduled. (A
          // non-daemon that stayed in the registry would hold step (a) forever; a daemon
          // would only stay listed: that case fails fast.)
          const t = yield* Thread.spawn(record("target ran"), { name: "early", daemon })
          yield* Thread.interrupt(t)
          const exit = yield* Thread.await(t)
          return {
            interrupted: Exit.isInterrupted(exit),
            names: (yield* Threading.enumerate).map((thread) => thread.name),
            active: yield* Threading.activeCount
          }
        }))
        expect(exit).toEqual(Exit.succeed({ interrupted: true, names: ["MainThread"], active: 1 }))
        expect(labels()).toEqual([])
      })
  )

  it.effect("does nothing for an unstarted or finished thread", () =>
    Effect.gen(function*() {
      const exit = yield* runMain(Effect.gen(function*() {
        const unstarted = yield* Thread.make(Effect.succeed(1))
        yield* Thread.interrupt(unstarted)
        const finished = yield* Thread.spawn(Effect.succeed(2))
        yield* Thread.join(finished)
        yield* Thread.interrupt(finished)
        yield* Thread.start(unstarted) // still startable
        return [yield* Thread.await(unstarted), yield* Thread.await(finished)]
      }))
      expect(exit).toEqual(Exit.succeed([Exit.succeed(1), Exit.succeed(2)]))
    }))
})

describe("Thread.current", () => {
  it.effect("is the thread itself, also in fibers forked inside it; the main thread outside", () =>
    Effect.gen(function*() {
      const seen = yield* Threading.main(Effect.gen(function*() {
        const inMain = yield* Thread.current
        const fromThread = yield* Deferred.make<readonly [string, string]>()
        yield* Thread.spawn(
          Effect.gen(function*() {
            const self = yield* Thread.current
            const child = yield* Effect.fork(Thread.current)
            yield* Deferred.succeed(fromThread, [self.name, (yield* Fiber.join(child)).name])
          }),
          { name: "worker" }
        )
        return [inMain.name, ...(yield* Deferred.await(fromThread))]
      }))
      expect(seen).toEqual(["MainThread", "worker", "worker"])
    }))

  it.effect("an Effect.fork child reports the thread and is interrupted when the thread ends", () =>
    Effect.gen(function*() {
      const { record, labels, timeOf } = makeEvents()
      yield* runVirtual(Threading.main(
        Thread.spawn(
          Effect.gen(function*() {
            yield* Effect.fork(
              Effect.flatMap(Thread.current, (t) => record(`child of ${t.name}`)).pipe(
                Effect.zipRight(Effect.never),
                Effect.onInterrupt(() => record("child interrupted"))
              )
            )
            yield* Effect.sleep("1 second")
          }),
          { name: "worker" }
        )
      ))
      expect(labels()).toEqual(["child of worker", "child interrupted"])
      expect(timeOf("child interrupted")).toBe(1000)
    }))

  it.effect("a forkDaemon fiber reports the thread, but the shutdown neither waits for it nor stops it", () =>
    Effect.gen(function*() {
      const { record, labels } = makeEvents()
      const escaped = yield* Deferred.make<Fiber.RuntimeFiber<never>>()
      const { endedAt } = yield* runVirtual(Threading.main(
        Thread.spawn(
          Effect.gen(function*() {
            const fiber = yield* Effect.forkDaemon(
              Effect.flatMap(Thread.current, (t) => record(`forkDaemon fiber of ${t.name}`)).pipe(
                Effect.zipRight(Effect.never),
                Effect.onInterrupt(() => record("forkDaemon fiber interrupted"))
              )
            )
            yield* Deferred.succeed(escaped, fiber)
          }),
          { name: "worker", daemon: true }
        )
      ))
      expect(endedAt).toBe(0)
      const fiber = yield* Deferred.await(escaped)
      expect(labels()).toEqual(["forkDaemon fiber of worker"])
      expect(fiber.unsafePoll()).toBeNull() // still running after main has returned
      yield* Fiber.interrupt(fiber)
    }))
})

describe("Thread.critical", () => {
  it.effect("a daemon inside a critical section at exit finishes it before it stops", () =>
    Effect.gen(function*() {
      const { record, labels, timeOf } = makeEvents()
      const { endedAt } = yield* runVirtual(Threading.main(Effect.gen(function*() {
        yield* Thread.spawn(
          Effect.gen(function*() {
            yield* Effect.sleep("1 second")
            yield* Thread.critical(
              record("write begins").pipe(
                Effect.zipRight(Effect.sleep("3 seconds")),
                Effect.zipRight(record("write ends"))
              )
            )
            yield* record("after the section") // must not run: interrupted at its end
          }).pipe(Effect.onInterrupt(() => record("stopped"))),
          { daemon: true }
        )
        yield* Effect.sleep("2 seconds") // main ends in the middle of the write
      })))
      expect(labels()).toEqual(["write begins", "write ends", "stopped"])
      expect(timeOf("write ends")).toBe(4000)
      expect(endedAt).toBe(4000)
    }))

  it.effect("without critical, the daemon is cut at the main program's end", () =>
    Effect.gen(function*() {
      const { record, labels } = makeEvents()
      const { endedAt } = yield* runVirtual(Threading.main(Effect.gen(function*() {
        yield* Thread.spawn(
          record("write begins").pipe(
            Effect.zipRight(Effect.sleep("3 seconds")),
            Effect.zipRight(record("write ends")),
            Effect.onInterrupt(() => record("stopped"))
          ),
          { daemon: true }
        )
        yield* Effect.sleep("2 seconds")
      })))
      expect(labels()).toEqual(["write begins", "stopped"])
      expect(endedAt).toBe(2000)
    }))
})
