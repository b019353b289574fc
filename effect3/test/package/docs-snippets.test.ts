/**
 * The code of the guides, checked as the API examples are (docs.test.ts):
 * every ```ts block of README.md and docs/*.md is complete — imports
 * included — and type-checks against the library. The blocks marked
 * ```ts runnable also run: a test (one importing `@effect/vitest`) runs here,
 * as a test of this file; a program runs as a real Node process and must end
 * with exit code 0 and nothing on stderr. And the README's install commands
 * and "Differences from Python" table stay true.
 *
 * The runnable blocks are written to `.tmp/snippets/` (ignored by git, lint
 * and tsc) so that they run with the repository's resolution of
 * `effect-threading`.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { endOf, killAll, startTs } from "../process/harness.js"
import { repo, typecheck, virtualPath } from "./typecheck.js"

interface Snippet {
  /** The Markdown file, relative to the package root. */
  readonly doc: string
  /** The line of the opening fence. */
  readonly line: number
  readonly runnable: boolean
  readonly code: string
  /** A file name for it: `README-66`, `testing-18`. */
  readonly name: string
}

const documents = [
  "README.md",
  ...fs.readdirSync(path.join(repo, "docs")).filter((file) => file.endsWith(".md")).sort().map((file) => `docs/${file}`)
]

const read = (file: string) => fs.readFileSync(path.join(repo, file), "utf8")

const snippetsOf = (doc: string): ReadonlyArray<Snippet> =>
  Array.from(read(doc).matchAll(/^```(?:ts|typescript)([^\n]*)\n([\s\S]*?)^```/gm), (match) => {
    const line = read(doc).slice(0, match.index).split("\n").length
    return {
      doc,
      line,
      runnable: match[1]!.trim().split(/\s+/).includes("runnable"),
      code: match[2]!,
      name: `${path.basename(doc, ".md")}-${line}`
    }
  })

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
  it("are found, in every document", () => {
    expect(new Set(snippets.map((s) => s.doc))).toEqual(new Set(documents))
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

/** The major version of a package version (`0.2.0` → 0). */
const major = (version: string): number => Number.parseInt(version.split(".")[0]!, 10)

/**
 * The "Which edition?" table's `effect-threading` column, by edition (`Effect 3` → `0.x`), read from the
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
  /** `^0.97.2` → `^0.97`: the range the install commands give. */
  const minor = (name: string) => manifest.peerDependencies[name].replace(/^\^(0\.\d+)\..*$/, "^$1")

  it("installs the peers at the versions package.json asks for, as runMain's message does", () => {
    const platform = `@effect/platform@${minor("@effect/platform")} @effect/platform-node@${
      minor("@effect/platform-node")
    }`
    expect(readme).toContain(`npm install effect-threading@0 effect@3 ${platform}`)
    expect(readme).toContain(`npm install ${platform}`)
    expect(read("src/internal/runMain.ts")).toContain(`npm install ${platform}`)
    expect(readme).toContain("@effect/vitest@^0.30")
    // today: the tarball built by `npm pack`, named after the version
    expect(readme).toContain(`npm pack            # builds dist/ and writes effect-threading-${manifest.version}.tgz`)
    expect(readme).toContain(`effect3/effect-threading-${manifest.version}.tgz effect@3`)
  })

  it("gives each edition the version line its package.json is on (0.x, 1.x), and tells them apart", () => {
    const section = readme.split(/^## Which edition\?$/m)[1]?.split(/^## /m)[0] ?? ""
    const root = JSON.parse(read("../package.json"))
    const lines = versionLines(section)
    expect(lines.get("Effect 3")).toBe(`${major(manifest.version)}.x`)
    expect(lines.get("Effect 4")).toBe(`${major(root.version)}.x`)
    expect(major(manifest.version)).toBe(0)
    expect(major(root.version)).toBe(1)
    // and the README says which one `npm ls` shows
    expect(readme).toContain(`shows \`effect-threading@${manifest.version}\``)
  })

  it("has the \"Which edition?\" table: both editions, their versions and what goes where", () => {
    const section = readme.split(/^## Which edition\?$/m)[1]?.split(/^## /m)[0] ?? ""
    const rows = section.split("\n").filter((line) => line.startsWith("| "))
    const root = JSON.parse(read("../package.json"))
    const row4 = rows.find((row) => row.includes("Effect 4")) ?? ""
    const row3 = rows.find((row) => row.includes("Effect 3")) ?? ""
    expect(row3).toContain("`effect3/`")
    expect(row3).toContain(`\`effect\` ${manifest.peerDependencies.effect.replace(/^(\^\d+\.\d+)\..*$/, "$1")}`)
    expect(row3).toContain("0.x")
    expect(row3).toContain(`Node ≥ ${manifest.engines.node.replace(/^>=/, "")}`)
    expect(row4).toContain(`\`effect\` ${root.peerDependencies.effect.replace(/^(\^\d+\.\d+)\..*$/, "$1")}`)
    expect(row4).toContain("1.x")
    expect(row4).toContain(`Node ≥ ${root.engines.node.replace(/^>=/, "")}`)
    expect(section).toMatch(/bug fixes and\s+conformance fixes go to both/i)
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
})
