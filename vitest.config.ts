import { fileURLToPath } from "node:url"
import { defineConfig } from "vitest/config"

const src = fileURLToPath(new URL("./src/", import.meta.url))

export default defineConfig({
  resolve: {
    // as tsconfig.json's `paths`: the package and its subpaths (`effect-threading/testing`) resolve to src/
    alias: [
      { find: /^effect-threading$/, replacement: `${src}index.ts` },
      { find: /^effect-threading\/(.*)$/, replacement: `${src}$1.ts` }
    ]
  },
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000
  }
})
