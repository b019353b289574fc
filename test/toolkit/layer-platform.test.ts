/**
 * `Threading.layer` inside other Effect programs: an HTTP server from
 * `effect/http` with `@effect/platform-node` (on loopback) whose handler
 * starts a thread per request, and a CLI-style command that provides the
 * layer around its own work.
 */
import { NodeHttpServer } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Console, Context, Deferred, Effect, Exit, Fiber, Layer, Queue, Schedule, Scope } from "effect"
import { Thread, Threading } from "effect-threading"
import { FetchHttpClient, HttpClient, HttpRouter, HttpServer, HttpServerResponse } from "effect/http"
import { NetAddress } from "effect/net"
import { createServer } from "node:http"
import { makeEvents, makeTestConsole, runVirtual } from "../utils.js"

describe("Threading.layer in an effect/http server", () => {
  it.live("a handler starts a thread per request; closing the layer's scope waits for them", () =>
    Effect.gen(function*() {
      const { record, labels } = makeEvents()
      const gate = yield* Deferred.make<void>()
      const started = yield* Queue.unbounded<Thread.Thread<void>>()

      // Each request hands its job to a non-daemon thread and answers at once.
      const routes = HttpRouter.add(
        "GET",
        "/jobs/:id",
        Effect.gen(function*() {
          const { id } = yield* HttpRouter.params
          const job = Deferred.await(gate).pipe(
            Effect.andThen(record(`job ${id} done`)),
            Effect.onInterrupt(() => record(`job ${id} interrupted`))
          )
          const thread = yield* Thread.spawn(job, { name: `job-${id}` })
          yield* Queue.offer(started, thread)
          return HttpServerResponse.text(`accepted by ${thread.name}`)
        })
      )
      const AppLive = HttpRouter.serve(routes, { disableLogger: true, disableListenLog: true }).pipe(
        Layer.provideMerge(NodeHttpServer.layer(() => createServer(), { port: 0, host: "127.0.0.1" })),
        Layer.provideMerge(Threading.layer())
      )

      const scope = yield* Scope.make()
      const context = yield* Layer.buildWithScope(AppLive, scope)
      const address = Context.get(context, HttpServer.HttpServer).address
      if (!NetAddress.isInetAddress(address)) throw new Error("expected a TCP address")
      expect(NetAddress.formatHost(address)).toBe("127.0.0.1")

      const get = (path: string) =>
        HttpClient.get(`http://127.0.0.1:${address.port}${path}`).pipe(
          Effect.flatMap((response) => response.text),
          Effect.provide(FetchHttpClient.layer)
        )
      expect(yield* get("/jobs/1")).toBe("accepted by job-1")
      expect(yield* get("/jobs/2")).toBe("accepted by job-2")

      const threads = yield* Queue.clear(started)
      expect(Array.from(threads, (t) => [t.name, t.daemon])).toEqual([["job-1", false], ["job-2", false]])

      // Close the layer's scope: the server stops, then the exit rule applies.
      const closing = yield* Effect.forkChild(Scope.close(scope, Exit.void))
      const mainThread = yield* Threading.mainThread.pipe(Effect.provideContext(context))
      // The layer's release has begun once its main thread has ended.
      yield* Thread.isAlive(mainThread).pipe(
        Effect.tap(() => Effect.yieldNow),
        Effect.repeat({ until: (alive) => !alive })
      )
      // ...and it is waiting for the requests' non-daemon threads.
      for (const t of threads) expect(yield* Thread.isAlive(t)).toBe(true)
      expect(closing.pollUnsafe()).toBeUndefined()
      expect(labels()).toEqual([])

      yield* Deferred.succeed(gate, undefined)
      yield* Fiber.join(closing)
      expect(labels().sort()).toEqual(["job 1 done", "job 2 done"])
      for (const t of threads) expect(yield* Thread.await(t)).toEqual(Exit.void)
    }))
})

describe("Threading.layer in a CLI-style command", () => {
  it.effect("the command's threads follow the exit rule before the rest of the CLI goes on", () =>
    Effect.gen(function*() {
      const { record, events } = makeEvents()
      const { console, out } = makeTestConsole()
      const sync = Effect.gen(function*() {
        yield* Thread.periodic(record("progress"), Schedule.spaced("1 second"), { name: "progress" })
        yield* Thread.nonDaemon(Effect.sleep("2500 millis").pipe(Effect.andThen(record("uploaded"))))
        yield* Console.log("upload started")
      })
      const cli = Effect.gen(function*() {
        yield* Console.log("cli: sync")
        yield* sync.pipe(Effect.provide(Threading.layer()))
        yield* record("cli goes on")
        yield* Console.log("cli: done")
      })
      const { exit, endedAt } = yield* runVirtual(cli.pipe(Effect.provideService(Console.Console, console)))
      expect(exit).toEqual(Exit.void)
      expect(endedAt).toBe(2500)
      expect(out).toEqual(["cli: sync", "upload started", "cli: done"])
      expect(events).toEqual([
        [0, "progress"],
        [1000, "progress"],
        [2000, "progress"],
        [2500, "uploaded"],
        [2500, "cli goes on"]
      ])
    }))
})
