/**
 * Issue 21, readiness: `Threading.shuttingDown` and the probes of
 * `effect-threading/Readiness` — the `effect/http` routes (through
 * `HttpRouter.toWebHandler`, no socket), the `node:http` handler (a real
 * server on 127.0.0.1) — answer "ready" while the main program runs and 503
 * once it has ended (a non-daemon thread asks then), the liveness probe 200
 * throughout; bad options are refused with a `ThreadError` naming them.
 * (The signal side — 503 from the first signal, during `drainDelay` — is
 * checked on real processes in drain.test.ts.)
 */
import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Exit, Layer, Result } from "effect"
import { Thread, Threading } from "effect-threading"
import * as Readiness from "effect-threading/Readiness"
import { HttpRouter } from "effect/http"
import * as http from "node:http"
import type * as net from "node:net"

/** What a probe said: status and body. */
interface Said {
  readonly status: number
  readonly body: string
}

/**
 * Runs `ask` in the main program, then in a non-daemon thread once the main
 * program has ended; returns both answers.
 */
const beforeAndAfterMain = <A>(ask: Effect.Effect<A, never, Threading.Threading>) =>
  Effect.gen(function*() {
    const answers: { during?: A; after?: A } = {}
    yield* Threading.main(Effect.gen(function*() {
      answers.during = yield* ask
      // The thread waits for the main program's end (a non-daemon holds the shutdown for it).
      yield* Thread.spawn(Effect.sleep("10 millis").pipe(Effect.andThen(ask), Effect.map((a) => (answers.after = a))))
    }))
    return answers
  })

/** The `ThreadError` a failed exit died with. */
const threadErrorOf = (exit: Exit.Exit<unknown, unknown>) =>
  Exit.isFailure(exit) ? Result.getOrUndefined(Cause.findDefect(exit.cause)) : undefined

describe("Threading.shuttingDown", () => {
  it.live("is false while the main program runs, true once it has ended", () =>
    Effect.gen(function*() {
      const answers = yield* beforeAndAfterMain(Threading.shuttingDown)
      expect(answers).toEqual({ during: false, after: true })
    }))
})

describe("Readiness.routes (effect/http)", () => {
  /** The routes, served by a web handler, with the caller's instance; asks each path. */
  const ask = (paths: ReadonlyArray<string>, options?: Readiness.Options) =>
    Effect.flatMap(Threading.Threading, (instance) =>
      Effect.promise(async () => {
        const { dispose, handler } = HttpRouter.toWebHandler(
          Readiness.routes(options).pipe(Layer.provide(Layer.succeed(Threading.Threading, instance))),
          { disableLogger: true }
        )
        try {
          const said: Array<Said> = []
          for (const path of paths) {
            const response = await handler(new Request(`http://localhost${path}`))
            said.push({ status: response.status, body: await response.text() })
          }
          return said
        } finally {
          await dispose()
        }
      }))

  it.live("GET /ready: 200 ready while the main program runs, 503 shutting down after; GET /live: 200 throughout", () =>
    Effect.gen(function*() {
      const answers = yield* beforeAndAfterMain(ask(["/ready", "/live"]))
      expect(answers).toEqual({
        during: [{ status: 200, body: "ready" }, { status: 200, body: "alive" }],
        after: [{ status: 503, body: "shutting down" }, { status: 200, body: "alive" }]
      })
    }))

  it.live("answers on the paths given", () =>
    Effect.gen(function*() {
      const answers = yield* beforeAndAfterMain(
        ask(["/healthz/ready", "/healthz/live", "/ready"], { readyPath: "/healthz/ready", livePath: "/healthz/live" })
      )
      expect(answers.during?.map((said) => said.status)).toEqual([200, 200, 404])
      expect(answers.after?.map((said) => said.status)).toEqual([503, 200, 404])
    }))

  it.live("Readiness.readiness and Readiness.liveness, mounted on routes of one's own", () =>
    Effect.gen(function*() {
      const answers = yield* beforeAndAfterMain(Effect.gen(function*() {
        const ready = yield* Readiness.readiness
        const live = yield* Readiness.liveness
        return [ready.status, live.status]
      }))
      expect(answers).toEqual({ during: [200, 200], after: [503, 200] })
    }))

  it.effect.each(
    [
      ["a path without a leading slash", { readyPath: "ready" }, "invalid option readyPath: expected a path starting"],
      ["a path with a query", { livePath: "/live?x=1" }, "invalid option livePath: expected a path starting"],
      [
        "a number",
        { readyPath: 42 },
        "invalid option readyPath: expected a path starting with \"/\", without a query (got 42)"
      ],
      ["the same path twice", { readyPath: "/health", livePath: "/health" }, "invalid option livePath: it is the same"],
      [
        "options that are not an object",
        "ready",
        "invalid options of Readiness.routes: expected an object with some of readyPath, livePath (got \"ready\")"
      ]
    ] as const
  )(
    "%s: the routes layer dies with a ThreadError naming it when built",
    ([, options, message]) =>
      Effect.gen(function*() {
        const exit = yield* Layer.build(
          Readiness.routes(options as Readiness.Options).pipe(
            Layer.provide(HttpRouter.layer),
            Layer.provide(Threading.layer())
          )
        ).pipe(Effect.scoped, Effect.exit)
        const error = threadErrorOf(exit)
        expect(error).toBeInstanceOf(Thread.ThreadError)
        expect((error as Thread.ThreadError).message.startsWith(message)).toBe(true)
      })
  )
})

describe("Readiness.nodeHandler (node:http)", () => {
  /** A real server on 127.0.0.1 with the probes in front of the app's own 404; asks each request. */
  const ask = (requests: ReadonlyArray<readonly [method: string, path: string]>, options?: Readiness.Options) =>
    Effect.flatMap(Readiness.nodeHandler(options), (probes) =>
      Effect.promise(async () => {
        const server = http.createServer((request, response) => {
          if (probes(request, response)) return
          response.writeHead(404).end("not a probe")
        })
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
        const { port } = server.address() as net.AddressInfo
        try {
          const said: Array<Said> = []
          for (const [method, path] of requests) {
            const response = await fetch(`http://127.0.0.1:${port}${path}`, { method })
            said.push({ status: response.status, body: await response.text() })
          }
          return said
        } finally {
          server.closeAllConnections()
          await new Promise((resolve) => server.close(resolve))
        }
      }))

  it.live("answers the probes (GET, HEAD, with a query) and leaves every other request to the app", () =>
    Effect.gen(function*() {
      const requests = [
        ["GET", "/ready"],
        ["HEAD", "/ready"],
        ["GET", "/live?verbose=1"],
        ["POST", "/ready"],
        ["GET", "/readyz"]
      ] as const
      const answers = yield* beforeAndAfterMain(ask(requests))
      expect(answers).toEqual({
        during: [
          { status: 200, body: "ready" },
          { status: 200, body: "" },
          { status: 200, body: "alive" },
          { status: 404, body: "not a probe" },
          { status: 404, body: "not a probe" }
        ],
        after: [
          { status: 503, body: "shutting down" },
          { status: 503, body: "" },
          { status: 200, body: "alive" },
          { status: 404, body: "not a probe" },
          { status: 404, body: "not a probe" }
        ]
      })
    }))

  it.effect("dies with a ThreadError naming a bad option", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(
        Readiness.nodeHandler({ livePath: "live" as `/${string}` }).pipe(Effect.provide(Threading.layer()))
      )
      expect((threadErrorOf(exit) as Thread.ThreadError | undefined)?.message).toMatch(
        /^invalid option livePath: expected a path starting with "\/", without a query \(got "live"\)$/
      )
    }))
})
