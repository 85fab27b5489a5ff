import { defaultServerConditions } from "vite";
import { defineConfig } from "vitest/config";

/** `npm test` here runs this package's tests; the repository's `npm test` runs them too (a project of its vitest.config.ts). */
export default defineConfig({
  // Workspace packages are read from their TypeScript sources (their exports' "@branchline/source"), not a build.
  ssr: { resolve: { conditions: ["@branchline/source", ...defaultServerConditions.filter((c) => c !== "module")] } },
  test: {
    name: "cloudformation-template",
    include: ["test/**/*.test.ts"],
    environment: "node",
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
  },
});
