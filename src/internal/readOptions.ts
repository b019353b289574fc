/**
 * Reading a user's options object, as plain JavaScript callers hand it in:
 * only known keys, each value passing its guard, each getter read once, and
 * what is wrong said by the key. Plain TypeScript (no `effect` import),
 * byte-identical in both editions: `validate.ts` of each edition gives the
 * guards (Effect's refinements) and turns a refusal into a `ThreadError`.
 *
 * @internal
 */
import * as messages from "./messages.js"

/**
 * The guard of each option of an entry, by its key: a refinement, whose type
 * is the option's once checked.
 *
 * @internal
 */
export type Fields = Readonly<Record<string, (u: unknown) => boolean>>

/**
 * The options of `F`, checked: each optional, of its refinement's type.
 *
 * @internal
 */
export type Checked<F extends Fields> = {
  readonly [K in keyof F]?: F[K] extends (u: unknown) => u is infer T ? T : unknown
}

/**
 * The options of an entry: its known keys and the guard of each, which lets
 * `undefined` (an option not given) through.
 *
 * @internal
 */
export interface Spec<F extends Fields> {
  readonly known: ReadonlyArray<string>
  readonly guards: Readonly<Record<string, (u: unknown) => boolean>>
  /** The options' type once checked (phantom). */
  readonly _T?: Checked<F>
}

/** @internal */
export const spec = <F extends Fields>(fields: F): Spec<F> => {
  const guards: Record<string, (u: unknown) => boolean> = Object.create(null)
  for (const key of Object.keys(fields)) {
    const is = fields[key]
    guards[key] = (u) => u === undefined || is(u)
  }
  return { known: Object.keys(fields), guards }
}

/**
 * A value that passes any guard: an option decoded later (a duration).
 *
 * @internal
 */
export const isAny = (_: unknown): _ is unknown => true

/**
 * What the message of an invalid option says it expects, by the option's name.
 */
const expectations: Readonly<Record<string, string>> = {
  name: messages.expected.string,
  daemon: messages.expected.boolean,
  trace: messages.expected.trace,
  stopOnError: messages.expected.boolean,
  immediate: messages.expected.boolean,
  schedule: messages.expected.schedule,
  shardGroup: messages.expected.string,
  excepthook: messages.expected.excepthook,
  layer: messages.expected.layer,
  disablePrettyLogger: messages.expected.boolean
}

/**
 * Why options were refused: the message of the `ThreadError` to refuse them
 * with.
 *
 * @internal
 */
export interface Refused {
  readonly refused: string
}

const refusal = (message: string): Refused => ({ refused: message })

/** @internal */
export const isRefused = (u: unknown): u is Refused => typeof u === "object" && u !== null && "refused" in u

const noOptions = {}

/**
 * Copies the options `input` has for `spec`, checking each: the copy (a
 * getter is read once), or why they are refused. `undefined` or `null` is no
 * options. The known keys are read as properties, so an option may come from
 * a prototype (a class's getter) as it may in TypeScript's eyes; any other
 * enumerable key is refused. Anything off — an unknown key, a value its guard
 * refuses, a getter that throws — is left to `refused`, which says what.
 * `describe` shows a value in a message.
 *
 * @internal
 */
export const read = <F extends Fields>(
  spec: Spec<F>,
  entry: string,
  input: unknown,
  describe: (input: unknown) => string
): Checked<F> | Refused => {
  if (input === undefined || input === null) return noOptions
  if (typeof input !== "object" || Array.isArray(input)) {
    return refusal(messages.invalidOptions(entry, spec.known, describe(input)))
  }
  const copy: Record<string, unknown> = {}
  try {
    for (const key in input) {
      if (spec.guards[key] === undefined) return refused(spec, entry, input, describe)
    }
    for (const key of spec.known) {
      const value = (input as Record<string, unknown>)[key]
      if (value === undefined) continue
      if (!spec.guards[key](value)) return refused(spec, entry, input, describe)
      copy[key] = value
    }
  } catch {
    return refused(spec, entry, input, describe)
  }
  return copy as Checked<F>
}

/** What is wrong with options `read` refused: an unknown key first, then the first known one unreadable or invalid. */
const refused = <F extends Fields>(
  spec: Spec<F>,
  entry: string,
  input: object,
  describe: (input: unknown) => string
): Checked<F> | Refused => {
  try {
    for (const key in input) {
      if (spec.guards[key] === undefined) return refusal(messages.unknownOption(key, entry, spec.known))
    }
  } catch (error) {
    return refusal(messages.optionsThrew(entry, error))
  }
  const copy: Record<string, unknown> = {}
  for (const key of spec.known) {
    let value: unknown
    try {
      value = (input as Record<string, unknown>)[key]
    } catch (error) {
      return refusal(messages.optionThrew(key, error))
    }
    if (value === undefined) continue
    if (!spec.guards[key](value)) return refusal(messages.invalidOption(key, expectations[key], describe(value)))
    copy[key] = value
  }
  // Nothing wrong the second time (a getter that threw once): the values read now.
  return copy as Checked<F>
}
