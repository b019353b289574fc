/**
 * A small, independent, pure model of the exit rule over a `Forest`: when each
 * step of each thread happens, which threads start, when the non-daemon join
 * ends, which daemons are stopped and when, what the excepthook sees, when
 * `Threading.main` returns. It never calls the library.
 *
 * Times are virtual seconds from the start of `main`.
 */
import type { End, Forest, ThreadSpec } from "./forest.js"

interface Timed {
  readonly spec: ThreadSpec
  readonly start: number
  /** When each step begins (`Infinity`: never reached). */
  readonly at: Array<number>
  /** For `Join` steps: when the join returns. */
  readonly returns: Map<number, number>
  /** For `Spawn` steps: the child's timeline. */
  readonly children: Map<number, Timed>
  /** When the steps are done and the ending happens; `Infinity` for `forever` or a step that never returns. */
  readonly naturalEnd: number
}

/** The timeline of a thread started at `start`, as if nothing stopped it. */
const timeline = (spec: ThreadSpec, start: number): Timed => {
  const at: Array<number> = []
  const returns = new Map<number, number>()
  const children = new Map<number, Timed>()
  const byName = new Map<string, Timed>()
  let now = start + (spec.align ? 0.5 : 0)
  spec.ops.forEach((op, i) => {
    at.push(now)
    switch (op._tag) {
      case "Sleep":
      case "Critical":
        now += op.seconds
        break
      case "Spawn": {
        const child = timeline(op.child, now)
        children.set(i, child)
        byName.set(op.child.name, child)
        break
      }
      case "Join": {
        // Returns when the target has ended (at once if it already has), or when the timeout runs out.
        const end = Math.max(now, byName.get(op.target)!.naturalEnd)
        now = op.timeout === undefined ? end : Math.min(now + op.timeout, end)
        returns.set(i, now)
        break
      }
      case "AtExit":
        break
    }
  })
  return { spec, start, at, returns, children, naturalEnd: spec.end === "forever" ? Infinity : now }
}

export interface ThreadOutcome {
  readonly name: string
  readonly isDaemon: boolean
  readonly start: number
  readonly end: End
  readonly finalizers: number
  /** `natural`: reached its ending; `interrupted`: stopped by the shutdown. */
  readonly fate: "natural" | "interrupted"
  /** When the thread's fiber ends (finalizers run then). */
  readonly stoppedAt: number
}

export interface Expected {
  /** When the main program ends. */
  readonly mainEnd: number
  /** The exit rule: max(main end, end of every started non-daemon, transitively). Step (a) ends here. */
  readonly joinEnd: number
  /** When `Threading.main` returns: `joinEnd`, later only while daemons finish critical sections (at most `daemonGrace`). */
  readonly returnsAt: number
  /** Every thread that starts, by name. */
  readonly threads: ReadonlyMap<string, ThreadOutcome>
  /** Daemons alive at `joinEnd` (the ones step (c) interrupts). */
  readonly interrupted: ReadonlySet<string>
  /** Daemons still inside a critical section when `daemonGrace` runs out. */
  readonly stragglers: ReadonlySet<string>
  /** What the excepthook must see: thread, kind of failure, when. */
  readonly excepthook: ReadonlyArray<{ readonly thread: string; readonly kind: "fail" | "die"; readonly at: number }>
  /** Every join that returns: by whom, of what, when, and `isAlive` after it (`undefined` when the timeout and the end coincide). */
  readonly joins: ReadonlyArray<
    { readonly thread: string; readonly target: string; readonly at: number; readonly alive: boolean | undefined }
  >
  /** Every `atExit` registration: hook, by whom, when. */
  readonly atExit: ReadonlyArray<{ readonly hook: string; readonly thread: string; readonly at: number }>
  /** Every critical section that begins: thread, index of the step, begin and end. */
  readonly criticals: ReadonlyArray<
    { readonly thread: string; readonly step: number; readonly begin: number; readonly end: number }
  >
  readonly mainResult: "ok" | "fail"
}

/** Walks the threads that start, given the end of the non-daemon join (a daemon's steps run only before it). */
const started = (root: Timed, joinEnd: number): Array<Timed> => {
  const out: Array<Timed> = []
  const walk = (t: Timed) => {
    out.push(t)
    for (const [i, child] of t.children) {
      if (runs(t, t.at[i]!, joinEnd)) walk(child)
    }
  }
  walk(root)
  return out
}

/** Whether a step of `t` beginning at `at` runs: non-daemons run all reached steps; daemons only before the join ends. */
const runs = (t: Timed, at: number, joinEnd: number): boolean =>
  Number.isFinite(at) && (!t.spec.isDaemon || at < joinEnd)

/** The expected outcome of running `forest` under `Threading.main` on the TestClock. */
export const expected = (forest: Forest): Expected => {
  const root = timeline(forest.main, 0)
  const mainEnd = root.naturalEnd
  // Least fixpoint: threads started during the join (by non-daemons, or by daemons before it ends) extend it.
  let joinEnd = mainEnd
  let all: Array<Timed>
  for (;;) {
    all = started(root, joinEnd)
    const next = Math.max(mainEnd, ...all.filter((t) => !t.spec.isDaemon).map((t) => t.naturalEnd))
    if (next === joinEnd) break
    joinEnd = next
  }
  const grace = forest.grace
  const threads = new Map<string, ThreadOutcome>()
  const interrupted = new Set<string>()
  const stragglers = new Set<string>()
  const excepthook: Array<Expected["excepthook"][number]> = []
  const joins: Array<Expected["joins"][number]> = []
  const atExit: Array<Expected["atExit"][number]> = []
  const criticals: Array<Expected["criticals"][number]> = []
  let lastStop = joinEnd
  for (const t of all) {
    const spec = t.spec
    spec.ops.forEach((op, i) => {
      const at = t.at[i]!
      if (!runs(t, at, joinEnd)) return
      switch (op._tag) {
        case "Critical":
          criticals.push({ thread: spec.name, step: i, begin: at, end: at + op.seconds })
          break
        case "AtExit":
          atExit.push({ hook: op.hook, thread: spec.name, at })
          break
        case "Join": {
          const ret = t.returns.get(i)!
          if (spec.isDaemon && ret > joinEnd) return // interrupted while joining
          const targetEnd = [...t.children.values()].find((c) => c.spec.name === op.target)!.naturalEnd
          const tie = op.timeout !== undefined && at + op.timeout === targetEnd && targetEnd >= at
          joins.push({ thread: spec.name, target: op.target, at: ret, alive: tie ? undefined : targetEnd > ret })
          break
        }
        default:
          break
      }
    })
    if (t === root) continue
    const common = {
      name: spec.name,
      isDaemon: spec.isDaemon,
      start: t.start,
      end: spec.end,
      finalizers: spec.finalizers
    }
    if (!spec.isDaemon || t.naturalEnd < joinEnd) {
      threads.set(spec.name, { ...common, fate: "natural", stoppedAt: t.naturalEnd })
      if (spec.end === "fail" || spec.end === "die") {
        excepthook.push({ thread: spec.name, kind: spec.end, at: t.naturalEnd })
      }
      continue
    }
    // A daemon alive when the join ends: interrupted now, or when its critical section ends.
    let stoppedAt = joinEnd
    spec.ops.forEach((op, i) => {
      const at = t.at[i]!
      if (op._tag === "Critical" && at < joinEnd && joinEnd < at + op.seconds) stoppedAt = at + op.seconds
    })
    threads.set(spec.name, { ...common, fate: "interrupted", stoppedAt })
    interrupted.add(spec.name)
    if (stoppedAt > joinEnd + grace) stragglers.add(spec.name)
    lastStop = Math.max(lastStop, stoppedAt)
  }
  return {
    mainEnd,
    joinEnd,
    returnsAt: Math.min(lastStop, joinEnd + grace),
    threads,
    interrupted,
    stragglers,
    excepthook,
    joins,
    atExit,
    criticals,
    mainResult: forest.main.end === "fail" ? "fail" : "ok"
  }
}

/** The latest finite time the model mentions: how far the test must advance the clock. */
export const horizon = (e: Expected): number =>
  Math.max(
    e.returnsAt,
    ...[...e.threads.values()].map((t) => t.stoppedAt).filter(Number.isFinite),
    ...e.criticals.map((c) => c.end)
  )
