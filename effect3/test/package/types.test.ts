/**
 * The type tests in `test/types/` (the entry points' requirements): each file
 * type-checks as it is — so every `// @ts-expect-error` has an error to
 * expect — and fails exactly where it says, for the reason it says: with the
 * directives blanked out, the errors are on the lines after them and nowhere
 * else, and each one's message contains the text its directive gives
 * (`// @ts-expect-error FRAGMENT`). A directive that fails for another reason
 * than the one it names, or a valid spelling that stops compiling, fails here.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { repo, typecheck } from "./typecheck.js"

const folder = path.join(repo, "test", "types")
const files = fs.readdirSync(folder).filter((file) => file.endsWith(".ts")).sort()

const directive = /^\s*\/\/ @ts-expect-error (.+)$/

/** `FILE:LINE` → the problems `typecheck` reports there. */
const byLine = (problems: ReadonlyArray<string>): ReadonlyMap<string, ReadonlyArray<string>> => {
  const out = new Map<string, Array<string>>()
  for (const problem of problems) {
    const [, where, message] = /^([^:]+:\d+): ([\s\S]*)$/.exec(problem)!
    out.set(where!, [...(out.get(where!) ?? []), message!])
  }
  return out
}

describe("type tests (test/types/)", () => {
  it("are found", () => {
    expect(files).toContain("runMain.ts")
  })

  it.each(files)("%s type-checks, each @ts-expect-error included", (file) => {
    const text = fs.readFileSync(path.join(folder, file), "utf8")
    expect(typecheck(new Map([[path.join(folder, file), text]]))).toEqual([])
  }, 120_000)

  it.each(files)("%s fails on the lines its directives name, for the reasons they give", (file) => {
    const lines = fs.readFileSync(path.join(folder, file), "utf8").split("\n")
    const expected = new Map<string, string>()
    const blanked = lines.map((line, i) => {
      const match = directive.exec(line)
      if (match === null) return line
      expected.set(`${file}:${i + 2}`, match[1]!.trim())
      return "//"
    })
    expect(expected.size).toBeGreaterThan(0)
    const problems = byLine(typecheck(new Map([[path.join(folder, file), blanked.join("\n")]])))
    expect([...problems.keys()].sort()).toEqual([...expected.keys()].sort())
    for (const [where, fragment] of expected) {
      expect(problems.get(where)!.join("\n"), where).toContain(fragment)
    }
  }, 120_000)
})
