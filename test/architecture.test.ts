/**
 * ARCHITECTURE.md stays true, in both editions: every module of
 * src/internal/ (and effect3/src/internal/) is in its table of internal
 * modules, the table's order is the import order (a module imports, at run
 * time, only modules listed above it), and no internal module is over 400
 * lines. The Effect 3 edition has the table's modules but those marked (E4).
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"

const root = fileURLToPath(new URL("..", import.meta.url))

/** The modules of the table "The internal modules, one concept each", in order (Effect 3: without the E4 ones). */
const tableOrder = (edition: "effect4" | "effect3"): Array<string> => {
  const text = fs.readFileSync(path.join(root, "ARCHITECTURE.md"), "utf8")
  const section = text.split("## The internal modules")[1]!.split("\n## ")[0]!
  return [...section.matchAll(/^\| `([\w]+)\.ts`( \(E4\))?/gm)]
    .filter((match) => edition === "effect4" || match[2] === undefined)
    .map((match) => match[1]!)
}

/** The internal modules `file` imports at run time (`import type` and `import { type X }`-only lines aside). */
const runtimeImports = (internal: string, file: string): Array<string> => {
  const source = fs.readFileSync(path.join(internal, `${file}.ts`), "utf8")
  const imports: Array<string> = []
  for (const match of source.matchAll(/^import (type )?([^"]*?) from "\.\/(\w+)\.js"/gm)) {
    const [, typeOnly, clause, module] = match
    const onlyTypes = typeOnly !== undefined || /^\{\s*(type \w+(,\s*)?)+\}$/.test(clause!.trim())
    if (!onlyTypes) imports.push(module!)
  }
  return imports
}

for (const edition of ["effect4", "effect3"] as const) {
  const internal = path.join(root, ...(edition === "effect3" ? ["effect3"] : []), "src", "internal")
  const modules = fs.readdirSync(internal).filter((f) => f.endsWith(".ts")).map((f) => f.slice(0, -3)).sort()

  describe(`ARCHITECTURE.md, ${edition === "effect4" ? "the Effect 4 edition" : "the Effect 3 edition"}`, () => {
    it("lists every internal module, once", () => {
      const listed = tableOrder(edition)
      expect([...listed].sort()).toEqual(modules)
      expect(new Set(listed).size).toBe(listed.length)
    })

    it("its table is the import order: a module imports only modules above it", () => {
      const order = tableOrder(edition)
      const violations = modules.flatMap((module) =>
        runtimeImports(internal, module)
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
}
