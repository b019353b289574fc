/**
 * The package as users get it: `npm pack` (whose `prepack` script runs
 * `npm run build`), then a fresh project in the OS temp directory that
 * installs only the tarball and, from the registry, the peer dependencies as
 * the README tells a user to: `effect@^4.1.0` and `@effect/platform-node@^4.1.0`
 * (the Effect 4 edition). The install must succeed without any peer
 * dependency error or warning. Two consumer programs run there:
 * `consumer/program.mjs` (plain JavaScript) and `consumer/program.ts`
 * (compiled by the project's own `tsc` against the published `.d.ts` files),
 * both through `Threading.runMain`. The installed package is version 1.x,
 * the version package.json and the README give (the tarball is named after
 * it), and the guides are in it with links that work there (links.ts).
 *
 * Everything runs on this process's Node (`process.execPath`; Node 22 under
 * `npm test`, from the `node` devDependency): `@effect/platform-node` 4
 * needs Node >= 22.19, and the nested `npm` finds that Node first on the PATH.
 *
 * One pack and one install for the whole file; slow by nature (build, pack,
 * install), so the timeouts are generous.
 */
import { execFile } from "node:child_process"
import * as fsSync from "node:fs"
import * as fs from "node:fs/promises"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { guidesNamedIn, guidesOf, linksOf, problemsOf } from "./links.js"

const repo = fileURLToPath(new URL("../..", import.meta.url))
const consumerSources = fileURLToPath(new URL("./consumer", import.meta.url))

const minutes = (n: number) => n * 60_000

interface Result {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/**
 * The environment for child processes without the `npm_*` variables that
 * `npm test` sets (`npm_config_local_prefix` and the like would point a
 * nested npm at this repository); settings a CI may rely on are kept.
 */
const env = (): NodeJS.ProcessEnv => {
  const keep = new Set(["npm_config_cache", "npm_config_registry", "npm_config_userconfig"])
  return Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key) || keep.has(key.toLowerCase()))
  )
}

const run = (command: string, args: ReadonlyArray<string>, cwd: string, timeout = minutes(4)): Promise<Result> =>
  new Promise((resolve) => {
    execFile(
      command,
      args,
      { cwd, env: env(), timeout, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : null
        resolve({ code, stdout, stderr })
      }
    )
  })

/** Runs a command that must succeed; its output goes into the error otherwise. */
const ok = async (command: string, args: ReadonlyArray<string>, cwd: string): Promise<Result> => {
  const result = await run(command, args, cwd)
  if (result.code !== 0) {
    throw new Error(
      `${command} ${args.join(" ")} (in ${cwd}) exited with ${result.code}\n${result.stdout}\n${result.stderr}`
    )
  }
  return result
}

const lines = (text: string) => text.split("\n").filter((line) => line.length > 0)

/** The version of a package installed in this repository. */
const installedVersion = async (name: string): Promise<string> => {
  const manifest = JSON.parse(await fs.readFile(path.join(repo, "node_modules", name, "package.json"), "utf8"))
  return manifest.version
}

/** This repository's package.json: the Effect 4 edition. */
const manifest = JSON.parse(await fs.readFile(path.join(repo, "package.json"), "utf8"))

/** The peer dependencies as a user of the Effect 4 edition installs them (README). */
const peerSpecs = ["effect@^4.1.0", "@effect/platform-node@^4.1.0"]

let temp: string
let project: string
let tarball: string
let install: Result

beforeAll(async () => {
  temp = await fs.mkdtemp(path.join(os.tmpdir(), "effect-threading-package-"))
  const packed = path.join(temp, "packed")
  project = path.join(temp, "consumer")
  await fs.mkdir(packed)
  await fs.mkdir(project)

  await ok("npm", ["pack", "--pack-destination", packed, "--silent"], repo)
  const tarballs = (await fs.readdir(packed)).filter((file) => file.endsWith(".tgz"))
  expect(tarballs).toHaveLength(1)
  tarball = path.join(packed, tarballs[0]!)

  await fs.writeFile(
    path.join(project, "package.json"),
    JSON.stringify({ name: "consumer", version: "1.0.0", private: true, type: "module" }, null, 2)
  )
  for (const file of ["program.mjs", "program.ts", "testing.mjs"]) {
    await fs.copyFile(path.join(consumerSources, file), path.join(project, file))
  }
  await fs.copyFile(path.join(consumerSources, "tsconfig.consumer.json"), path.join(project, "tsconfig.json"))

  const tools = await Promise.all(
    ["typescript", "@types/node"].map(async (name) => `${name}@${await installedVersion(name)}`)
  )
  install = await ok(
    "npm",
    ["install", "--no-audit", "--no-fund", "--prefer-offline", tarball, ...peerSpecs, ...tools],
    project
  )
}, minutes(5))

afterAll(async () => {
  if (temp !== undefined) await fs.rm(temp, { recursive: true, force: true })
})

describe("the packed package", () => {
  it("installs with effect@^4.1.0 and @effect/platform-node@^4.1.0, without a peer dependency error or warning", async () => {
    expect(install.stdout + install.stderr).not.toMatch(/ERESOLVE|peer dep|EBADENGINE|legacy-peer-deps/i)
    const version = async (name: string) =>
      JSON.parse(await fs.readFile(path.join(project, "node_modules", name, "package.json"), "utf8")).version as string
    expect(await version("effect")).toMatch(/^4\./)
    expect(await version("@effect/platform-node")).toMatch(/^4\./)
    // `npm ls` exits non-zero on a missing or invalid peer dependency
    await ok("npm", ["ls", "--all"], project)
  })

  it("is effect-threading 1.x, the version of package.json, in a tarball named after it as the README says", async () => {
    expect(manifest.version).toMatch(/^1\.\d+\.\d+$/)
    expect(path.basename(tarball)).toBe(`effect-threading-${manifest.version}.tgz`)
    const readme = await fs.readFile(path.join(repo, "README.md"), "utf8")
    expect(readme).toContain(`effect-threading-${manifest.version}.tgz`)
    const installed = JSON.parse(
      await fs.readFile(path.join(project, "node_modules", "effect-threading", "package.json"), "utf8")
    )
    expect(installed.version).toBe(manifest.version)
    // what a user of the app sees
    const listed = await ok("npm", ["ls", "effect-threading"], project)
    expect(listed.stdout).toContain(`effect-threading@${manifest.version}`)
    // the shipped CHANGELOG's latest entry is this version, and it is about this edition
    const changelog = await fs.readFile(path.join(project, "node_modules", "effect-threading", "CHANGELOG.md"), "utf8")
    expect(/^## (.+)$/m.exec(changelog)?.[1]).toBe(manifest.version)
    expect(changelog).toContain("The Effect 4 edition")
    expect(changelog).not.toContain("for Effect 3 programs")
  })

  it("holds the built ESM JavaScript, declarations and source maps, and no tests or tooling", async () => {
    const installed = path.join(project, "node_modules", "effect-threading")
    const files = (await fs.readdir(installed, { recursive: true })).map((file) => file.split(path.sep).join("/"))
    for (const module of ["index", "Thread", "Threading", "JoinableQueue", "testing", "TestThreading"]) {
      expect(files).toContain(`dist/${module}.js`)
      expect(files).toContain(`dist/${module}.js.map`)
      expect(files).toContain(`dist/${module}.d.ts`)
      expect(files).toContain(`dist/${module}.d.ts.map`)
      expect(files).toContain(`src/${module}.ts`)
    }
    expect(files).toContain("package.json")
    expect(files).toContain("LICENSE")
    expect(files.filter((file) => /^(test|examples|bench|\.changeset|\.ci)\//.test(file))).toEqual([])
    // of docs/, the guides only (not the generated API site)
    expect(files.filter((file) => file.startsWith("docs/") && !/^docs\/[\w-]+\.md$/.test(file))).toEqual([])
    expect(files.filter((file) => /tsconfig|eslint|typedoc|vitest/.test(file))).toEqual([])

    const manifest = JSON.parse(await fs.readFile(path.join(installed, "package.json"), "utf8"))
    expect(manifest.dependencies).toBeUndefined()
    expect(manifest.peerDependencies.effect).toBe("^4.1.0")
    expect(manifest.peerDependencies["@effect/platform-node"]).toBe("^4.1.0")
    // every other peer is optional (platform-node: for runMain only), so effect alone installs cleanly
    for (const name of Object.keys(manifest.peerDependencies).filter((name) => name !== "effect")) {
      expect(manifest.peerDependenciesMeta?.[name]?.optional, name).toBe(true)
    }
    expect(manifest.engines).toEqual({ node: ">=22.19" })
    expect(manifest.sideEffects).toBe(false)
    expect(manifest.license).toBe("MIT")
    expect(manifest.repository).toEqual({
      type: "git",
      url: "git+https://github.com/effect-threading/effect-threading.git"
    })
    expect(manifest.homepage).toBe("https://github.com/effect-threading/effect-threading#readme")
    expect(manifest.bugs.url).toBe("https://github.com/effect-threading/effect-threading/issues")
    expect(await fs.readFile(path.join(installed, "LICENSE"), "utf8")).toMatch(
      /^MIT License\n\nCopyright \(c\) 2026 effect-threading contributors\n/
    )
    // the tarball's own copy of effect would shadow the user's: there must be none
    expect(files.some((file) => file.startsWith("node_modules/"))).toBe(false)
  })

  it("runs a plain JavaScript ESM program with Thread and Threading.runMain", async () => {
    const result = await run(process.execPath, ["program.mjs"], project, minutes(1))
    expect(result.stderr).toBe("")
    expect(lines(result.stdout)).toEqual([
      "main: MainThread, worker, watcher (daemon)",
      "main: same modules true",
      "main: done",
      "worker: done",
      "atExit: bye",
      "watcher: interrupted"
    ])
    expect(result.code).toBe(0)
  }, minutes(1))

  it("type-checks a TypeScript program against the published declarations, and runs it", async () => {
    const tsc = path.join(project, "node_modules", "typescript", "bin", "tsc")
    const compiled = await run(process.execPath, [tsc, "-p", "tsconfig.json"], project, minutes(2))
    expect(compiled.stdout + compiled.stderr).toBe("")
    expect(compiled.code).toBe(0)

    const result = await run(process.execPath, [path.join("out", "program.js")], project, minutes(1))
    expect(lines(result.stdout)).toEqual([
      "answer: 42",
      "crasher: alive false",
      "start twice: ThreadError: threads can only be started once"
    ])
    expect(result.stderr).toContain("Exception in thread crasher:")
    expect(result.stderr).toContain("thread boom")
    expect(result.stderr).toContain("main boom")
    expect(result.code).toBe(1)
  }, minutes(3))

  it("runs effect-threading/testing and effect-threading/JoinableQueue with no test framework installed", async () => {
    const result = await run(process.execPath, ["testing.mjs"], project, minutes(1))
    expect(result.stderr).toBe("")
    expect(lines(result.stdout)).toEqual([
      "run: Success \"joined, same module true\" at 3000 ms",
      "threads: worker interrupted_at_shutdown"
    ])
    expect(result.code).toBe(0)
    // the helper needs only effect: no vitest in the consumer, nor among the package's dependencies
    const vitest = await run(process.execPath, ["--input-type=module", "-e", "await import(\"vitest\")"], project)
    expect(vitest.stderr).toContain("ERR_MODULE_NOT_FOUND")
  }, minutes(1))

  it("exports only its public modules", async () => {
    const attempt = (specifier: string) =>
      run(
        process.execPath,
        ["--input-type=module", "-e", `await import(${JSON.stringify(specifier)}); console.log("imported")`],
        project,
        minutes(1)
      )
    const internal = await attempt("effect-threading/internal/threading.js")
    expect(internal.code).not.toBe(0)
    expect(internal.stderr).toContain("ERR_PACKAGE_PATH_NOT_EXPORTED")
    const threading = await attempt("effect-threading/Threading")
    expect(threading.stdout).toBe("imported\n")
    expect(threading.code).toBe(0)
  }, minutes(1))
})

describe("the guides in the package", () => {
  const installed = () => path.join(project, "node_modules", "effect-threading")
  const readme = () => fsSync.readFileSync(path.join(installed(), "README.md"), "utf8")

  it("holds every guide of docs/, beside the README", () => {
    const guides = guidesOf(repo)
    expect(guides).toEqual(expect.arrayContaining(["docs/shutdown.md", "docs/testing.md", "docs/toolkit.md"]))
    expect(guidesOf(installed())).toEqual(guides)
  })

  it("links from the README every guide it names, and names only guides it ships", () => {
    const named = guidesNamedIn(readme())
    expect(named).toEqual(expect.arrayContaining(["docs/shutdown.md", "docs/observability.md", "docs/cluster.md"]))
    const linked = new Set(linksOf(readme()).map((link) => link.target.split("#")[0]))
    expect(named.filter((guide) => !linked.has(guide))).toEqual([])
    expect(named.filter((guide) => !fsSync.existsSync(path.join(installed(), guide)))).toEqual([])
  })

  it("has links that work there: relative ones inside the package, repository addresses to files of the repository", () => {
    const docs = ["README.md", "CHANGELOG.md", ...guidesOf(installed())]
    expect(docs.flatMap((doc) => problemsOf({ pkg: installed(), repository: repo }, doc))).toEqual([])
  })

  it("would report a link that leaves the package, a missing heading and an address the repository lacks", async () => {
    const pkg = await fs.mkdtemp(path.join(os.tmpdir(), "effect-threading-links-"))
    try {
      await fs.mkdir(path.join(pkg, "docs"))
      await fs.writeFile(path.join(pkg, "docs", "a.md"), "# A\n\n## Two words\n")
      await fs.writeFile(
        path.join(pkg, "README.md"),
        [
          "[ok](docs/a.md#two-words) [ok](#readme) [ok](https://effect.website)",
          "[ok](https://github.com/effect-threading/effect-threading/blob/main/README.md#install)",
          "[ok](https://github.com/effect-threading/effect-threading/tree/main/examples)",
          "[out](../examples/timer.ts) [gone](docs/b.md) [anchor](docs/a.md#three)",
          "[address](https://github.com/effect-threading/effect-threading/blob/main/examples/nope.ts)",
          "[folder](https://github.com/effect-threading/effect-threading/blob/main/examples)",
          "```md",
          "[in code](nowhere.md)",
          "```",
          "# Readme"
        ].join("\n")
      )
      expect(problemsOf({ pkg, repository: repo }, "README.md")).toEqual([
        "README.md:4 (../examples/timer.ts): not in the package",
        "README.md:4 (docs/b.md): not in the package",
        "README.md:4 (docs/a.md#three): no heading for #three",
        "README.md:5 (https://github.com/effect-threading/effect-threading/blob/main/examples/nope.ts): " +
        "not a file of the repository",
        "README.md:6 (https://github.com/effect-threading/effect-threading/blob/main/examples): blob/ names a folder"
      ])
    } finally {
      await fs.rm(pkg, { recursive: true, force: true })
    }
  })
})
