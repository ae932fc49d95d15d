import { defineConfig } from "vitest/config";

// `npm run bench`: not part of `npm test` (it takes minutes and measures, rather than checks).
export default defineConfig({
  test: { include: ["test/bench/**/*.bench.ts"], environment: "node", fileParallelism: false },
});
