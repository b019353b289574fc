/**
 * What the property files share: the number of runs, a way to declare a
 * property over forests, and small views over an `Observation` that turn the
 * event log into sorted, comparable lists.
 *
 * The properties use fast-check directly (not `it.effect.prop`, which in
 * `@effect/vitest` 4 takes Effect's own Schema/Arbitrary): the forest
 * arbitrary needs weighted `oneof`, fast-check's integrated shrinking of
 * records and arrays, `fc.sample` with a seed, and `fc.toStringMethod`, which
 * prints a counterexample as a small program.
 */
import { it } from "@effect/vitest"
import { Effect } from "effect"
import fc from "fast-check"
import type { Forest } from "./forest.js"
import { forestArb } from "./forest.js"
import type { Observation, Stamped } from "./interpret.js"
import { observeCached } from "./interpret.js"

/** Cases per property (fast-check's default is 100). Override with `PROPERTY_RUNS=n`. */
export const NUM_RUNS = Number(process.env["PROPERTY_RUNS"] ?? 200)

/**
 * One seed for every property of a run (fast-check prints it on failure; replay with
 * `PROPERTY_SEED=n`). With the same seed, the properties of a file see the same forests, so
 * they share each (deterministic) run through `observeCached`: each property still checks
 * `NUM_RUNS` cases, but a forest is run once per file, not once per property.
 */
export const SEED = Number(process.env["PROPERTY_SEED"] ?? (Date.now() % 2 ** 31))

/** `PROPERTY_NO_SHRINK=1`: report the first failing case as found, without shrinking it (quicker triage). */
const END_ON_FAILURE = process.env["PROPERTY_NO_SHRINK"] === "1"

/**
 * fast-check's parameters of every property: the run count, the shared seed, and the assertion that
 * failed in the report (Vitest shows failures with the same message once, under the first test's name:
 * without it, two properties that shrink to the same forest would look like one).
 */
export const fcParameters: fc.Parameters<[{ forest: Forest }]> = {
  numRuns: NUM_RUNS,
  seed: SEED,
  endOnFailure: END_ON_FAILURE,
  includeErrorInReport: true
}

/** Timeout of a property (its share of the prefetched runs, and room for a long shrink). */
export const PROPERTY_TIMEOUT = 120_000

/** The arbitraries of every property: one forest. */
export const arbitraries = { forest: forestArb() }

/**
 * Declares a property over forests: `body` gets the case, runs as an Effect (it observes the forest
 * through `observeCached`, which brings its own TestClock), and fails the case by throwing (`expect`)
 * or failing. A failing case is shrunk by fast-check and printed as a program (`Forest.toString`).
 */
export const forestProperty = (
  name: string,
  body: (values: { readonly forest: Forest }) => Effect.Effect<void>
): void =>
  it(
    name,
    () =>
      fc.assert(
        fc.asyncProperty(fc.record(arbitraries), (values) => Effect.runPromise(body(values))),
        fcParameters
      ),
    PROPERTY_TIMEOUT
  )

/**
 * Runs, into the cache, the forests that the properties will be given (`fc.sample` with the same
 * seed yields the same values as the property runs), several at a time, each on its own
 * TestClock: the real timer ticks that advancing a TestClock waits for then overlap. A forest
 * run this way gives the same observation as one run alone; a case that fails is shrunk with
 * fresh, one-at-a-time runs anyway.
 */
export const prefetch = (concurrency = 8): Promise<void> =>
  Effect.runPromise(
    Effect.forEach(
      fc.sample(fc.record(arbitraries), { seed: SEED, numRuns: NUM_RUNS }),
      ({ forest }) => observeCached(forest),
      { concurrency, discard: true }
    )
  )

/** Timeout of the `beforeAll` that prefetches. */
export const PREFETCH_TIMEOUT = 120_000

/** The events of one kind, narrowed. */
export const eventsOf = <K extends Stamped["_tag"]>(o: Observation, tag: K): Array<Extract<Stamped, { _tag: K }>> =>
  o.events.filter((e): e is Extract<Stamped, { _tag: K }> => e._tag === tag)

/** Sorts records by their JSON text: a canonical order for comparing multisets. */
export const sorted = <A>(items: Iterable<A>): Array<A> =>
  [...items].sort((a, b) => {
    const x = JSON.stringify(a)
    const y = JSON.stringify(b)
    return x < y ? -1 : x > y ? 1 : 0
  })

/** The position in the log of the `main-returned` event. */
export const returnedSeq = (o: Observation): number => eventsOf(o, "main-returned")[0]?.seq ?? Infinity
