/**
 * The code of the guides, checked as the API examples are (docs.test.ts):
 * every ```ts block of README.md and docs/*.md is complete — imports
 * included — and type-checks against the library, the Effect 4 edition. A
 * block marked ```ts nocheck is a fragment and is skipped. The blocks marked
 * ```ts runnable also run: a test (one importing `@effect/vitest`) runs here,
 * as a test of this file; a program runs as a real Node process and must end
 * with exit code 0 and nothing on stderr. And the README's install commands,
 * its "Which edition?" table and its "Differences from Python" table stay true.
 *
 * The runnable blocks are written to `.tmp/snippets/` (ignored by git, lint
 * and tsc) so that they run with the repository's resolution of
 * `effect-threading`.
 */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { endOf, killAll, startTs } from "../process/harness.js"
import { anchorsOf } from "./links.js"
import { repo, typecheck, virtualPath } from "./typecheck.js"

interface Snippet {
  /** The Markdown file, relative to the package root. */
  readonly doc: string
  /** The line of the opening fence. */
  readonly line: number
  readonly runnable: boolean
  readonly code: string
  /** A file name for it: `README-66`, `toolkit-18`. */
  readonly name: string
}

const documents = [
  "README.md",
  ...fs.readdirSync(path.join(repo, "docs")).filter((file) => file.endsWith(".md")).sort().map((file) => `docs/${file}`)
]

const read = (file: string) => fs.readFileSync(path.join(repo, file), "utf8")

const hasPython = spawnSync("python3", ["--version"]).status === 0

const snippetsOf = (doc: string): ReadonlyArray<Snippet> => {
  const text = read(doc)
  return Array.from(text.matchAll(/^```(?:ts|typescript)([^\n]*)\n([\s\S]*?)^```/gm), (match) => {
    const line = text.slice(0, match.index).split("\n").length
    const flags = match[1]!.trim().split(/\s+/)
    return {
      doc,
      line,
      runnable: flags.includes("runnable"),
      nocheck: flags.includes("nocheck"),
      code: match[2]!,
      name: `${path.basename(doc, ".md")}-${line}`
    }
  }).filter((snippet) => !snippet.nocheck)
}

const snippets = documents.flatMap(snippetsOf)
const isTest = (snippet: Snippet) => /from "@effect\/vitest"/.test(snippet.code)
const runnableTests = snippets.filter((s) => s.runnable && isTest(s))
const runnablePrograms = snippets.filter((s) => s.runnable && !isTest(s))

const folder = path.join(repo, ".tmp", "snippets")
const fileOf = (snippet: Snippet) => path.join(folder, `${snippet.name}.ts`)
fs.rmSync(folder, { recursive: true, force: true })
fs.mkdirSync(folder, { recursive: true })
for (const snippet of snippets.filter((s) => s.runnable)) fs.writeFileSync(fileOf(snippet), snippet.code)

afterAll(killAll)

describe("the ts blocks of README.md and docs/*.md", () => {
  it("are found in the README and the guides", () => {
    for (const doc of ["README.md", "docs/toolkit.md", "docs/shutdown.md"]) {
      expect(snippets.some((s) => s.doc === doc), doc).toBe(true)
    }
    expect(runnableTests.length).toBeGreaterThan(0)
    expect(runnablePrograms.length).toBeGreaterThan(0)
  })

  it("are complete: each has its imports", () => {
    expect(snippets.filter((s) => !/^import /m.test(s.code)).map((s) => `${s.doc}:${s.line}`)).toEqual([])
  })

  it("type-check against the library", () => {
    const files = new Map(snippets.map((s) => [virtualPath("snippets", `${s.name}.ts`), s.code]))
    expect(typecheck(files)).toEqual([])
  }, 120_000)

  it.each(runnablePrograms.map((s) => [`${s.doc}:${s.line}`, s] as const))(
    "%s runs as a program: exit code 0, nothing on stderr",
    async (_, snippet) => {
      const running = startTs(path.relative(repo, fileOf(snippet)))
      const ended = await endOf(running, 30_000)
      expect(running.err()).toBe("")
      expect(ended.code).toBe(0)
    },
    40_000
  )
})

// The runnable tests, registered here as they are written in the guides.
for (const snippet of runnableTests) {
  describe(`${snippet.doc}:${snippet.line}`, async () => {
    await import(fileOf(snippet))
  })
}

describe("docs/python.md", () => {
  const guide = read("docs/python.md")
  /**
   * CPython's `threading.__all__` (3.13: 3.11's, with `setprofile_all_threads` and
   * `settrace_all_threads` of 3.12; `get_native_id` where the platform has it) and
   * `queue.__all__` (3.13: `ShutDown` added).
   */
  const cpython = {
    threading: [
      "get_ident",
      "active_count",
      "Condition",
      "current_thread",
      "enumerate",
      "main_thread",
      "TIMEOUT_MAX",
      "Event",
      "Lock",
      "RLock",
      "Semaphore",
      "BoundedSemaphore",
      "Thread",
      "Barrier",
      "BrokenBarrierError",
      "Timer",
      "ThreadError",
      "ExceptHookArgs",
      "setprofile",
      "settrace",
      "local",
      "stack_size",
      "excepthook",
      "gettrace",
      "getprofile",
      "setprofile_all_threads",
      "settrace_all_threads",
      "get_native_id"
    ],
    queue: ["Empty", "Full", "ShutDown", "Queue", "PriorityQueue", "LifoQueue", "SimpleQueue"]
  }
  const index = guide.split(/^## Every name$/m)[1]?.split(/^## /m)[0] ?? ""
  const rows = index.split("\n").filter((line) => line.startsWith("| `"))
  /** `threading.Event` → ["threading", "Event"], from the first column of each row. */
  const named = rows.flatMap((row) => {
    const match = /^\| `(threading|queue)\.(\w+)`/.exec(row)
    return match === null ? [] : [`${match[1]}.${match[2]}`]
  })
  const anchors = anchorsOf(guide)

  it("has a row for every name of CPython's threading.__all__ and queue.__all__ (3.11–3.13), and no other", () => {
    const expected = [
      ...cpython.threading.map((name) => `threading.${name}`),
      ...cpython.queue.map((name) => `queue.${name}`)
    ]
    expect([...named].sort()).toEqual([...expected].sort())
  })

  it.runIf(hasPython)("covers every name the machine's python3 exports from threading and queue", () => {
    const printed = spawnSync("python3", [
      "-c",
      "import json, queue, threading; print(json.dumps({'threading': threading.__all__, 'queue': queue.__all__}))"
    ], { encoding: "utf8" })
    const exported: { threading: Array<string>; queue: Array<string> } = JSON.parse(printed.stdout)
    const missing = [
      ...exported.threading.map((name) => `threading.${name}`),
      ...exported.queue.map((name) => `queue.${name}`)
    ].filter((name) => !named.includes(name))
    expect(missing).toEqual([])
  })

  it("links each row to a section of the page", () => {
    const links = rows.map((row) => /\]\(#([^)]+)\)/.exec(row)?.[1])
    expect(links.filter((link) => link === undefined || !anchors.has(link))).toEqual([])
  })

  it("is linked from the README's Python tour", () => {
    const tour = read("README.md").split(/^## A tour of the API$/m)[1]?.split(/^## /m)[0] ?? ""
    expect(tour).toContain("[docs/python.md](docs/python.md)")
  })
})

/** The major version of a package version (`1.0.0` → 1). */
const major = (version: string): number => Number.parseInt(version.split(".")[0]!, 10)

/**
 * The "Which edition?" table's `effect-threading` column, by edition (`Effect 4` → `1.x`), read from the
 * table's cells: the header names the column, the first cell the edition.
 */
const versionLines = (section: string): ReadonlyMap<string, string> => {
  const rows = section.split("\n").filter((line) => line.startsWith("| ")).map((line) =>
    line.split("|").slice(1, -1).map((cell) => cell.trim())
  )
  const column = rows[0]!.indexOf("effect-threading")
  expect(column).toBeGreaterThan(0)
  return new Map(rows.slice(2).map((cells) => [/Effect \d/.exec(cells[0]!)?.[0] ?? cells[0]!, cells[column]!] as const))
}

describe("README.md", () => {
  const readme = read("README.md")
  const manifest = JSON.parse(read("package.json"))
  const peer = (name: string): string => manifest.peerDependencies[name]
  /** `^4.1.0` → `^4.1`: the range of the published install line. */
  const minor = (range: string) => range.replace(/^\^(\d+\.\d+)\..*$/, "^$1")

  it("installs the peers at the versions package.json asks for, as runMain's message does", () => {
    expect(peer("effect")).toBe("^4.1.0")
    const platform = `@effect/platform-node@${peer("@effect/platform-node")}`
    // today: the tarball built by `npm pack`, named after the version
    expect(readme).toContain(`effect-threading-${manifest.version}.tgz effect@${peer("effect")} ${platform}`)
    expect(readme).toContain(`npm pack            # builds dist/ and writes effect-threading-${manifest.version}.tgz`)
    // once published
    expect(readme).toContain(
      `npm install effect-threading effect@${minor(peer("effect"))} @effect/platform-node@${
        minor(peer("@effect/platform-node"))
      }`
    )
    // runMain's hint when the platform package is missing names the same command
    expect(readme).toContain(`npm install ${platform}`)
    expect(read("src/internal/runMain.ts")).toContain(`npm install ${platform}`)
    expect(readme).toContain(`npm install -D @effect/vitest@4 vitest@5`)
    expect(manifest.devDependencies["@effect/vitest"]).toMatch(/^[~^]?4\./)
    expect(manifest.devDependencies["vitest"]).toMatch(/^[~^]?5\./)
    expect(readme).toContain(`Node ${manifest.engines.node.replace(/^>=/, "")}`)
  })

  it("has a \"Differences from Python\" table covering the shutdown's edge cases", () => {
    const section = readme.split(/^## Differences from Python$/m)[1]?.split(/^## /m)[0] ?? ""
    const rows = section.split("\n").filter((line) => line.startsWith("| "))
    expect(rows[0]).toMatch(/^\| Behaviour \| Python \| effect-threading \| Why \|$/)
    for (
      const topic of [
        "Threading.enumerate",
        "Exception in threading.excepthook:",
        "can't register atexit after shutdown",
        "can't create new thread at interpreter shutdown"
      ]
    ) {
      expect(rows.some((row) => row.includes(topic)), topic).toBe(true)
    }
  })

  it("has the \"Which edition?\" table: both editions, their versions and what goes where", () => {
    const section = readme.split(/^## Which edition\?$/m)[1]?.split(/^## /m)[0] ?? ""
    const rows = section.split("\n").filter((line) => line.startsWith("| "))
    const effect3 = JSON.parse(read("effect3/package.json"))
    const row4 = rows.find((row) => row.includes("Effect 4")) ?? ""
    const row3 = rows.find((row) => row.includes("Effect 3")) ?? ""
    expect(row4).toContain("`effect` ^4.1")
    expect(row4).toContain("1.x")
    expect(row4).toContain(`Node ≥ ${manifest.engines.node.replace(/^>=/, "")}`)
    expect(row3).toContain("`effect3/`")
    expect(row3).toContain(`\`effect\` ${effect3.peerDependencies.effect.replace(/^(\^\d+\.\d+)\..*$/, "$1")}`)
    expect(row3).toContain("0.x")
    expect(row3).toContain(`Node ≥ ${effect3.engines.node.replace(/^>=/, "")}`)
    expect(section).toMatch(/bug fixes and\s+conformance fixes go to both/i)
    expect(section).toMatch(/new capabilities go to the\s+Effect 4 edition only/i)
  })

  it("gives each edition the version line its package.json is on (1.x, 0.x), and tells them apart", () => {
    const section = readme.split(/^## Which edition\?$/m)[1]?.split(/^## /m)[0] ?? ""
    const effect3 = JSON.parse(read("effect3/package.json"))
    const lines = versionLines(section)
    expect(lines.get("Effect 4")).toBe(`${major(manifest.version)}.x`)
    expect(lines.get("Effect 3")).toBe(`${major(effect3.version)}.x`)
    expect(major(manifest.version)).toBe(1)
    expect(major(effect3.version)).toBe(0)
    // and the README says which one `npm ls` shows
    expect(readme).toContain(`shows \`effect-threading@${manifest.version}\``)
  })
})
