/**
 * The thread a cluster singleton runs in on its owner: the class, its type
 * id and guard, and what runs inside it (`fencingToken`). No import of
 * `effect/cluster`: `Thread` and `ThreadingCluster` re-export these, and a
 * program that never uses a cluster must not load the engine (see
 * `./clusterEngine.ts`, which loads `./cluster.ts` on first use).
 *
 * @internal
 */
import type * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import type * as SqlClient from "effect/sql/SqlClient"
import type * as SqlError from "effect/sql/SqlError"
import type * as Thread from "../Thread.js"
import type { ThreadingImpl } from "./instance.js"
import { currentThread, ThreadImpl } from "./thread.js"
import * as validate from "./validate.js"

/** @internal */
export const SingletonTypeId: Thread.SingletonTypeId = Symbol.for(
  "effect-threading/Singleton"
) as Thread.SingletonTypeId

/**
 * One ownership period of a singleton on this runner, as the cluster glue
 * (`./cluster.ts`) gives it to the thread it starts for it.
 *
 * @internal
 */
export interface Period {
  /** Strictly greater than the token of every earlier period, on any runner. */
  readonly token: bigint
  /**
   * Succeeds while this runner's lease on the singleton's shard holds;
   * otherwise stops the period (reported once, the thread interrupted) and
   * does not return.
   */
  readonly checkLease: Effect.Effect<void>
  /**
   * Runs `write` if the token is still the latest (in one transaction with
   * the check, for SQL); otherwise stops the period (reported once, the
   * thread interrupted) and does not return.
   */
  readonly guard: <A, E, R>(
    write: Effect.Effect<A, E, R>
  ) => Effect.Effect<A, E | SqlError.SqlError, R | SqlClient.SqlClient>
}

/**
 * The thread a singleton runs in on its owner: a daemon like any other, with
 * the `singleton` flag, its shard group and the fencing token of its
 * ownership period. A new one starts each time this runner becomes the owner.
 *
 * @internal
 */
export class SingletonImpl<A, E> extends ThreadImpl<A, E> implements Thread.Singleton<A, E> {
  readonly [SingletonTypeId]: Thread.SingletonTypeId = SingletonTypeId
  readonly singleton = true as const
  constructor(
    instance: ThreadingImpl,
    name: string,
    target: Effect.Effect<A, E, any>,
    context: Context.Context<never>,
    readonly shardGroup: string,
    readonly period: Period
  ) {
    super(instance, name, true, target, context)
  }
  get fencingToken(): bigint {
    return this.period.token
  }
  /** Python's repr uses the class name: `<Singleton(cleanup, started daemon 7)>`. */
  override get className(): string {
    return "Singleton"
  }
  override toJSON(): unknown {
    return {
      ...(super.toJSON() as object),
      _id: "Singleton",
      singleton: true,
      shardGroup: this.shardGroup,
      fencingToken: String(this.fencingToken)
    }
  }
}

/** @internal */
export const isSingleton = (u: unknown): u is Thread.Singleton<unknown, unknown> =>
  typeof u === "object" && u !== null && SingletonTypeId in u

/**
 * The singleton thread the current fiber runs in (forked fibers inherit it),
 * or a defect naming `what` outside one.
 *
 * @internal
 */
export const currentSingleton = (what: string): Effect.Effect<SingletonImpl<unknown, unknown>> =>
  Effect.flatMap(currentThread, (thread) =>
    thread instanceof SingletonImpl
      ? Effect.succeed(thread)
      : Effect.die(new Error(`${what} runs only inside a singleton's thread (Thread.singleton)`)))

/** @internal */
export const fencingToken: Effect.Effect<bigint> = Effect.flatMap(
  currentSingleton("ThreadingCluster.fencingToken"),
  (thread) => Effect.as(thread.period.checkLease, thread.period.token)
)

/** @internal */
export const fenced = <A, E, R>(
  write: Effect.Effect<A, E, R>
): Effect.Effect<A, E | SqlError.SqlError, R | SqlClient.SqlClient> => {
  // No ThreadError in its error channel: a write that is not an Effect is a defect.
  const invalid = validate.effect("ThreadingCluster.fenced", write, "write")
  return invalid === undefined
    ? Effect.flatMap(currentSingleton("ThreadingCluster.fenced"), (thread) => thread.period.guard(write))
    : Effect.die(invalid)
}
