import { defaultServerConditions } from "vite";
import { defineConfig } from "vitest/config";

/** `npm run test:conformance`: the emulator and moto_server side by side, through the same SDK code. */
export default defineConfig({
  // The workspace packages are read from their TypeScript sources, as in vitest.config.ts.
  ssr: { resolve: { conditions: ["@branchline/source", ...defaultServerConditions.filter((c) => c !== "module")] } },
  test: {
    include: ["test/conformance/**/*.test.ts"],
    environment: "node",
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
