/**
 * Critical work in a daemon thread, made safe. Python warns that daemon
 * threads "should not be used for critical tasks like writing to files or
 * database transactions, as they can terminate abruptly without finishing
 * their operations". Here a daemon saves snapshots of the program's state
 * to a file; the main program ends in the middle of a save, and the file is
 * still complete:
 *
 * - the save is wrapped in `Thread.critical`: interruption waits for the
 *   section to end (within `daemonGrace`, 5 s by default), so the daemon
 *   finishes the save before it stops;
 * - the save writes a temporary file and renames it over the old one, so a
 *   reader (or a crash: power loss, `kill -9`) sees the old file or the new
 *   one, never half of one.
 *
 * ```python
 * # The Python way: make the writer non-daemon and tell it to stop, or
 * # accept that a daemon may leave a truncated file behind.
 * def saver():
 *     while True:
 *         with open(path, "w") as f:  # cut here at exit: a torn file
 *             f.write(snapshot())
 *         time.sleep(0.1)
 * ```
 *
 * Run: npx tsx examples/critical-write.ts [FILE] [--unsafe]
 *
 * With `--unsafe`, the save writes the file in place without
 * `Thread.critical`, and the exit leaves it torn.
 */
import { NodeFileSystem } from "@effect/platform-node"
import { Console, Deferred, Effect, FileSystem, Schedule } from "effect"
import { Thread, Threading } from "effect-threading"
import * as os from "node:os"
import * as path from "node:path"

const args = process.argv.slice(2)
const unsafe = args.includes("--unsafe")
const file = args.find((arg) => !arg.startsWith("--")) ??
  path.join(os.tmpdir(), "effect-threading-critical-write", "state.json")

/** A snapshot, as text written in 5 chunks; a torn file is not valid JSON. */
const chunksOf = (snapshot: number): ReadonlyArray<string> => {
  const rows = Array.from({ length: 5 }, (_, i) => ({ row: i + 1, value: `snapshot ${snapshot}, row ${i + 1}` }))
  const text = JSON.stringify({ snapshot, rows, complete: true }, null, 2) + "\n"
  const size = Math.ceil(text.length / 5)
  return Array.from({ length: 5 }, (_, i) => text.slice(i * size, (i + 1) * size))
}

const program = Effect.gen(function*() {
  const fs = yield* FileSystem.FileSystem
  yield* fs.makeDirectory(path.dirname(file), { recursive: true })
  yield* fs.remove(file, { force: true })
  const midSave = yield* Deferred.make<void>()

  /** Writes `chunks` to `target`, slowly (100 ms a chunk), as a big file would. */
  const writeSlowly = (snapshot: number, target: string) =>
    Effect.forEach(chunksOf(snapshot), (chunk, i) =>
      Effect.gen(function*() {
        yield* fs.writeFileString(target, chunk, { flag: i === 0 ? "w" : "a" })
        if (snapshot === 2 && i === 1) yield* Deferred.succeed(midSave, undefined)
        yield* Effect.sleep("100 millis")
      }), { discard: true })

  let snapshot = 0
  const save = Effect.suspend(() => {
    const n = ++snapshot
    const saved = Console.log(`[saver] snapshot ${n} saved`)
    if (unsafe) return writeSlowly(n, file).pipe(Effect.andThen(saved))
    return Thread.critical(
      writeSlowly(n, `${file}.tmp`).pipe(
        Effect.andThen(fs.rename(`${file}.tmp`, file)),
        Effect.andThen(saved)
      )
    )
  })

  yield* Thread.periodic(save, Schedule.spaced("100 millis"), { name: "saver" }) // a daemon

  // The main program ends while the daemon is half-way through snapshot 2.
  yield* Deferred.await(midSave)
  yield* Console.log("Main program exits.")
})

Threading.runMain(program.pipe(Effect.provide(NodeFileSystem.layer)))
