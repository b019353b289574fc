/**
 * The options of the public entries as the core uses them once checked
 * (`./validate.ts` checks them), and their defaults.
 *
 * @internal
 */
import type * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import type { Thread } from "../Thread.js"

/** @internal */
export interface Options {
  readonly shutdownTimeout?: Duration.Input | undefined
  readonly daemonGrace?: Duration.Input | undefined
  readonly mainGrace?: Duration.Input | undefined
  readonly excepthook?: ((thread: Thread, cause: Cause.Cause<unknown>) => Effect.Effect<void>) | undefined
  readonly excepthookTimeout?: Duration.Input | undefined
}

/** @internal */
export interface MainOptions<ROut, LE> extends Options {
  readonly layer?: Layer.Layer<ROut, LE, any> | undefined
}

/** @internal */
export interface Resolved {
  /** `undefined` means "wait forever", as Python does. */
  readonly shutdownTimeout: Duration.Duration | undefined
  readonly daemonGrace: Duration.Duration
  /** `undefined` means "wait for the main program's finalizers", as Python does. */
  readonly mainGrace: Duration.Duration | undefined
  readonly excepthook: ((thread: Thread, cause: Cause.Cause<unknown>) => Effect.Effect<void>) | undefined
  /** How long a user's excepthook may run before it is given up. */
  readonly excepthookTimeout: Duration.Duration
}

/** @internal */
export const DEFAULT_DAEMON_GRACE: Duration.Duration = Duration.seconds(5)

/** @internal */
export const DEFAULT_EXCEPTHOOK_TIMEOUT: Duration.Duration = Duration.seconds(5)

/**
 * The options only the Node entry points have, as the core uses them once
 * checked (`validate.nodeOptions`).
 *
 * @internal
 */
export interface ResolvedEntry {
  readonly disablePrettyLogger: boolean
  /** Zero: no drain, the first signal stops the app at once. */
  readonly drainDelay: Duration.Duration
  /** What an uncaught exception (or unhandled rejection) does: stop as after a signal, or Node's crash. */
  readonly uncaught: "shutdown" | "crash"
}

/** @internal */
export const DEFAULT_DRAIN_DELAY: Duration.Duration = Duration.zero

/**
 * The paths of the readiness and liveness probes (`effect-threading/Readiness`).
 *
 * @internal
 */
export interface Paths {
  readonly readyPath: `/${string}`
  readonly livePath: `/${string}`
}

/** @internal */
export const DEFAULT_PATHS: Paths = { readyPath: "/ready", livePath: "/live" }
