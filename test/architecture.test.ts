/**
 * ARCHITECTURE.md stays true: every module of src/internal/ is in its table of
 * internal modules, the table's order is the import order (a module imports,
 * at run time, only modules listed above it), and no internal module is over
 * 400 lines.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"

const root = fileURLToPath(new URL("..", import.meta.url))
const internal = path.join(root, "src", "internal")

/** The modules of the table "The internal modules, one concept each", in order. */
const tableOrder = (): Array<string> => {
  const text = fs.readFileSync(path.join(root, "ARCHITECTURE.md"), "utf8")
  const section = text.split("## The internal modules")[1]!.split("\n## ")[0]!
  return [...section.matchAll(/^\| `([\w]+)\.ts`/gm)].map((match) => match[1]!)
}

/** The internal modules `file` imports at run time (`import type` and `import { type X }`-only lines aside). */
const runtimeImports = (file: string): Array<string> => {
  const source = fs.readFileSync(path.join(internal, `${file}.ts`), "utf8")
  const imports: Array<string> = []
  for (const match of source.matchAll(/^import (type )?([^"]*?) from "\.\/(\w+)\.js"/gm)) {
    const [, typeOnly, clause, module] = match
    const onlyTypes = typeOnly !== undefined || /^\{\s*(type \w+(,\s*)?)+\}$/.test(clause!.trim())
    if (!onlyTypes) imports.push(module!)
  }
  return imports
}

const modules = fs.readdirSync(internal).filter((f) => f.endsWith(".ts")).map((f) => f.slice(0, -3)).sort()

describe("ARCHITECTURE.md", () => {
  it("lists every internal module, once", () => {
    const listed = tableOrder()
    expect([...listed].sort()).toEqual(modules)
    expect(new Set(listed).size).toBe(listed.length)
  })

  it("its table is the import order: a module imports only modules above it", () => {
    const order = tableOrder()
    const violations = modules.flatMap((module) =>
      runtimeImports(module)
        .filter((imported) => order.indexOf(imported) >= order.indexOf(module))
        .map((imported) => `${module} imports ${imported}`)
    )
    expect(violations).toEqual([])
  })

  it("no internal module is over 400 lines", () => {
    const long = modules
      .map((module) =>
        [module, fs.readFileSync(path.join(internal, `${module}.ts`), "utf8").split("\n").length] as const
      )
      .filter(([, lines]) => lines > 400)
    expect(long).toEqual([])
  })
})
