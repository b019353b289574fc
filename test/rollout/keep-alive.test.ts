/**
 * Issue 19's keep-alive bullet, made true (drainDelay 0): a request that
 * reached the server before the signal is answered, never reset — even one
 * on a connection the server has not accepted yet, or not read yet, when the
 * signal is handled. The server (test/rollout/fixtures/busy-server.ts) is
 * kept busy (a synchronous loop) while new connections bring their requests
 * and the signal comes, so that all of them wait together for it to read
 * them: the stop must accept and read what the kernel already holds before
 * it closes anything.
 */
import * as http from "node:http"
import { afterEach, describe, expect, it } from "vitest"
import { endOf, exitCodes, killAll, start } from "../process/harness.js"
import { send } from "../process/httpLoad.js"

afterEach(killAll)

describe("the stop, without a drain", () => {
  it("requests written before the signal on new connections, while the server is busy, are all answered (202)", {
    timeout: 90_000
  }, async () => {
    const app = start(["--import", "tsx", "test/rollout/fixtures/busy-server.ts"])
    const port = Number((await app.waitFor(/^listening on \d+$/, 60_000)).text.split(" ").at(-1))
    const agent = new http.Agent({ keepAlive: false })
    // The server blocks for 1 s from when it reads this.
    const busy = send(agent, { port, method: "GET", path: "/busy/1000" })
    await new Promise((resolve) => setTimeout(resolve, 200))
    // Eight new connections, each with its request written (the client's `finish`) before the signal.
    const jobs = Array.from({ length: 8 }, (_, i) => send(agent, { port, method: "POST", path: `/jobs/${i + 1}` }))
    await new Promise((resolve) => setTimeout(resolve, 300))
    app.kill("SIGTERM")
    const answers = await Promise.all(jobs)
    const ended = await endOf(app, 30_000)
    expect((await busy).outcome).toMatchObject({ _tag: "Answered", status: 200 })
    const summary = JSON.stringify(answers)
    for (const answer of answers) {
      expect(answer.writtenAt, summary).toBeDefined()
      expect(answer.outcome, summary).toMatchObject({ _tag: "Answered", status: 202, close: true })
    }
    expect(app.out().filter((line) => /^job \d+ done$/.test(line)).sort()).toEqual(
      Array.from({ length: 8 }, (_, i) => `job ${i + 1} done`).sort()
    )
    expect(ended.code).toBe(exitCodes.SIGTERM)
  })
})
