/**
 * Pay for the cluster only when used (issue 18): importing the package's
 * entry points loads no module of effect's cluster engine (`effect/cluster`),
 * nor its RPC and SQL modules, nor `@effect/sql-pg` / `@effect/platform-node`'s
 * cluster socket; the first `Thread.singleton` loads them.
 *
 * Measured in fresh plain-Node processes (no tsx, no vitest: their own
 * modules would muddle the list) on the sources compiled one module per file
 * (test/cluster/compiled.ts), listing every module resolved
 * (`module.registerHooks`, test/cluster/fixtures/imports.mjs).
 */
import { execFile } from "node:child_process"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type Compiled, compileSources, moduleUrl } from "./compiled.js"

const fixture = fileURLToPath(new URL("./fixtures/imports.mjs", import.meta.url))

interface Listing {
  readonly imported: ReadonlyArray<string>
  readonly afterSingleton: ReadonlyArray<string> | null
  readonly ran: boolean
}

const list = (args: ReadonlyArray<string>): Promise<Listing> =>
  new Promise((resolve, reject) =>
    execFile(process.execPath, [fixture, ...args], { maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error !== null) reject(new Error(`${fixture} ${args.join(" ")}: ${error.message}\n${stderr}`))
      else resolve(JSON.parse(stdout.trim().split("\n").at(-1)!) as Listing)
    })
  )

/** The modules of the cluster engine and what only it needs: effect's cluster, rpc and sql folders, the SQL drivers. */
const clusterModule =
  /\/node_modules\/(effect\/dist\/(cluster|rpc|sql|workflow)\/|@effect\/sql|@effect\/platform-node[^/]*\/dist\/NodeCluster)/

const clusterModules = (urls: ReadonlyArray<string>) => urls.filter((url) => clusterModule.test(url))

let compiled: Compiled
beforeAll(async () => {
  compiled = await compileSources()
}, 60_000)
afterAll(() => compiled?.remove())

describe("importing effect-threading loads no cluster code", () => {
  it("the index, Thread, Threading and ThreadingCluster: none of effect/cluster, rpc, sql", async () => {
    const entries = ["index.js", "Thread.js", "Threading.js", "ThreadingCluster.js"]
    for (const entry of entries) {
      const { imported } = await list([moduleUrl(compiled, entry)])
      // The listing works: effect's own modules are in it.
      expect(imported.some((url) => url.includes("/node_modules/effect/dist/Effect.js")), entry).toBe(true)
      expect(clusterModules(imported), entry).toEqual([])
    }
  }, 60_000)

  it("the first Thread.singleton loads the engine, and the singleton runs", async () => {
    const listing = await list(["--then-singleton", moduleUrl(compiled, "index.js")])
    expect(clusterModules(listing.imported)).toEqual([])
    expect(listing.ran).toBe(true)
    const loaded = clusterModules(listing.afterSingleton!)
    expect(loaded.some((url) => url.endsWith("/effect/dist/cluster/Sharding.js")), loaded.join("\n")).toBe(true)
    expect(listing.afterSingleton!.some((url) => url.endsWith("/internal/cluster.js"))).toBe(true)
  }, 60_000)
})
