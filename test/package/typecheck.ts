/**
 * Type-checks code that is not in a file — `@example` blocks, Markdown
 * snippets — against the library, the way the repository's own code is
 * checked: `tsconfig.json`'s options, with imports of `effect-threading`
 * resolving to `src/`. Each snippet is a virtual file under `test/package/`
 * (so that `effect`, `@effect/vitest` and the rest resolve from
 * `node_modules`); unused locals are allowed, since an example may show a
 * value without using it.
 */
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import ts from "typescript"

/** The package root (the repository root: the Effect 4 edition). */
export const repo = fileURLToPath(new URL("../..", import.meta.url))

/** Reads a tsconfig file of the repository. */
export const parseConfig = (file: string): ts.ParsedCommandLine => {
  const parsed = ts.getParsedCommandLineOfConfigFile(path.join(repo, file), {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
      throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n"))
    }
  })
  if (parsed === undefined) throw new Error(`cannot read ${file}`)
  return parsed
}

/** The path of a virtual file named `name` (e.g. `README.md-66.ts`). */
export const virtualPath = (folder: string, name: string): string => path.join(repo, "test", "package", folder, name)

/**
 * Type-checks `files` (virtual path → code) in one program and returns the
 * problems, as `FILE:LINE: message` (the line in the snippet).
 */
export const typecheck = (files: ReadonlyMap<string, string>): ReadonlyArray<string> => {
  const config = parseConfig("tsconfig.json")
  const options: ts.CompilerOptions = {
    ...config.options,
    noEmit: true,
    noUnusedLocals: false,
    noUnusedParameters: false
  }
  const host = ts.createCompilerHost(options)
  const { fileExists, getSourceFile, readFile } = host
  host.fileExists = (file) => files.has(file) || fileExists.call(host, file)
  host.readFile = (file) => files.get(file) ?? readFile.call(host, file)
  host.getSourceFile = (file, language, ...rest) => {
    const text = files.get(file)
    return text === undefined
      ? getSourceFile.call(host, file, language, ...rest)
      : ts.createSourceFile(file, text, language)
  }
  const program = ts.createProgram([...files.keys()], options, host)
  return [...files.keys()].flatMap((file) =>
    ts.getPreEmitDiagnostics(program, program.getSourceFile(file)).map((diagnostic) => {
      const where = diagnostic.file !== undefined && diagnostic.start !== undefined
        ? `${path.basename(diagnostic.file.fileName)}:${
          diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start).line + 1
        }`
        : path.basename(file)
      return `${where}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, " ")}`
    })
  )
}
