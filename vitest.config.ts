import { fileURLToPath } from "node:url"
import { defineConfig } from "vitest/config"

export default defineConfig({
  resolve: {
    alias: [
      { find: /^effect-threading$/, replacement: fileURLToPath(new URL("./src/index.ts", import.meta.url)) },
      // the other entry points (`effect-threading/Readiness`), as tsconfig.json's `paths` map them
      { find: /^effect-threading\/(\w+)$/, replacement: fileURLToPath(new URL("./src/$1.ts", import.meta.url)) }
    ]
  },
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000
  }
})
