/**
 * Pay for the cluster only when used: the entries of `Thread.singleton` and
 * `ThreadingCluster` that load `./cluster.ts` — and with it `effect/cluster`,
 * its RPC and SQL modules — with a dynamic `import()` the first time one of
 * them runs (a singleton registers, a cluster layer is built). Importing
 * `effect-threading` loads none of it; this module imports cluster code as
 * types only.
 *
 * @internal
 */
import type * as Sharding from "effect/cluster/Sharding"
import type * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Thread from "../Thread.js"
import type * as Threading from "../Threading.js"
import type * as ThreadingCluster from "../ThreadingCluster.js"
import type * as Cluster from "./cluster.js"
import type * as errors from "./errors.js"

/** The engine module, loaded once (Node caches the module; later runs resolve at once). */
const engine: Effect.Effect<typeof Cluster> = Effect.promise(() => import("./cluster.js"))

/** A layer of the engine's, built once the engine is loaded. */
const lazyLayer = <A extends ReadonlyArray<unknown>, ROut, E, RIn>(
  f: (cluster: typeof Cluster) => (...args: A) => Layer.Layer<ROut, E, RIn>
) =>
(...args: A): Layer.Layer<ROut, E, RIn> => Layer.unwrap(Effect.map(engine, (cluster) => f(cluster)(...args)))

/** @internal */
export const singleton = <A, E, R, Out = unknown, ES = never, R2 = never>(
  name: string,
  effect: Effect.Effect<A, E, R>,
  options?: Thread.SingletonOptions<Out, ES, R2>
): Effect.Effect<void, errors.ThreadError, Threading.Threading | R | R2> =>
  Effect.flatMap(engine, (cluster) => cluster.singleton(name, effect, options))

/** @internal */
export const layer: (
  options?: ThreadingCluster.Options
) => Layer.Layer<never, errors.ThreadError | ThreadingCluster.StartError, Threading.Threading> = lazyLayer((
  cluster
) => cluster.layer)

/** @internal */
export const layerConfig: (
  config: Config.Config<ThreadingCluster.Options>
) => Layer.Layer<never, errors.ThreadError | ThreadingCluster.StartError | Config.ConfigError, Threading.Threading> =
  lazyLayer((cluster) => cluster.layerConfig)

/** @internal */
export const layerFrom: <E>(
  sharding: Layer.Layer<Sharding.Sharding, E>
) => Layer.Layer<never, E | errors.ThreadError, Threading.Threading> = (sharding) =>
  Layer.unwrap(Effect.map(engine, (cluster) => cluster.layerFrom(sharding)))
