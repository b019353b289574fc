/**
 * The phases of a `Threading` instance and what each one allows: the rules
 * every other module asks, written once. Plain TypeScript, the same file in
 * both editions.
 *
 * An instance goes through the phases in this order, one way:
 *
 * | phase      | shutdown step                      | non-daemon starts | daemon starts | `atExit` |
 * | ---------- | ---------------------------------- | ----------------- | ------------- | -------- |
 * | `Running`  | the main program runs              | yes               | yes           | yes      |
 * | `Joining`  | (a) join the non-daemon threads    | yes               | yes           | yes      |
 * | `AtExit`   | (b) run the `atExit` hooks         | no                | yes           | no       |
 * | `Stopping` | (c) interrupt the threads left     | no                | no            | no       |
 * | `Done`     | (d) the threads left behind        | no                | no            | no       |
 *
 * From step (b) on a non-daemon thread could never be joined (CPython 3.12
 * refuses it too: "can't create new thread at interpreter shutdown"); from
 * step (c) on, no thread starts. A hook registered once step (b) has begun
 * would never run (CPython 3.11–3.13 accept it silently and drop it).
 *
 * @internal
 */

/** @internal */
export type Phase = "Running" | "Joining" | "AtExit" | "Stopping" | "Done"

/**
 * Whether a thread may start in `phase`.
 *
 * @internal
 */
export const canStart = (phase: Phase, daemon: boolean): boolean =>
  phase === "Running" || phase === "Joining" || (phase === "AtExit" && daemon)

/**
 * Whether an `atExit` hook may be registered in `phase`.
 *
 * @internal
 */
export const canRegisterAtExit = (phase: Phase): boolean => phase === "Running" || phase === "Joining"

/**
 * Whether the instance has begun stopping its threads (step (c) or later).
 *
 * @internal
 */
export const isStopping = (phase: Phase): boolean => phase === "Stopping" || phase === "Done"

/**
 * Whether the `signals`-th signal received by the process cuts the wait for
 * the non-daemon threads of an instance in `phase`: the second signal cuts
 * every instance's wait; a first one only the wait of an instance already
 * past its main program (the signal then came while its threads are waited
 * for, or the main program ended by itself before it).
 *
 * @internal
 */
export const signalCutsJoin = (signals: number, phase: Phase): boolean => signals >= 2 || phase !== "Running"

/**
 * The shutdown's steps, by the phase each one is: their names in the logs,
 * spans (one per step) and metrics (the `threading.shutdown.step` attribute).
 *
 * @internal
 */
export const stepNames = {
  Joining: "join non-daemon threads",
  AtExit: "atExit hooks",
  Stopping: "interrupt daemon threads"
} as const

/** @internal */
export type StepName = typeof stepNames[keyof typeof stepNames]

/**
 * What can cut a wait of the shutdown short: a bound (`shutdownTimeout` in
 * step (a), `daemonGrace` in step (c), `mainGrace` before the shutdown, while
 * an interrupted main program's finalizers run), or a signal (step (a)).
 *
 * @internal
 */
export type Cut = "shutdownTimeout" | "daemonGrace" | "mainGrace" | "signal"
