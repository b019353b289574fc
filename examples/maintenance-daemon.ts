/**
 * Periodic maintenance with a daemon thread: evict the expired entries of an
 * in-memory cache with a time-to-live, every 100 ms, while the main program
 * uses the cache.
 *
 * ```python
 * cache = {}  # key -> (value, expires_at)
 * lock = threading.Lock()
 *
 * def janitor():
 *     while True:
 *         now = time.monotonic()
 *         with lock:
 *             for key in [k for k, (_, exp) in cache.items() if exp <= now]:
 *                 del cache[key]
 *                 print(f"[janitor] evicted {key}")
 *         time.sleep(0.1)
 *
 * threading.Thread(target=janitor, name="janitor", daemon=True).start()
 * ```
 *
 * The `Ref` plays the lock's part; `Thread.periodic` is the `while True`
 * loop, and it keeps going if one sweep fails.
 *
 * Run: npx tsx examples/maintenance-daemon.ts
 */
import { Clock, Console, Duration, Effect, HashMap, Ref, Schedule } from "effect"
import { Thread, Threading } from "effect-threading"

interface Entry {
  readonly value: string
  readonly expiresAt: number
}

const makeCache = Effect.gen(function*() {
  const entries = yield* Ref.make(HashMap.empty<string, Entry>())

  const set = (key: string, value: string, ttl: Duration.Input) =>
    Effect.flatMap(
      Clock.currentTimeMillis,
      (now) => Ref.update(entries, HashMap.set(key, { value, expiresAt: now + Duration.toMillis(ttl) }))
    )

  const keys = Effect.map(Ref.get(entries), (map) => Array.from(HashMap.keys(map)).sort())

  /** One sweep: remove what has expired, report it. */
  const evictExpired = Effect.gen(function*() {
    const now = yield* Clock.currentTimeMillis
    const expired = yield* Ref.modify(entries, (map) => {
      const gone = HashMap.filter(map, (entry) => entry.expiresAt <= now)
      return [Array.from(HashMap.keys(gone)).sort(), HashMap.removeMany(map, HashMap.keys(gone))]
    })
    const me = yield* Thread.current
    for (const key of expired) yield* Console.log(`[${me.name}] evicted ${key}`)
  })

  return { set, keys, evictExpired } as const
})

const program = Effect.gen(function*() {
  const cache = yield* makeCache
  yield* cache.set("session:alice", "token-a", "500 millis")
  yield* cache.set("session:bob", "token-b", "1500 millis")
  yield* cache.set("config", "{...}", "1 hour")

  // A daemon by default: the cleanup never holds the program open.
  yield* Thread.periodic(cache.evictExpired, Schedule.spaced("100 millis"), { name: "janitor" })

  yield* Effect.sleep("1 second")
  yield* Console.log(`cache holds: ${(yield* cache.keys).join(", ")}`)
  yield* Effect.sleep("1 second")
  yield* Console.log(`cache holds: ${(yield* cache.keys).join(", ")}`)
  yield* Console.log("Main program exits.")
})

Threading.runMain(program)
