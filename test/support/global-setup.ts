import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const BUILD = fileURLToPath(new URL("../../scripts/build-if-stale.mjs", import.meta.url));

/**
 * vitest globalSetup of the `process` project: builds dist/ before the process-level tests, which run
 * the built server and emulator as child processes, unless it is up to date with the sources
 * (scripts/build-if-stale.mjs, as `npm start` does).
 * vitest runs it only when that project has test files in the run. BRANCHLINE_TEST_SKIP_BUILD=1
 * uses dist/ as it is (when iterating on tests only).
 */
export default async function buildOnce(): Promise<void> {
  if (process.env.BRANCHLINE_TEST_SKIP_BUILD === "1") return;
  const started = Date.now();
  try {
    await promisify(execFile)(process.execPath, [BUILD], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    const { stdout = "", stderr = "" } = error as { stdout?: string; stderr?: string };
    throw new Error(`process tests need dist/, and the build failed (scripts/build-if-stale.mjs):\n${stdout}${stderr}`);
  }
  console.info(`[process tests] built dist/ in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
