/**
 * The API reference's contract, checked on the sources the way TypeDoc reads
 * them: every export of a public module (each entry of package.json's
 * `exports`) has a doc comment with `@since` and an `@example`; and every
 * example type-checks against the library — the Effect 4 edition, with
 * Effect 4 (imports of `effect-threading` resolve to `src/`, as in the
 * repository's tsconfig) — so the docs cannot drift from the API. And
 * `npm run docs` (TypeDoc, warnings as errors) succeeds.
 */
import { execFile } from "node:child_process"
import { readFileSync } from "node:fs"
import * as fs from "node:fs/promises"
import * as os from "node:os"
import * as path from "node:path"
import ts from "typescript"
import { beforeAll, describe, expect, it } from "vitest"
import { parseConfig, repo, typecheck, virtualPath } from "./typecheck.js"

/** The public modules: package.json's `exports` (`.` is `index`), as `src/` file names. */
const publicModules: ReadonlyArray<string> = (() => {
  const manifest = JSON.parse(readFileSync(path.join(repo, "package.json"), "utf8"))
  return Object.keys(manifest.exports as Record<string, unknown>)
    .filter((key) => key !== "./package.json")
    .map((key) => key === "." ? "index" : key.slice("./".length))
})()

interface Documented {
  /** `Module.name` */
  readonly id: string
  readonly since: ReadonlyArray<string>
  readonly examples: ReadonlyArray<string>
}

/** The JSDoc tags of a declaration, as TypeDoc finds them (an `export * as` takes its statement's comment). */
const tagsOf = (declaration: ts.Declaration): ReadonlyArray<ts.JSDocTag> =>
  ts.isNamespaceExport(declaration) ? ts.getJSDocTags(declaration.parent) : ts.getJSDocTags(declaration)

const textOf = (tag: ts.JSDocTag) => ts.getTextOfJSDocComment(tag.comment) ?? ""

/** An `@example`'s code: its fenced block if it has one, else its whole text (as TypeDoc reads it). */
const codeOf = (example: string) => {
  const fenced = /```[a-z]*\n([\s\S]*?)```/.exec(example)
  return fenced === null ? example : fenced[1]!
}

const collect = (): ReadonlyArray<Documented> => {
  const config = parseConfig("tsconfig.build.json")
  const program = ts.createProgram(publicModules.map((m) => path.join(repo, "src", `${m}.ts`)), config.options)
  const checker = program.getTypeChecker()
  const documented: Array<Documented> = []
  for (const module of publicModules) {
    const source = program.getSourceFile(path.join(repo, "src", `${module}.ts`))!
    const moduleSymbol = checker.getSymbolAtLocation(source)!
    for (const exported of checker.getExportsOfModule(moduleSymbol)) {
      const symbol = exported.flags & ts.SymbolFlags.Alias && !(exported.declarations ?? []).some(ts.isNamespaceExport)
        ? checker.getAliasedSymbol(exported)
        : exported
      const tags = (symbol.declarations ?? []).flatMap(tagsOf)
      documented.push({
        id: `${module}.${exported.name}`,
        since: tags.filter((tag) => tag.tagName.text === "since").map(textOf),
        examples: tags.filter((tag) => tag.tagName.text === "example").map(textOf)
      })
    }
  }
  return documented
}

let documented: ReadonlyArray<Documented>

beforeAll(() => {
  documented = collect()
}, 60_000)

describe("API documentation", () => {
  it("finds the public API", () => {
    const ids = documented.map((d) => d.id)
    for (const id of ["index.Thread", "index.Threading", "Thread.spawn", "Thread.await", "Threading.runMain"]) {
      expect(ids).toContain(id)
    }
  })

  it("gives every export a @since", () => {
    expect(documented.filter((d) => d.since.length === 0).map((d) => d.id)).toEqual([])
  })

  it("gives every export an @example", () => {
    expect(documented.filter((d) => d.examples.length === 0).map((d) => d.id)).toEqual([])
  })

  it("has examples that type-check against the library", () => {
    // one virtual file per example; numbered, since ids may differ only in case (`singleton`, `Singleton`)
    const files = new Map<string, string>()
    for (const d of documented) {
      d.examples.forEach((example, i) => {
        files.set(virtualPath("examples", `${files.size}-${d.id}.${i}.ts`), codeOf(example))
      })
    }
    expect(files.size).toBeGreaterThan(0)
    const problems = typecheck(files)
    expect(problems).toEqual([])
  }, 120_000)

  it("generates the HTML reference with TypeDoc, without warnings", async () => {
    const out = await fs.mkdtemp(path.join(os.tmpdir(), "effect-threading-docs-"))
    try {
      const typedoc = path.join(repo, "node_modules", "typedoc", "bin", "typedoc")
      const result = await new Promise<{ code: number | null; output: string }>((resolve) => {
        execFile(
          process.execPath,
          [typedoc, "--out", out],
          { cwd: repo, timeout: 120_000 },
          (error, stdout, stderr) => {
            resolve({
              code: error === null ? 0 : typeof error.code === "number" ? error.code : null,
              output: stdout + stderr
            })
          }
        )
      })
      expect(result.output).not.toMatch(/warning|error/i)
      expect(result.code).toBe(0)
      const pages = await fs.readdir(out, { recursive: true })
      for (const page of ["modules/Thread.html", "modules/Threading.html", "variables/Threading.runMain.html"]) {
        expect(pages.map((p) => p.split(path.sep).join("/"))).toContain(page)
      }
    } finally {
      await fs.rm(out, { recursive: true, force: true })
    }
  }, 120_000)
})
