/**
 * Type tests of the entry points' requirements (issue 20): a program run by
 * `Threading.runMain` may need `Threading` and what its `layer` option
 * provides, nothing else; `main` stays as sound.
 *
 * Checked by `npx tsc --noEmit` (tsconfig.json includes `test/`) and by
 * test/package/types.test.ts, which also checks that each
 * `// @ts-expect-error FRAGMENT` line fails for the reason it names: without
 * the directives, the line after each one has an error whose message contains
 * FRAGMENT, and no other line has one. Nothing here runs.
 */
import { Console, Context, Effect, Layer } from "effect"
import { Thread, Threading } from "effect-threading"

class Db extends Context.Tag("Db")<Db, { readonly query: Effect.Effect<number> }>() {}
class Cache extends Context.Tag("Cache")<Cache, { readonly get: Effect.Effect<string> }>() {}

const DbLive = Layer.succeed(Db, { query: Effect.succeed(42) })
const CacheLive = Layer.succeed(Cache, { get: Effect.succeed("hit") })
/** A layer that itself needs a service other than `Threading`. */
const DbFromCache = Layer.effect(Db, Effect.map(Cache, () => ({ query: Effect.succeed(1) })))
/** A layer that starts a thread: it may need `Threading`. */
const Heartbeat = Layer.effectDiscard(Thread.daemon(Effect.forever(Effect.sleep("1 second"))))
const FailingDb = Layer.effect(Db, Effect.fail(new Error("no database")))

const needsDb = Effect.gen(function*() {
  const db = yield* Db
  yield* Console.log(yield* db.query)
})
const needsDbAndCache = Effect.gen(function*() {
  const cache = yield* Cache
  yield* Console.log(yield* cache.get)
  yield* needsDb
})
/** Only a thread needs `Db`: at run time, `Exception in thread` and exit code 0 if nothing provides it. */
const threadNeedsDb = Effect.gen(function*() {
  yield* Thread.spawn(needsDb)
})

// ---- runMain: the valid spellings

Threading.runMain(Console.log("hello"))
Threading.runMain(Thread.spawn(Effect.sleep("1 second")))
Threading.runMain(Console.log("hello"), { daemonGrace: "1 second", disablePrettyLogger: true })
Threading.runMain(needsDb, { layer: DbLive })
Threading.runMain(threadNeedsDb, { layer: DbLive, shutdownTimeout: "10 seconds" })
Threading.runMain(needsDbAndCache, { layer: Layer.merge(DbLive, CacheLive) })
Threading.runMain(needsDbAndCache, { layer: Layer.mergeAll(DbLive, CacheLive, Heartbeat), mainGrace: "2 seconds" })
Threading.runMain(needsDbAndCache, { layer: DbFromCache.pipe(Layer.provideMerge(CacheLive)) })
Threading.runMain(needsDb, { layer: Layer.provideMerge(DbLive, Heartbeat) })
Threading.runMain(needsDb, { layer: FailingDb })
// a layer whose services the program does not use
Threading.runMain(Console.log("hello"), { layer: DbLive })
// options typed on their own
const options: Threading.RunMainOptions = { daemonGrace: "1 second", disablePrettyLogger: true }
Threading.runMain(Console.log("hello"), options)
const withDb: Threading.RunMainOptions<Db> = { layer: DbLive }
Threading.runMain(Console.log("hello"), withDb)
// a Layer app as the program
Threading.runMain(Layer.launch(Heartbeat))

// ---- runMain: what nobody provides does not compile, and the message names it

// @ts-expect-error "runMain: provide these services with the layer option": Db;
Threading.runMain(needsDb)
// @ts-expect-error "runMain: provide these services with the layer option": Db;
Threading.runMain(threadNeedsDb)
// @ts-expect-error "runMain: provide these services with the layer option": Db;
Threading.runMain(needsDb, { disablePrettyLogger: true })
// @ts-expect-error "runMain: provide these services with the layer option": Db;
Threading.runMain(needsDb, { layer: undefined })
// @ts-expect-error Type 'Cache' is not assignable to type 'Db'.
Threading.runMain(needsDbAndCache, { layer: DbLive })
// the layer's own requirements: only Threading
// @ts-expect-error Type 'Layer<Db, never, Cache>' is not assignable to type 'Layer<Db, never, Threading>'
Threading.runMain(needsDb, { layer: DbFromCache })
// options whose layer may be missing
// @ts-expect-error Type 'undefined' is not assignable to type 'Layer<Db, never, Threading>'.
Threading.runMain(needsDb, withDb)

// ---- main: as sound

export const provided: Effect.Effect<void> = Threading.main(needsDb, { layer: DbLive })
export const inTheProgram: Effect.Effect<void> = Threading.main(Effect.provide(needsDb, DbLive))
// what main does not provide stays in its requirements
export const stillNeedsDb: Effect.Effect<void, never, Db> = Threading.main(needsDb)
// @ts-expect-error Type 'Db' is not assignable to type 'never'.
export const unprovided: Effect.Effect<void> = Threading.main(needsDb)
// @ts-expect-error Type 'Cache' is not assignable to type 'never'.
export const partly: Effect.Effect<void> = Threading.main(needsDbAndCache, { layer: DbLive })
