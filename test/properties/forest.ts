/**
 * A "thread forest" as plain data: the main program and the threads it
 * spawns (which spawn threads of their own), with a fast-check arbitrary that
 * generates one and a `toString` that prints it as an indented tree, so that a
 * shrunk counterexample reads like a small program.
 *
 * A thread is a list of steps run one after the other, then an ending:
 *
 * - `sleep n`: wait n virtual seconds;
 * - `critical n`: wait n virtual seconds inside `Thread.critical`;
 * - `spawn T`: start a child thread (instant);
 * - `join T (timeout n)`: `Thread.join` an earlier child, then `Thread.isAlive` it;
 * - `atExit H`: register an `atExit` hook (instant);
 * - ending: `ok` (succeed), `fail` (typed error), `die` (defect) or `forever`.
 *
 * Timing convention (what keeps every virtual time exact and free of ties
 * between a daemon's steps and the end of the non-daemon join): all sleeps are
 * whole seconds, non-daemon threads (and main) act at whole seconds, daemon
 * threads at half seconds. A thread whose daemon flag differs from its
 * creator's begins with a half-second `align` sleep. A non-daemon never runs
 * forever (normalization turns `forever` into `ok`), and a thread only joins
 * children of its own kind (a join of the other kind is dropped).
 */
import fc from "fast-check"

/** How a thread's steps end. */
export type End = "ok" | "fail" | "die" | "forever"

/** One step of a thread, normalized. */
export type Op =
  | { readonly _tag: "Sleep"; readonly seconds: number }
  | { readonly _tag: "Critical"; readonly seconds: number }
  | { readonly _tag: "Spawn"; readonly child: ThreadSpec }
  | { readonly _tag: "Join"; readonly target: string; readonly timeout: number | undefined }
  | { readonly _tag: "AtExit"; readonly hook: string }

/** A thread, normalized: named, with its effective daemon flag worked out. */
export interface ThreadSpec {
  readonly name: string
  /** What is passed to `Thread.spawn` (`undefined`: inherit the creator's flag). */
  readonly daemon: boolean | undefined
  /** The flag the thread must end up with: `daemon`, or else its creator's (the exit rule's model). */
  readonly isDaemon: boolean
  /** Starts with a half-second sleep, because its kind differs from its creator's (see the module doc). */
  readonly align: boolean
  /** How many finalizers (`Effect.ensuring`) wrap the thread's body. */
  readonly finalizers: number
  readonly ops: ReadonlyArray<Op>
  readonly end: End
}

/** The default `daemonGrace` of the library, in seconds (documented: 5 s). */
export const DEFAULT_DAEMON_GRACE_SECONDS = 5

/** A whole generated case: the main program (a non-daemon that never runs forever) and the options. */
export class Forest {
  constructor(
    readonly main: ThreadSpec,
    /** `undefined`: the default (5 s). */
    readonly daemonGrace: number | undefined
  ) {}
  get grace(): number {
    return this.daemonGrace ?? DEFAULT_DAEMON_GRACE_SECONDS
  }
  /** Every thread but main, in spawn order (depth first). */
  threads(): Array<ThreadSpec> {
    const out: Array<ThreadSpec> = []
    const walk = (t: ThreadSpec) => {
      for (const op of t.ops) {
        if (op._tag === "Spawn") {
          out.push(op.child)
          walk(op.child)
        }
      }
    }
    walk(this.main)
    return out
  }
  toString(): string {
    const lines: Array<string> = [
      `Forest (daemonGrace ${this.daemonGrace === undefined ? "default 5" : this.daemonGrace}s)`
    ]
    const kind = (t: ThreadSpec) =>
      t.daemon === undefined ? `inherit → ${t.isDaemon ? "daemon" : "non-daemon"}` : t.daemon ? "daemon" : "non-daemon"
    const head = (t: ThreadSpec) =>
      `${t.name} [${kind(t)}${t.finalizers > 0 ? `, ${t.finalizers} finalizer${t.finalizers > 1 ? "s" : ""}` : ""}]`
    const walk = (t: ThreadSpec, indent: string) => {
      if (t.align) lines.push(`${indent}align 0.5s`)
      for (const op of t.ops) {
        switch (op._tag) {
          case "Sleep":
            lines.push(`${indent}sleep ${op.seconds}s`)
            break
          case "Critical":
            lines.push(`${indent}critical ${op.seconds}s`)
            break
          case "Join":
            lines.push(`${indent}join ${op.target}${op.timeout === undefined ? "" : ` (timeout ${op.timeout}s)`}`)
            break
          case "AtExit":
            lines.push(`${indent}atExit ${op.hook}`)
            break
          case "Spawn":
            lines.push(`${indent}spawn ${head(op.child)}`)
            walk(op.child, indent + "  ")
            break
        }
      }
      lines.push(`${indent}end ${t.end}`)
    }
    lines.push(`MainThread`)
    walk(this.main, "  ")
    return lines.join("\n")
  }
  [fc.toStringMethod](): string {
    return "\n" + this.toString() + "\n"
  }
}

// -----------------------------------------------------------------------------
// Raw generation
// -----------------------------------------------------------------------------

type RawOp =
  | { readonly _tag: "Sleep"; readonly seconds: number }
  | { readonly _tag: "Critical"; readonly seconds: number }
  | { readonly _tag: "Spawn"; readonly child: RawThread }
  | { readonly _tag: "Join"; readonly pick: number; readonly timeout: number | undefined }
  | { readonly _tag: "AtExit" }

interface RawThread {
  readonly daemon: boolean | undefined
  readonly finalizers: number
  readonly ops: ReadonlyArray<RawOp>
  readonly end: End
}

export interface ForestConstraints {
  /** Levels of threads below main (main's children are level 1). Default 4. */
  readonly depth?: number
  /** Most steps per thread. Default 4. */
  readonly maxOps?: number
}

const sleepArb = fc.record({ _tag: fc.constant("Sleep" as const), seconds: fc.integer({ min: 1, max: 3 }) })
const criticalArb = fc.record({ _tag: fc.constant("Critical" as const), seconds: fc.integer({ min: 1, max: 5 }) })
const joinArb = fc.record({
  _tag: fc.constant("Join" as const),
  pick: fc.nat({ max: 3 }),
  timeout: fc.option(fc.integer({ min: 0, max: 4 }), { nil: undefined, freq: 3 })
})
const atExitArb = fc.constant({ _tag: "AtExit" as const })

const opsArb = (
  depth: number,
  maxOps: number,
  minOps: number,
  spawnWeight: number
): fc.Arbitrary<ReadonlyArray<RawOp>> => {
  const leaves: Array<fc.WeightedArbitrary<RawOp>> = [
    { arbitrary: sleepArb, weight: 4 },
    { arbitrary: criticalArb, weight: 2 },
    { arbitrary: joinArb, weight: 2 },
    { arbitrary: atExitArb, weight: 1 }
  ]
  const op: fc.Arbitrary<RawOp> = depth === 0 ? fc.oneof(...leaves) : fc.oneof(
    ...leaves,
    {
      arbitrary: fc.record({ _tag: fc.constant("Spawn" as const), child: threadArb(depth - 1, maxOps) }),
      weight: spawnWeight
    }
  )
  return fc.array(op, { minLength: minOps, maxLength: maxOps, size: "+1" })
}

const threadArb = (depth: number, maxOps: number): fc.Arbitrary<RawThread> =>
  fc.record({
    daemon: fc.constantFrom(undefined, true, false),
    finalizers: fc.nat({ max: 2 }),
    ops: opsArb(depth, maxOps, 0, 3),
    end: fc.constantFrom<End>("ok", "fail", "die", "forever")
  })

/** The forest arbitrary. Shrinks towards fewer steps, inherited flags, `ok` endings and the default grace. */
export const forestArb = (constraints: ForestConstraints = {}): fc.Arbitrary<Forest> => {
  const depth = constraints.depth ?? 4
  const maxOps = constraints.maxOps ?? 4
  return fc.record({
    ops: opsArb(depth, maxOps + 2, 1, 8),
    end: fc.constantFrom<End>("ok", "fail"),
    daemonGrace: fc.constantFrom(undefined, 1, 2, 3)
  }).map(({ daemonGrace, end, ops }) => normalize({ daemon: false, finalizers: 0, ops, end }, daemonGrace))
}

// -----------------------------------------------------------------------------
// Normalization (the pure part of the model that fixes names and flags)
// -----------------------------------------------------------------------------

const normalize = (main: RawThread, daemonGrace: number | undefined): Forest => {
  let hooks = 0
  const thread = (raw: RawThread, name: string, daemon: boolean | undefined, creatorIsDaemon: boolean): ThreadSpec => {
    // The rule under test (property 4): no explicit flag means the creator's flag.
    const isDaemon = daemon ?? creatorIsDaemon
    const ops: Array<Op> = []
    const children: Array<ThreadSpec> = []
    for (const op of raw.ops) {
      switch (op._tag) {
        case "Sleep":
        case "Critical":
          ops.push(op)
          break
        case "AtExit":
          ops.push({ _tag: "AtExit", hook: `H${++hooks}` })
          break
        case "Spawn": {
          const child = thread(
            op.child,
            `${name === "MainThread" ? "T" : `${name}.`}${children.length + 1}`,
            op.child.daemon,
            isDaemon
          )
          children.push(child)
          ops.push({ _tag: "Spawn", child })
          break
        }
        case "Join": {
          const sameKind = children.filter((c) => c.isDaemon === isDaemon)
          if (sameKind.length > 0) {
            ops.push({ _tag: "Join", target: sameKind[op.pick % sameKind.length]!.name, timeout: op.timeout })
          }
          break
        }
      }
    }
    return {
      name,
      daemon,
      isDaemon,
      align: isDaemon !== creatorIsDaemon,
      finalizers: raw.finalizers,
      ops,
      end: raw.end === "forever" && !isDaemon ? "ok" : raw.end
    }
  }
  return new Forest(thread(main, "MainThread", false, false), daemonGrace)
}
