/**
 * The install scripts `npm ci` runs (npm 11's `allowScripts`, issue 20):
 * every dependency of the lockfile that has one is listed in package.json's
 * `allowScripts` — allowed or denied on purpose — so `npm ci` does not warn
 * that some are "not yet covered by allowScripts", and npm 12, which runs only
 * the allowed ones, still runs the one this edition needs: `esbuild`'s. The
 * native builds of `@parcel/watcher` and `msgpackr-extract` (prebuilt binaries
 * come as optional packages; nothing here uses them) are denied. The README's
 * "Install scripts." paragraph says why, naming each.
 */
import { execFile } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { repo } from "./typecheck.js"

const read = (file: string) => fs.readFileSync(path.join(repo, file), "utf8")
const manifest = JSON.parse(read("package.json"))
const lockfile = JSON.parse(read("package-lock.json"))
const allowScripts: Record<string, boolean> = manifest.allowScripts ?? {}

/** The packages of the lockfile that have an install script, by name. */
const withInstallScripts: ReadonlyArray<string> = [
  ...new Set(
    Object.entries(lockfile.packages as Record<string, { readonly hasInstallScript?: boolean }>)
      .filter(([key, entry]) => key !== "" && entry.hasInstallScript === true)
      .map(([key]) => key.slice(key.lastIndexOf("node_modules/") + "node_modules/".length))
  )
].sort()

describe("install scripts (allowScripts)", () => {
  it("lists every dependency that has an install script, and allows esbuild's", () => {
    expect(withInstallScripts).toEqual(expect.arrayContaining(["esbuild"]))
    expect(withInstallScripts.filter((name) => !(name in allowScripts))).toEqual([])
    expect(allowScripts).toMatchObject({ esbuild: true })
    // no entry left over for a package that no longer has a script
    expect(Object.keys(allowScripts).filter((name) => !withInstallScripts.includes(name))).toEqual([])
  })

  it("leaves npm nothing to review (`npm install-scripts ls`)", async () => {
    const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)))
    const output = await new Promise<string>((resolve, reject) =>
      execFile(
        "npm",
        ["install-scripts", "ls", "--json"],
        { cwd: repo, env, timeout: 60_000 },
        (error, stdout) => error === null ? resolve(stdout) : reject(error)
      )
    )
    expect(JSON.parse(output)).toEqual({ allowScripts: [] })
  }, 90_000)

  it("says in the README why each one is allowed (or denied)", () => {
    const paragraph = read("README.md").split("**Install scripts.**")[1]?.split("\n\n")[0] ?? ""
    for (const name of Object.keys(allowScripts)) expect(paragraph, name).toContain(`\`${name}\``)
  })
})
