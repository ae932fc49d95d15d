import { defineConfig } from "vitest/config";

// `npm run screenshot`: writes docs/playground.png from the real page, mid-turn (not part of `npm test`).
export default defineConfig({
  test: { include: ["test/screenshot/**/*.screenshot.ts"], environment: "node", testTimeout: 180_000, hookTimeout: 180_000 },
});
