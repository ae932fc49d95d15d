import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
import { fakeNetwork } from "./test/fake-network.ts";

// Time limits hold at ten times a test's duration on a quiet 2-core machine, so a busy
// machine makes the suite slower, never red; performance is measured by `npm run bench`.
// Tests in workerd build, install and boot dynamic workers (the slowest, quiet: ~3 s).
const inWorkerd = { testTimeout: 60_000, hookTimeout: 60_000, expect: { poll: { timeout: 30_000 } } };
// End-to-end tests start `npm start` servers and a browser (the slowest test, quiet: ~25 s).
const endToEnd = { testTimeout: 300_000, hookTimeout: 300_000, expect: { poll: { timeout: 120_000 } } };

export default defineConfig({
  test: {
    reporters: ["default", "./test/summary-reporter.ts"],
    projects: [
      {
        // Runs inside workerd with the real Durable Objects, D1 and bindings of wrangler.toml.
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: {
                MAX_FILE_BYTES: "65536",
                MAX_FILES: "50",
                MAX_VERSION_BYTES: "262144",
                TEST_TIMEOUT_MS: "1500",
                EXECUTE_TIMEOUT_MS: "10000",
                // The agent's model: the fake Messages API of test/fake-anthropic.ts.
                ANTHROPIC_API_KEY: "test-key",
                ANTHROPIC_BASE_URL: "https://anthropic.fake",
                // Every agent test also sends the API's context editing (a beta), which the fake checks.
                ANTHROPIC_CONTEXT_MANAGEMENT: "on",
              },
              // Every outbound fetch of workerd (dynamic workers included) lands here: no network in tests.
              outboundService: fakeNetwork,
            },
          }),
        ],
        test: {
          name: "workers",
          include: ["test/**/*.test.ts"],
          exclude: ["test/e2e/**", "test/node/**", "test/fixtures/**"],
          ...inWorkerd,
        },
      },
      {
        // A sample project's own tests under the real Workers Vitest integration; the same
        // files also run in our sandbox runner (test/project-tests.test.ts), and must pass both ways.
        // configPath is relative to this project's root: the sample's own wrangler.toml.
        plugins: [cloudflareTest({ wrangler: { configPath: "./wrangler.toml" } })],
        test: { name: "fixture", root: "./test/fixtures/notes-app", include: ["test/**/*.test.ts"], ...inWorkerd },
      },
      {
        // Drives `wrangler dev` from Node, as a user with curl and git would.
        test: { name: "e2e", include: ["test/e2e/**/*.test.ts"], environment: "node", ...endToEnd },
      },
      {
        // Checks that need Node rather than workerd (reading the repository's own files).
        test: { name: "node", include: ["test/node/**/*.test.ts"], environment: "node" },
      },
    ],
  },
});
