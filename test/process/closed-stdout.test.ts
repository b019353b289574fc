/**
 * Issue 19: stdout (or stderr) closed by its reader — `node app.js | head -1`
 * — while a daemon writes to it, under `Threading.runMain`, against
 * test/fixtures/closed-stdout.ts run as a real Node process on real pipes:
 * the test reads the first line and closes its end of the pipe (or `head -1`
 * does). The writes that fail are dropped, that is said once on the other
 * stream, and the program goes on: the non-daemon job finishes, the atExit
 * hook and the daemon's finalizer run, exit 0.
 */
import { afterEach, describe, expect, it } from "vitest"
import { endOf, killAll, type Running, start, startTs } from "./harness.js"

afterEach(killAll)

const fixture = "test/fixtures/closed-stdout.ts"

/** What the program does after the closed stream: the same on the other stream, whatever wrote to it. */
const rest = ["job: done", "atExit: hook ran", "daemon: finalizer ran"]

/** The one line that says the stream is closed. */
const closed = (stream: string) =>
  `${stream} is closed (EPIPE); what the program writes to it from now on is dropped, and it goes on`

/** Closes the test's end of `stream` once its first line has come: a reader that goes away. */
const closeAfterFirstLine = (p: Running, stream: "stdout" | "stderr") =>
  new Promise<void>((resolve) => {
    const pipe = p.child[stream]!
    pipe.on("data", function onData(chunk: Buffer) {
      if (!chunk.toString("utf8").includes("\n")) return
      pipe.off("data", onData)
      pipe.destroy()
      resolve()
    })
  })

describe.each(["log", "console", "write"] as const)("stdout closed while a daemon writes to it (%s)", (writer) => {
  it("does not end the program: the rest runs, the closed stream is reported once on stderr, exit 0", {
    timeout: 30_000
  }, async () => {
    const p = startTs(fixture, "stdout", writer)
    await closeAfterFirstLine(p, "stdout")
    const ended = await endOf(p)
    expect(p.err().split("\n")).toEqual([closed("stdout"), ...rest])
    expect(ended.code).toBe(0)
  })
})

describe.each(["log", "console", "write"] as const)("stderr closed while a daemon writes to it (%s)", (writer) => {
  it("does not end the program either: reported once on stdout, exit 0", { timeout: 30_000 }, async () => {
    const p = startTs(fixture, "stderr", writer)
    await closeAfterFirstLine(p, "stderr")
    const ended = await endOf(p)
    expect(p.out()).toEqual([closed("stderr"), ...rest])
    expect(ended.code).toBe(0)
  })
})

describe("`node app.js | head -1`", () => {
  it(
    "as a shell runs it: head's one line, then the program goes on to its end, exit 0",
    { timeout: 30_000 },
    async () => {
      const p = start(
        [
          "-c",
          `"${process.execPath}" --import tsx ${fixture} stdout console | head -1; echo "exit: \${PIPESTATUS[0]}" >&2`
        ],
        "bash"
      )
      const ended = await endOf(p)
      expect(p.out()).toEqual(["line 1"])
      expect(p.err().split("\n")).toEqual([closed("stdout"), ...rest, "exit: 0"])
      expect(ended.code).toBe(0)
    }
  )
})
