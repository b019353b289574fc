/**
 * Case 7: the two editions side by side, in the same run. The Effect 3
 * edition (`effect3/`, with its own `node_modules` after `npm ci` there) and
 * the Effect 4 edition (this folder) are each measured in a child process of
 * their own (bench/edition.ts: one process per major, each edition with its
 * own `effect`, `src/` and bench code), on the same Node binary as this run,
 * in alternating order over several passes (3 in a full run, 1 in `--quick`).
 *
 * Each child gives its edition's time and its raw Effect baseline's time;
 * the table puts them side by side with the ratios the targets are about:
 * edition / raw Effect within an edition, and Effect 4 edition / Effect 3
 * edition across the two (per pass, then the median over passes).
 */
import { execFile } from "node:child_process"
import { existsSync } from "node:fs"
import { fileURLToPath } from "node:url"
import type { EditionCase, EditionReport } from "./edition.js"
import type { Options, Result } from "./harness.js"
import { clock, fmtNum, fmtRatio, median } from "./harness.js"

const root = fileURLToPath(new URL("..", import.meta.url))
const effect3 = fileURLToPath(new URL("../effect3", import.meta.url))
const child = fileURLToPath(new URL("./edition.ts", import.meta.url))

/** Targets of the Effect 4 edition (issue 10). */
const TARGET_VS_RAW = 1.2
const TARGET_VS_EFFECT3 = 0.4

/** Runs bench/edition.ts for the edition in `dir`. */
const runEdition = (dir: string, options: Options): Promise<EditionReport> =>
  new Promise((resolve, reject) => {
    const args = [
      "--expose-gc",
      "--import",
      import.meta.resolve("tsx"),
      child,
      `--edition=${dir}`,
      `--clock=${clock.kind}`,
      ...(options.quick ? ["--quick"] : [])
    ]
    execFile(process.execPath, args, {
      cwd: dir,
      env: { ...process.env, TSX_TSCONFIG_PATH: `${dir}/tsconfig.json` },
      maxBuffer: 16 * 1024 * 1024
    }, (error, stdout, stderr) => {
      if (error !== null) {
        reject(new Error(`bench/edition.ts --edition=${dir} failed: ${error.message}\n${stderr}`))
        return
      }
      resolve(JSON.parse(stdout.trim().split("\n").at(-1)!) as EditionReport)
    })
  })

/** One row of the side-by-side table: a case's figures in both editions. */
export interface EditionRow {
  readonly id: string
  readonly unit: string
  readonly effect3: { readonly subject: number; readonly baseline: number; readonly ratio: number }
  readonly effect4: { readonly subject: number; readonly baseline: number; readonly ratio: number }
  /** Effect 4 edition / Effect 3 edition (median over passes of the per-pass ratio). */
  readonly editionRatio: number
  /** Raw Effect 4 / raw Effect 3, the same way. */
  readonly rawRatio: number
  /** E4 edition / raw Effect 4 ≤ 1.2×. */
  readonly metVsRaw: boolean
  /** E4 edition / E3 edition ≤ 0.4×. */
  readonly metVsEffect3: boolean
}

export interface EditionsOutcome {
  readonly results: Array<Result>
  readonly rows: ReadonlyArray<EditionRow>
  readonly markdown: string
  readonly environment: { readonly node: string; readonly effect3: string; readonly effect4: string }
}

const summarize = (cases: ReadonlyArray<EditionCase>) => ({
  subject: median(cases.map((c) => c.subject)),
  baseline: median(cases.map((c) => c.baseline)),
  ratio: median(cases.map((c) => c.ratio))
})

export const editions = async (
  options: Options,
  log: (message: string) => void
): Promise<EditionsOutcome | string> => {
  if (!existsSync(`${effect3}/node_modules/effect/package.json`)) {
    return "skipped: the Effect 3 edition is not installed (run `npm ci` in effect3/)"
  }
  const passes = options.quick ? 1 : 3
  const reports: Array<{ effect3: EditionReport; effect4: EditionReport }> = []
  for (let pass = 0; pass < passes; pass++) {
    // alternate which edition goes first, so that drift hits both alike
    const order = pass % 2 === 0 ? [effect3, root] : [root, effect3]
    const got = new Map<string, EditionReport>()
    for (const dir of order) {
      log(`7: pass ${pass + 1}/${passes}, ${dir === root ? "Effect 4 edition (root)" : "Effect 3 edition (effect3/)"}`)
      got.set(dir, await runEdition(dir, options))
    }
    reports.push({ effect3: got.get(effect3)!, effect4: got.get(root)! })
  }

  const ids = reports[0]!.effect4.cases.map((c) => c.id)
  const rows: Array<EditionRow> = ids.map((id) => {
    const pick = (report: EditionReport) => report.cases.find((c) => c.id === id)!
    const e3 = reports.map((r) => pick(r.effect3))
    const e4 = reports.map((r) => pick(r.effect4))
    const effect3Summary = summarize(e3)
    const effect4Summary = summarize(e4)
    const editionRatio = median(e4.map((c, i) => c.subject / e3[i]!.subject))
    const rawRatio = median(e4.map((c, i) => c.baseline / e3[i]!.baseline))
    return {
      id,
      unit: e4[0]!.unit,
      effect3: effect3Summary,
      effect4: effect4Summary,
      editionRatio,
      rawRatio,
      metVsRaw: effect4Summary.ratio <= TARGET_VS_RAW,
      metVsEffect3: editionRatio <= TARGET_VS_EFFECT3
    }
  })

  const first = reports[0]!
  const environment = { node: first.effect4.node, effect3: first.effect3.effect, effect4: first.effect4.effect }
  const header = [
    "case",
    "E3 edition",
    "E3 raw",
    "E3 ed/raw",
    "E4 edition",
    "E4 raw",
    "E4 ed/raw",
    "E4/E3 edition",
    "E4/E3 raw",
    "E4 ≤ 1.2× raw",
    "E4 ≤ 0.4× E3"
  ]
  const cells = rows.map((row) => [
    `${row.id} (${row.unit})`,
    fmtNum(row.effect3.subject),
    fmtNum(row.effect3.baseline),
    fmtRatio(row.effect3.ratio),
    fmtNum(row.effect4.subject),
    fmtNum(row.effect4.baseline),
    fmtRatio(row.effect4.ratio),
    fmtRatio(row.editionRatio),
    fmtRatio(row.rawRatio),
    row.metVsRaw ? "yes" : "**no**",
    row.metVsEffect3 ? "yes" : "**no**"
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((row) => row[i]!.length)))
  const line = (row: ReadonlyArray<string>) => `| ${row.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`
  const markdown = [
    `Editions side by side: effect ${environment.effect3} (E3 edition, effect3/) and effect ${environment.effect4} (E4 edition, root), each in its own process on Node ${environment.node}; ${passes} pass${
      passes === 1 ? "" : "es"
    }, medians. Raw: E3 \`Effect.fork\`+\`Fiber.join\` / \`Fiber.interruptAll\` of \`forkDaemon\` fibers; E4 \`Effect.forkChild\`+\`Fiber.join\` / \`Fiber.interruptAll\` of \`forkDetach\` fibers.`,
    "",
    line(header),
    `| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`,
    ...cells.map(line)
  ].join("\n")

  const results: Array<Result> = rows.map((row, i) => ({
    id: `7.${i + 1}`,
    case: `E4 vs E3 edition: ${row.id}`,
    unit: row.unit,
    subject: row.effect4.subject,
    baseline: row.effect3.subject,
    baselineName: "the Effect 3 edition, same case",
    ratio: row.editionRatio,
    ratioMeaning: null,
    target: `≤ ${TARGET_VS_EFFECT3}× E3 edition, ≤ ${TARGET_VS_RAW}× raw`,
    met: row.metVsRaw && row.metVsEffect3,
    note: `E4 edition/raw ${fmtRatio(row.effect4.ratio)}, E3 edition/raw ${fmtRatio(row.effect3.ratio)}, raw E4/E3 ${
      fmtRatio(row.rawRatio)
    }`,
    detail: { row, passes: reports.map((r) => ({ effect3: r.effect3.cases, effect4: r.effect4.cases })) }
  }))
  return { results, rows, markdown, environment }
}
