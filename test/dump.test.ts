/**
 * The thread dump's `spans:` line (docs/shutdown.md, "What you see at each
 * signal"): the spans a thread is in, outermost first. Effect 4's built-in
 * tracer records them with no tracer installed; an installed tracer adds the
 * thread's own span, `thread NAME`, first. A thread in no span has no line.
 */
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Layer, Tracer } from "effect"
import { Thread, Threading } from "effect-threading"

/** Starts `job` (inside two spans) and `plain` (in none), waits until both run, and returns the dump's text. */
const dumpOfTwoThreads = Effect.gen(function*() {
  const inSpans = yield* Deferred.make<void>()
  const running = yield* Deferred.make<void>()
  yield* Thread.spawn(
    Deferred.succeed(inSpans, undefined).pipe(
      Effect.andThen(Effect.never),
      Effect.withSpan("db.query"),
      Effect.withSpan("POST /jobs")
    ),
    { name: "job", daemon: true }
  )
  yield* Thread.spawn(Deferred.succeed(running, undefined).pipe(Effect.andThen(Effect.never)), {
    name: "plain",
    daemon: true
  })
  yield* Deferred.await(inSpans)
  yield* Deferred.await(running)
  return Threading.formatDump(yield* Threading.dump)
})

/** The lines of a dump's block for thread `name`. */
const blockOf = (dump: string, name: string): ReadonlyArray<string> => {
  const lines = dump.split("\n")
  const start = lines.findIndex((line) => line.startsWith(`"${name}" `))
  expect(start, dump).toBeGreaterThanOrEqual(0)
  const end = lines.findIndex((line, i) => i > start && !line.startsWith("    "))
  return lines.slice(start, end === -1 ? undefined : end)
}

describe("the thread dump's spans", () => {
  it.effect("shows the spans a thread is in with no tracer installed (Effect's built-in tracer records them)", () =>
    Effect.gen(function*() {
      const dump = yield* Threading.main(dumpOfTwoThreads)
      expect(blockOf(dump, "job")[1]).toBe("    spans: POST /jobs > db.query")
      expect(blockOf(dump, "plain")).toHaveLength(1)
    }))

  it.effect("puts the thread's own span first when a tracer is installed", () =>
    Effect.gen(function*() {
      const listening = Tracer.make({ span: (options) => new Tracer.NativeSpan(options) })
      const dump = yield* Threading.main(dumpOfTwoThreads).pipe(
        Effect.provide(Layer.succeed(Tracer.Tracer, listening))
      )
      expect(blockOf(dump, "job")[1]).toBe("    spans: thread job > POST /jobs > db.query")
      expect(blockOf(dump, "plain")[1]).toBe("    spans: thread plain")
    }))
})
