// A TypeScript consumer of the packed library. The package test copies this
// file into a fresh project, compiles it with `tsc` (strict, NodeNext, against
// the published `.d.ts` files) and runs the JavaScript output with `node`.
// It ends with a failure, so the process must exit with code 1.
import { Console, Data, Effect, Exit } from "effect"
import { Thread, Threading } from "effect-threading"
import * as T from "effect-threading/Thread"

class Boom extends Data.TaggedError("Boom")<{ readonly message: string }> {}

const program = Effect.gen(function*() {
  const answer: T.Thread<number, string> = yield* Thread.make(Effect.succeed(42), { name: "answer" })
  yield* Thread.start(answer)
  const exit: Exit.Exit<number, string> = yield* Thread.await(answer)
  yield* Console.log(`answer: ${Exit.isSuccess(exit) ? exit.value : "failed"}`)
  // The published types are precise (not `any`): a wrong type is an error.
  // @ts-expect-error: a Thread<number, string> is not a Thread<string, string>
  const wrong: T.Thread<string, string> = answer
  void wrong

  const crasher = yield* T.spawn(Effect.fail(new Boom({ message: "thread boom" })), { name: "crasher" })
  yield* T.join(crasher)
  yield* Console.log(`crasher: alive ${yield* T.isAlive(crasher)}`)

  const error: T.ThreadError = yield* Thread.start(answer).pipe(Effect.flip)
  yield* Console.log(`start twice: ${error._tag}: ${error.message}`)

  return yield* new Boom({ message: "main boom" })
})

Threading.runMain(program, { daemonGrace: "1 second" })
