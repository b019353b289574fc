/**
 * The two editions keep one public API. The Effect 4 edition (the repository
 * root, `src/`) and the Effect 3 edition (`effect3/src/`) must export the same
 * names from `index.ts` (`Thread`, `Threading`), `Thread.ts` and
 * `Threading.ts`, so that they cannot drift apart silently: a bug fix or a
 * conformance fix goes to both.
 *
 * The one allowed difference: a capability new in the Effect 4 edition (new
 * capabilities go to the root only) is a name that exists only at the root
 * and is documented `@since 1.0.0` or later. A name of the shared API
 * (`@since 0.x`) missing from either edition, or any name only in the Effect
 * 3 edition, fails the test with the list of names on each side.
 *
 * The modules of the machinery that do not depend on Effect's version (the
 * phase rules, the signal policy, the report texts, the errors) are the same
 * file in both editions' `src/internal/`: `sharedModules` below lists them,
 * and a module that differs, imports something edition-specific, or is
 * identical without being listed fails the test.
 *
 * Both editions' sources are read with the TypeScript parser (this
 * repository's `typescript`), not imported: the Effect 3 edition's sources
 * depend on Effect 3, which is not installed here.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import ts from "typescript"
import { describe, expect, it } from "vitest"

const repo = fileURLToPath(new URL("../..", import.meta.url))
const editions = {
  effect4: { label: "the Effect 4 edition (src/)", src: path.join(repo, "src") },
  effect3: { label: "the Effect 3 edition (effect3/src/)", src: path.join(repo, "effect3", "src") }
} as const
const modules = ["index", "Thread", "Threading"] as const

/** An exported name and the `@since` of its documentation (if any). */
type Exports = ReadonlyMap<string, string | undefined>

const sinceOf = (node: ts.Node): string | undefined => {
  const tag = ts.getJSDocTags(node).find((t) => t.tagName.text === "since")
  return tag === undefined ? undefined : ts.getTextOfJSDocComment(tag.comment)?.trim()
}

const isExported = (node: ts.Node): boolean =>
  ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword)

const isDefault = (node: ts.Node): boolean =>
  ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.DefaultKeyword)

/** The declarations of a statement that has a name: `[name, node carrying its JSDoc]`. */
const declared = (statement: ts.Statement): ReadonlyArray<readonly [string, ts.Node]> => {
  if (ts.isVariableStatement(statement)) {
    return statement.declarationList.declarations.flatMap((d) => ts.isIdentifier(d.name) ? [[d.name.text, d]] : [])
  }
  if (
    (ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement) || ts.isInterfaceDeclaration(statement) ||
      ts.isTypeAliasDeclaration(statement) || ts.isEnumDeclaration(statement) || ts.isModuleDeclaration(statement)) &&
    statement.name !== undefined && ts.isIdentifier(statement.name)
  ) {
    return [[statement.name.text, statement]]
  }
  return []
}

/** The names a module exports, read from its source text. */
const exportsOf = (fileName: string, text: string): Exports => {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true)
  const local = new Map<string, string | undefined>()
  for (const statement of source.statements) {
    for (const [name, node] of declared(statement)) local.set(name, local.get(name) ?? sinceOf(node))
  }
  const out = new Map<string, string | undefined>()
  const add = (name: string, since: string | undefined) => out.set(name, out.get(name) ?? since)
  for (const statement of source.statements) {
    if (ts.isExportDeclaration(statement)) {
      const clause = statement.exportClause
      if (clause === undefined) {
        throw new Error(`${fileName}: \`export *\` is not supported here; export names explicitly`)
      }
      if (ts.isNamespaceExport(clause)) {
        add(clause.name.text, sinceOf(statement))
      } else {
        for (const element of clause.elements) {
          const localName = (element.propertyName ?? element.name).text
          add(element.name.text, sinceOf(statement) ?? local.get(localName))
        }
      }
    } else if (ts.isExportAssignment(statement)) {
      add("default", sinceOf(statement))
    } else if (isExported(statement)) {
      for (const [name, node] of declared(statement)) add(isDefault(statement) ? "default" : name, sinceOf(node))
    }
  }
  return out
}

/** `module.name` for the index (`Thread`, `Threading`), `Module.name` for the others. */
const qualified = (module: string, name: string) => module === "index" ? name : `${module}.${name}`

const readExports = (src: string, module: string): Exports => {
  const file = path.join(src, `${module}.ts`)
  return exportsOf(file, fs.readFileSync(file, "utf8"))
}

/** A capability new in the Effect 4 edition: `@since` 1.0.0 or later. */
const isRootOnlyCapability = (since: string | undefined) =>
  since !== undefined && /^\d+/.test(since) && Number.parseInt(since, 10) >= 1

interface Drift {
  /** Names of the shared API only in the Effect 4 edition (not marked as new capabilities). */
  readonly onlyEffect4: ReadonlyArray<string>
  /** Names only in the Effect 3 edition. */
  readonly onlyEffect3: ReadonlyArray<string>
  /** Names only in the Effect 4 edition, documented `@since 1.x` or later: allowed. */
  readonly newInEffect4: ReadonlyArray<string>
}

const compare = (
  effect4: ReadonlyMap<string, Exports>,
  effect3: ReadonlyMap<string, Exports>
): Drift => {
  const onlyEffect4: Array<string> = []
  const onlyEffect3: Array<string> = []
  const newInEffect4: Array<string> = []
  for (const module of modules) {
    const root = effect4.get(module) ?? new Map()
    const old = effect3.get(module) ?? new Map()
    for (const [name, since] of root) {
      if (old.has(name)) continue
      const id = `${qualified(module, name)} (@since ${since ?? "—"})`
      ;(isRootOnlyCapability(since) ? newInEffect4 : onlyEffect4).push(id)
    }
    for (const name of old.keys()) {
      if (!root.has(name)) onlyEffect3.push(qualified(module, name))
    }
  }
  return { onlyEffect4: onlyEffect4.sort(), onlyEffect3: onlyEffect3.sort(), newInEffect4: newInEffect4.sort() }
}

/** The failure text: which names differ, on which side ("" when the editions agree). */
const describeDrift = (drift: Drift): string =>
  drift.onlyEffect4.length === 0 && drift.onlyEffect3.length === 0 ? "" : [
    "The editions' public names differ:",
    `  only in ${editions.effect4.label}: ${drift.onlyEffect4.join(", ") || "—"}`,
    `  only in ${editions.effect3.label}: ${drift.onlyEffect3.join(", ") || "—"}`,
    "A name of the shared API must exist in both editions (fixes go to both); a capability new in the",
    "Effect 4 edition exists only at the root and is documented `@since 1.0.0` or later."
  ].join("\n")

const load = (src: string) => new Map(modules.map((m) => [m, readExports(src, m)] as const))

describe("the two editions' public API", () => {
  const effect4 = load(editions.effect4.src)
  const effect3 = load(editions.effect3.src)

  it("is read from both editions' sources", () => {
    for (const exports of [effect4, effect3]) {
      expect([...exports.get("index")!.keys()].sort()).toEqual(expect.arrayContaining(["Thread", "Threading"]))
      expect([...exports.get("Thread")!.keys()]).toEqual(
        expect.arrayContaining(["Thread", "TypeId", "spawn", "join", "await", "daemon", "periodic", "timer", "cancel"])
      )
      expect([...exports.get("Threading")!.keys()]).toEqual(
        expect.arrayContaining(["Threading", "Options", "main", "runMain", "layer", "atExit", "enumerate"])
      )
    }
  })

  it("has the same names in both editions, apart from capabilities new in the Effect 4 edition", () => {
    const drift = compare(effect4, effect3)
    expect(describeDrift(drift)).toBe("")
    // only at the root and documented as new: listed for the record
    for (const name of drift.newInEffect4) expect(name).toMatch(/@since [1-9]/)
  })

  it("would fail on a dummy export in one edition only (the check can fail)", () => {
    const dummy = "\n/**\n * @since 0.1.0\n */\nexport const dummy = 1\n"
    const withDummy = (src: string) => {
      const file = path.join(src, "Thread.ts")
      return new Map(
        [...load(src)].map(([m, e]) =>
          [m, m === "Thread" ? exportsOf(file, fs.readFileSync(file, "utf8") + dummy) : e] as const
        )
      )
    }
    const atRoot = compare(withDummy(editions.effect4.src), effect3)
    expect(atRoot.onlyEffect4).toEqual(["Thread.dummy (@since 0.1.0)"])
    expect(describeDrift(atRoot)).toContain(`only in ${editions.effect4.label}: Thread.dummy (@since 0.1.0)`)

    const inEffect3 = compare(effect4, withDummy(editions.effect3.src))
    expect(inEffect3.onlyEffect3).toEqual(["Thread.dummy"])
    expect(describeDrift(inEffect3)).toContain(`only in ${editions.effect3.label}: Thread.dummy`)

    // a new capability, documented as such, is allowed at the root only
    const capability = "\n/**\n * @since 1.0.0\n */\nexport const brandNew = 1\n"
    const file = path.join(editions.effect4.src, "Threading.ts")
    const withCapability = new Map(effect4)
    withCapability.set("Threading", exportsOf(file, fs.readFileSync(file, "utf8") + capability))
    const allowed = compare(withCapability, effect3)
    expect(describeDrift(allowed)).toBe(describeDrift(compare(effect4, effect3)))
    expect(allowed.newInEffect4).toContain("Threading.brandNew (@since 1.0.0)")
  })
})

// -----------------------------------------------------------------------------
// The modules both editions share, byte for byte
// -----------------------------------------------------------------------------

/**
 * The modules of `src/internal/` that do not depend on Effect's version
 * (plain TypeScript; `errors.ts` uses only `effect/Data`, whose API is the
 * same in both), kept byte-identical in `effect3/src/internal/`: a fix made
 * in one is made in both by copying the file. The list is mirrored in
 * ARCHITECTURE.md; a module that becomes identical in both trees belongs here.
 */
const sharedModules = [
  "errors.ts",
  "faults.ts",
  "lifecycle.ts",
  "messages.ts",
  "readOptions.ts",
  "reportText.ts",
  "signals.ts",
  "watchdog.ts"
] as const

/** What a shared module may import: the other shared modules, `effect/Data`, and Node's own modules (`node:…`). */
const allowedImports = new Set(["effect/Data", ...sharedModules.map((m) => `./${m.replace(/\.ts$/, ".js")}`)])
const isAllowedImport = (specifier: string) => allowedImports.has(specifier) || specifier.startsWith("node:")

const internalDir = (src: string) => path.join(src, "internal")

/**
 * How a shared module differs between the editions ("" when it does not): the
 * first line that differs, with its number and both versions.
 */
const differenceOf = (module: string, effect4: string | undefined, effect3: string | undefined): string => {
  if (effect4 === undefined || effect3 === undefined) {
    return `${module}: missing from ${effect4 === undefined ? "src/internal/" : "effect3/src/internal/"}`
  }
  if (effect4 === effect3) return ""
  const a = effect4.split("\n")
  const b = effect3.split("\n")
  let line = 0
  while (line < a.length && line < b.length && a[line] === b[line]) line++
  return [
    `${module} differs between src/internal/ and effect3/src/internal/ from line ${line + 1}:`,
    `  src/internal/${module}:         ${JSON.stringify(a[line] ?? "(end of file)")}`,
    `  effect3/src/internal/${module}: ${JSON.stringify(b[line] ?? "(end of file)")}`,
    "A shared module is the same file in both editions: change both (copy the file)."
  ].join("\n")
}

const readIfExists = (file: string): string | undefined =>
  fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined

const internalText = (src: string, module: string) => readIfExists(path.join(internalDir(src), module))

/** The specifiers a module imports (or re-exports) from. */
const importsOf = (fileName: string, text: string): Array<string> =>
  ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true).statements.flatMap((statement) =>
    (ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)) &&
      statement.moduleSpecifier !== undefined && ts.isStringLiteral(statement.moduleSpecifier)
      ? [statement.moduleSpecifier.text]
      : []
  )

describe("the modules both editions share (src/internal/ and effect3/src/internal/)", () => {
  it.each(sharedModules)("%s is byte-identical in both editions", (module) => {
    expect(
      differenceOf(module, internalText(editions.effect4.src, module), internalText(editions.effect3.src, module))
    ).toBe("")
  })

  it.each(sharedModules)("%s depends on nothing that differs between the editions", (module) => {
    const text = internalText(editions.effect4.src, module) ?? ""
    expect(importsOf(module, text).filter((specifier) => !isAllowedImport(specifier))).toEqual([])
  })

  it("lists every module that is identical in both editions", () => {
    const effect3Modules = new Set(fs.readdirSync(internalDir(editions.effect3.src)))
    const identical = fs.readdirSync(internalDir(editions.effect4.src))
      .filter((module) => effect3Modules.has(module))
      .filter((module) => internalText(editions.effect4.src, module) === internalText(editions.effect3.src, module))
    expect(identical.sort()).toEqual([...sharedModules].sort())
  })

  it("would fail on a one-character change, or a missing file, in either edition (the check can fail)", () => {
    const text = internalText(editions.effect4.src, "signals.ts")!
    const changed = text.replace("exitCodes = { SIGINT: 130", "exitCodes = { SIGINT: 131")
    expect(changed).not.toBe(text)
    const atRoot = differenceOf("signals.ts", changed, text)
    expect(atRoot).toContain("signals.ts differs between src/internal/ and effect3/src/internal/ from line")
    expect(atRoot).toContain("SIGINT: 131")
    expect(differenceOf("signals.ts", text, changed)).toContain("SIGINT: 131")
    expect(differenceOf("signals.ts", text, text + "\n")).toContain("(end of file)")
    expect(differenceOf("signals.ts", text, undefined)).toBe("signals.ts: missing from effect3/src/internal/")
    expect(importsOf("x.ts", "import * as Effect from \"effect/Effect\"\nexport * from \"./signals.js\"\n"))
      .toEqual(["effect/Effect", "./signals.js"])
  })
})
