/**
 * Reading a user's options object, as plain JavaScript callers hand it in:
 * only known keys, each value passing its guard, each getter read once, and
 * what is wrong said by the key. Plain TypeScript (no `effect` import),
 * byte-identical in both editions: `validate.ts` of each edition gives the
 * fields (Effect's refinements, and what each option expects) and turns a
 * refusal into a `ThreadError`.
 *
 * @internal
 */
import * as messages from "./messages.js"

/**
 * One option of an entry: its guard — a refinement, whose type is the
 * option's once checked — and what the message of a value it refuses says
 * the option expects (one of `messages.expected`).
 *
 * @internal
 */
export interface Field<T = unknown> {
  readonly is: (u: unknown) => u is T
  readonly expected: string
}

/** @internal */
export const field = <T>(is: (u: unknown) => u is T, expected: string): Field<T> => ({ is, expected })

/**
 * An option any value passes here: one decoded later (a duration).
 *
 * @internal
 */
export const any: Field<unknown> = field((_: unknown): _ is unknown => true, "")

/**
 * The options of an entry, by their keys.
 *
 * @internal
 */
export type Fields = Readonly<Record<string, Field<any>>>

/**
 * The options of `F`, checked: each optional, of its guard's type.
 *
 * @internal
 */
export type Checked<F extends Fields> = {
  readonly [K in keyof F]?: (F[K] extends Field<infer T> ? T : unknown) | undefined
}

/**
 * The options of an entry: its known keys and the field of each.
 *
 * @internal
 */
export interface Spec<F extends Fields> {
  readonly known: ReadonlyArray<string>
  readonly fields: Fields
  /** The options' type once checked (phantom). */
  readonly _T?: Checked<F>
}

/** @internal */
export const spec = <F extends Fields>(fields: F): Spec<F> => {
  // No prototype: a key such as `toString` handed in is unknown, not a field.
  const copy: Record<string, Field<any>> = Object.create(null)
  for (const key of Object.keys(fields)) copy[key] = fields[key]
  return { known: Object.keys(fields), fields: copy }
}

/** Whether `value`, handed in for an option of `field` (`undefined`: not given), passes. */
const passes = (field: Field<any>, value: unknown): boolean => value === undefined || field.is(value)

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
      if (spec.fields[key] === undefined) return refused(spec, entry, input, describe)
    }
    for (const key of spec.known) {
      const value = (input as Record<string, unknown>)[key]
      if (value === undefined) continue
      if (!passes(spec.fields[key], value)) return refused(spec, entry, input, describe)
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
      if (spec.fields[key] === undefined) return refusal(messages.unknownOption(key, entry, spec.known))
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
    const field = spec.fields[key]
    if (!passes(field, value)) return refusal(messages.invalidOption(key, field.expected, describe(value)))
    if (value !== undefined) copy[key] = value
  }
  // Nothing wrong the second time (a getter that threw once): the values read now.
  return copy as Checked<F>
}
