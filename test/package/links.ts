/**
 * The links of the Markdown a package ships (its README and guides), checked
 * as a reader of the package finds them — on the registry's page or in
 * `node_modules/effect-threading/`, where only the packed files exist:
 *
 * - a relative link must name a file of the package (and, with `#anchor`, a
 *   heading of it);
 * - a link to this repository's address
 *   (`https://github.com/effect-threading/effect-threading/blob/main/PATH`,
 *   `tree/` for a folder) must name a file (a folder) of the repository, and
 *   its anchor a heading;
 * - other addresses (effect.website, npmjs.com) are not followed.
 *
 * Headings become anchors as GitHub makes them: lower case, punctuation
 * dropped, spaces to `-`, `-1`, `-2`... for repeats. Links inside fenced code
 * blocks are code, not links.
 */
import * as fs from "node:fs"
import * as path from "node:path"

/** The repository's address, as package.json's `repository` gives it. */
export const repositoryAddress = "https://github.com/effect-threading/effect-threading"

/** A link of a Markdown file: its target as written and the line it is on. */
export interface Link {
  readonly target: string
  readonly line: number
}

/** The Markdown text outside fenced code blocks (code lines become empty, so line numbers stay). */
const prose = (markdown: string): ReadonlyArray<string> => {
  let fenced = false
  return markdown.split("\n").map((line) => {
    if (/^\s*```/.test(line)) {
      fenced = !fenced
      return ""
    }
    return fenced ? "" : line
  })
}

/** The links (`[text](target)`) of a Markdown text, outside code blocks. */
export const linksOf = (markdown: string): ReadonlyArray<Link> =>
  prose(markdown).flatMap((text, i) =>
    Array.from(text.matchAll(/\]\(([^)\s]+)\)/g), (match) => ({ target: match[1]!, line: i + 1 }))
  )

/** The anchors of a Markdown text's headings, as GitHub makes them. */
export const anchorsOf = (markdown: string): ReadonlySet<string> => {
  const seen = new Map<string, number>()
  const anchors = new Set<string>()
  for (const line of prose(markdown)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)
    if (heading === null) continue
    const slug = heading[1]!
      .toLowerCase()
      .replace(/<[^>]*>/g, "")
      .replace(/[^\p{L}\p{N}\s_-]/gu, "")
      .replace(/\s/g, "-")
    const count = seen.get(slug) ?? 0
    seen.set(slug, count + 1)
    anchors.add(count === 0 ? slug : `${slug}-${count}`)
  }
  return anchors
}

/** Where the files of a link check live. */
export interface Tree {
  /** The installed package (the tarball's files). */
  readonly pkg: string
  /** The repository's root: the folder that repository addresses name. */
  readonly repository: string
}

/** What is wrong with the links of one shipped Markdown file (`doc`, relative to the package): one line per problem. */
export const problemsOf = (tree: Tree, doc: string): ReadonlyArray<string> => {
  const text = fs.readFileSync(path.join(tree.pkg, doc), "utf8")
  const problems: Array<string> = []
  const anchorIn = (file: string, anchor: string, where: string) => {
    if (anchor !== "" && file.endsWith(".md") && !anchorsOf(fs.readFileSync(file, "utf8")).has(anchor)) {
      problems.push(`${where}: no heading for #${anchor}`)
    }
  }
  for (const { line, target } of linksOf(text)) {
    const where = `${doc}:${line} (${target})`
    const [file = "", anchor = ""] = target.split("#", 2)
    if (file.startsWith(`${repositoryAddress}/`)) {
      const address = /^(blob|tree)\/main\/(.+)$/.exec(file.slice(repositoryAddress.length + 1))
      const inRepository = address === null ? undefined : path.join(tree.repository, address[2]!)
      if (address === null || inRepository === undefined || !fs.existsSync(inRepository)) {
        problems.push(`${where}: not a file of the repository`)
      } else if ((address[1] === "tree") !== fs.statSync(inRepository).isDirectory()) {
        problems.push(`${where}: ${address[1] === "tree" ? "tree/ names a file" : "blob/ names a folder"}`)
      } else {
        anchorIn(inRepository, anchor, where)
      }
    } else if (/^[a-z][a-z+.-]*:/i.test(file)) {
      continue // another site
    } else if (file === "") {
      anchorIn(path.join(tree.pkg, doc), anchor, where)
    } else {
      const resolved = path.resolve(tree.pkg, path.dirname(doc), file)
      const inside = path.relative(tree.pkg, resolved)
      if (inside.startsWith("..") || path.isAbsolute(inside) || !fs.existsSync(resolved)) {
        problems.push(`${where}: not in the package`)
      } else {
        anchorIn(resolved, anchor, where)
      }
    }
  }
  return problems
}

/** The guides (`docs/NAME.md`) a Markdown text names, linked or not, code blocks included. */
export const guidesNamedIn = (markdown: string): ReadonlyArray<string> =>
  [...new Set(Array.from(markdown.matchAll(/(?<![\w/.-])docs\/[\w-]+\.md\b/g), (match) => match[0]))].sort()

/** The guides of a package folder: its `docs/*.md`. */
export const guidesOf = (dir: string): ReadonlyArray<string> =>
  fs.existsSync(path.join(dir, "docs"))
    ? fs.readdirSync(path.join(dir, "docs")).filter((file) => file.endsWith(".md")).sort().map((file) => `docs/${file}`)
    : []
