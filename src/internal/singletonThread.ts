/**
 * The thread a cluster singleton runs in on its owner: the class, its type
 * id and guard. No import of `effect/cluster`: `Thread` re-exports these, and
 * a program that never uses a cluster must not load the engine (see
 * `./clusterEngine.ts`, which loads `./cluster.ts` on first use).
 *
 * @internal
 */
import type * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type * as Thread from "../Thread.js"
import { ThreadImpl, type ThreadingImpl } from "./threading.js"

/** @internal */
export const SingletonTypeId: Thread.SingletonTypeId = Symbol.for(
  "effect-threading/Singleton"
) as Thread.SingletonTypeId

/**
 * The thread a singleton runs in on its owner: a daemon like any other, with
 * the `singleton` flag and its shard group. A new one starts each time this
 * runner becomes the owner.
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
    readonly shardGroup: string
  ) {
    super(instance, name, true, target, context)
  }
  /** Python's repr uses the class name: `<Singleton(cleanup, started daemon 7)>`. */
  protected override get reprName(): string {
    return "Singleton"
  }
  override toJSON(): unknown {
    return { ...(super.toJSON() as object), _id: "Singleton", singleton: true, shardGroup: this.shardGroup }
  }
}

/** @internal */
export const isSingleton = (u: unknown): u is Thread.Singleton<unknown, unknown> =>
  typeof u === "object" && u !== null && SingletonTypeId in u
