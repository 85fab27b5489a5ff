import { defaultServerConditions } from "vite";
import { defineConfig } from "vitest/config";

// The workspace packages export their TypeScript sources under this condition (as tsconfig.json's
// customConditions says), so tests run the packages' sources, not a build of them. The rest are
// Vitest's defaults ("module" would send the AWS SDK to its extensionless dist-es).
const conditions = ["@branchline/source", ...defaultServerConditions.filter((c) => c !== "module")];

export default defineConfig({
  ssr: { resolve: { conditions } },
  test: {
    environment: "node",
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Tests talk to loopback only; nock blocks everything else in the suites that use it.
    pool: "forks",
    // Most of a test's time is spent waiting (for the emulator's simulated operations, for a child
    // process): on 2 CPUs Vitest's default (CPUs - 1) runs one file at a time. Three files at once
    // keep the CPUs busy without starving the tests that measure the event loop.
    maxWorkers: 3,
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["test/**/*.test.ts"],
          // The conformance suite needs moto_server and runs on its own: npm run test:conformance.
          exclude: ["test/conformance/**", "test/process/**", "node_modules/**"],
        },
      },
      {
        // The built server and emulator as child processes, a fake GitHub over loopback HTTP.
        // Its globalSetup builds dist/ once, and runs only when a process test is in the run.
        extends: true,
        test: {
          name: "process",
          include: ["test/process/**/*.test.ts"],
          globalSetup: ["test/support/global-setup.ts"],
          testTimeout: 90_000,
          hookTimeout: 60_000,
        },
      },
      // Each workspace package is a project of its own, with its own vitest.config.ts.
      "packages/*",
    ],
  },
});
