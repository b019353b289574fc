/**
 * The library's sources as the package ships them, one JavaScript module per
 * source file (esbuild, no bundling: the same module graph as `tsc`'s
 * `dist/`), in a temporary folder under the repository's git-ignored `.tmp/`
 * (so that `effect` and the other packages resolve from its `node_modules`).
 * For measuring what importing the package loads, in plain Node processes.
 */
import { build } from "esbuild"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"

const repo = fileURLToPath(new URL("../..", import.meta.url))

export interface Compiled {
  /** The folder holding `index.js`, `Thread.js`, …, `internal/…`. */
  readonly dir: string
  /** Removes the folder. */
  readonly remove: () => void
}

/** Compiles `src/` to a fresh folder. */
export const compileSources = async (): Promise<Compiled> => {
  fs.mkdirSync(path.join(repo, ".tmp"), { recursive: true })
  const dir = fs.mkdtempSync(path.join(repo, ".tmp", "compiled-"))
  const src = path.join(repo, "src")
  const entryPoints = fs.readdirSync(src, { recursive: true, encoding: "utf8" })
    .filter((file) => file.endsWith(".ts"))
    .map((file) => path.join(src, file))
  await build({ entryPoints, outdir: dir, outbase: src, format: "esm", platform: "node", logLevel: "warning" })
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) }
}

/** The URL of a compiled module, e.g. `moduleUrl(compiled, "index.js")`. */
export const moduleUrl = (compiled: Compiled, file: string): string => pathToFileURL(path.join(compiled.dir, file)).href
