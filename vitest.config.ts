import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const src = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  resolve: {
    // Every in-process test runs core from its source, the shared test kit (packages/testkit)
    // included: a core test checks the code being edited, not the last build, and one test
    // file holds one copy of core.
    alias: [
      { find: /^@utxolab\/core$/, replacement: src("./packages/core/src/index.ts") },
      { find: /^@utxolab\/core\/native$/, replacement: src("./packages/core/src/native/index.ts") },
    ],
  },
  test: {
    include: ["packages/*/test/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    reporters: ["default", "./test/helpers/summary-reporter.ts"],
  },
});
