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
import type * as SqlError from "effect/sql/SqlError"
import type * as Thread from "../Thread.js"
import type * as Threading from "../Threading.js"
import type * as ThreadingCluster from "../ThreadingCluster.js"
import type * as Cluster from "./cluster.js"
import * as decode from "./decode.js"
import * as errors from "./errors.js"
import { tag, type ThreadingImpl } from "./instance.js"
import * as validate from "./validateModules.js"

/** The engine module, loaded once (Node caches the module; later runs resolve at once). */
const engine: Effect.Effect<typeof Cluster> = Effect.promise(() => import("./cluster.js"))

/** @internal */
export const singleton = <A, E, R, Out = unknown, ES = never, R2 = never>(
  name: string,
  effect: Effect.Effect<A, E, R>,
  options?: Thread.SingletonOptions<Out, ES, R2>
): Effect.Effect<void, errors.ThreadError, Threading.Threading | R | R2> =>
  Effect.suspend(() => {
    const checked = validate.singleton(name, effect, options)
    return checked instanceof errors.ThreadError
      ? Effect.fail(checked)
      : Effect.flatMap(engine, (cluster) => cluster.singleton(name, effect, checked as typeof options))
  })

/** @internal */
export const layer = (
  options?: ThreadingCluster.Options
): Layer.Layer<never, errors.ThreadError | ThreadingCluster.StartError, Threading.Threading> =>
  Layer.unwrap(Effect.suspend(() => {
    const checked = decode.cluster(options)
    return checked instanceof errors.ThreadError
      ? Effect.fail(checked)
      : Effect.map(engine, (cluster) => cluster.layer(checked))
  }))

/** @internal */
export const owners: Effect.Effect<ReadonlyArray<ThreadingCluster.Owner>, SqlError.SqlError, Threading.Threading> =
  Effect.flatMap(tag, (instance) => Effect.flatMap(engine, (cluster) => cluster.owners(instance as ThreadingImpl)))

/** @internal */
export const layerConfig = (
  config: Config.Config<ThreadingCluster.Options>
): Layer.Layer<never, errors.ThreadError | ThreadingCluster.StartError | Config.ConfigError, Threading.Threading> =>
  Layer.unwrap(Effect.suspend((): Effect.Effect<
    Layer.Layer<never, errors.ThreadError | ThreadingCluster.StartError, Threading.Threading>,
    errors.ThreadError | Config.ConfigError
  > => {
    const invalid = validate.config(config)
    return invalid === undefined ? Effect.map(config, layer) : Effect.fail(invalid)
  }))

/** @internal */
export const layerFrom: <E>(
  sharding: Layer.Layer<Sharding.Sharding, E>
) => Layer.Layer<never, E | errors.ThreadError, Threading.Threading> = (sharding) =>
  Layer.unwrap(Effect.suspend(() => {
    const invalid = validate.sharding(sharding)
    return invalid === undefined
      ? Effect.map(engine, (cluster) => cluster.layerFrom(sharding))
      : Effect.fail(invalid)
  }))
