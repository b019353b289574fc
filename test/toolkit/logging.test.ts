/**
 * Thread names in logs (Python's `%(threadName)s`): every log line emitted in
 * a thread carries a `thread` annotation with its name; the main program's
 * lines carry `MainThread`, under `main` and under `layer`.
 */
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Fiber, Layer, Logger, References, Schedule } from "effect"
import { Thread, Threading } from "effect-threading"
import { runVirtual } from "../utils.js"

/** A logger that records `[thread annotation or "-", message]` for each line. */
const makeRecordingLogger = () => {
  const lines: Array<readonly [string, string]> = []
  const annotations: Array<Readonly<Record<string, unknown>>> = []
  // Effect 4: a line's annotations are the fiber's `References.CurrentLogAnnotations` (a record)
  const logger = Logger.make(({ fiber, message }) => {
    const a = fiber.getRef(References.CurrentLogAnnotations)
    annotations.push(a)
    const text = Array.isArray(message) ? message.map(String).join(" ") : String(message)
    lines.push([(a.thread ?? "-") as string, text])
  })
  return { lines, annotations, layer: Logger.layer([logger]) }
}

/** Logs from the main program, a thread, a fiber forked in it, a thread started from it. */
const program = Effect.gen(function*() {
  yield* Effect.log("main")
  const worker = yield* Thread.spawn(
    Effect.gen(function*() {
      yield* Effect.log("worker")
      const child = yield* Effect.forkChild(Effect.log("worker's fiber"))
      yield* Fiber.join(child)
      const detached = yield* Effect.forkDetach(Effect.log("worker's daemon fiber"))
      yield* Fiber.join(detached)
      const nested = yield* Thread.spawn(Effect.log("nested"), { name: "nested" })
      yield* Thread.join(nested)
    }),
    { name: "worker" }
  )
  yield* Thread.join(worker)
  const fiber = yield* Effect.forkChild(Effect.log("main's fiber"))
  yield* Fiber.join(fiber)
})

const expected = [
  ["MainThread", "main"],
  ["worker", "worker"],
  ["worker", "worker's fiber"],
  ["worker", "worker's daemon fiber"],
  ["nested", "nested"],
  ["MainThread", "main's fiber"]
]

describe("thread names in logs", () => {
  it.effect("under Threading.main: MainThread, each thread's name, inherited by fibers forked inside", () =>
    Effect.gen(function*() {
      const { lines, layer } = makeRecordingLogger()
      yield* Threading.main(program).pipe(Effect.provide(layer))
      expect(lines).toEqual(expected)
    }))

  it.effect("under Threading.layer: the same, and nothing leaks out once the layer's scope is closed", () =>
    Effect.gen(function*() {
      const { lines, layer } = makeRecordingLogger()
      yield* Effect.gen(function*() {
        yield* program.pipe(Effect.provide(Threading.layer()))
        yield* Effect.log("after the layer")
      }).pipe(Effect.provide(layer))
      expect(lines).toEqual([...expected, ["-", "after the layer"]])
    }))

  it.effect("under a layer merged with the logger layer", () =>
    Effect.gen(function*() {
      const { lines, layer } = makeRecordingLogger()
      yield* program.pipe(Effect.provide(Layer.merge(Threading.layer(), layer)))
      expect(lines).toEqual(expected)
    }))

  it.effect("keeps the user's own annotations beside the thread's name", () =>
    Effect.gen(function*() {
      const { annotations, layer } = makeRecordingLogger()
      yield* Threading.main(
        Effect.gen(function*() {
          const t = yield* Thread.spawn(Effect.log("handling"), { name: "handler" }).pipe(
            Effect.annotateLogs("requestId", "r-1")
          )
          yield* Thread.join(t)
        })
      ).pipe(Effect.provide(layer))
      expect(annotations.map((a) => [a.thread, a.requestId])).toEqual([["handler", "r-1"]])
    }))

  it.effect("periodic threads, timers and the shorthands log under their names", () =>
    Effect.gen(function*() {
      const { lines, layer } = makeRecordingLogger()
      const { exit } = yield* Threading.main(
        Effect.gen(function*() {
          const ran = yield* Deferred.make<void>()
          yield* Thread.periodic(
            Effect.log("tick").pipe(Effect.andThen(Deferred.succeed(ran, undefined))),
            Schedule.spaced("1 second"),
            { name: "ticker" }
          )
          yield* Deferred.await(ran)
          yield* Thread.join(yield* Thread.timer("1 second", Effect.log("ring"), { name: "alarm" }))
          yield* Thread.join(yield* Thread.daemon(Effect.log("bg"), { name: "bg" }))
          yield* Thread.join(yield* Thread.nonDaemon(Effect.log("fg")))
        })
      ).pipe(Effect.provide(layer), (main) => runVirtual(main, "1 second"))
      expect(exit).toEqual(Exit.void)
      expect(lines.filter(([, m]) => m !== "tick")).toEqual([["alarm", "ring"], ["bg", "bg"], ["Thread-1", "fg"]])
      expect(lines.filter(([, m]) => m === "tick").map(([t]) => t)).toContain("ticker")
    }))

  it.effect("Effect's logfmt logger prints thread=NAME, as %(threadName)s would", () =>
    Effect.gen(function*() {
      const out: Array<string> = []
      const logfmt = Logger.layer([Logger.map(Logger.formatLogFmt, (line) => void out.push(line))])
      yield* Threading.main(
        Effect.gen(function*() {
          yield* Effect.log("from main")
          yield* Thread.join(yield* Thread.spawn(Effect.log("from worker"), { name: "worker-1" }))
        })
      ).pipe(Effect.provide(logfmt))
      expect(out).toHaveLength(2)
      expect(out[0]).toMatch(/message="from main".* thread=MainThread$/)
      expect(out[1]).toMatch(/message="from worker".* thread=worker-1$/)
    }))
})
