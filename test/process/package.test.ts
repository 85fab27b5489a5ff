import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { GOOD_CONFIG, SMALL_TEMPLATE, TEMPLATE_PATH } from "../cli/support.js";
import { REPO_ROOT } from "../support/processes.js";

const exec = promisify(execFile);
const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

interface LockEntry {
  readonly version?: string;
  readonly dev?: boolean;
  readonly [key: string]: unknown;
}

/**
 * A project that depends only on the packed tarball, its lockfile resolved as the repository's
 * own lockfile resolves (its production part): `npm ci --offline` then installs from npm's cache,
 * which the repository's `npm ci` filled, so the test needs no network.
 */
function consumerLock(tarball: string): { manifest: object; lock: object } {
  const own = JSON.parse(readFileSync(join(REPO_ROOT, "package-lock.json"), "utf8")) as {
    packages: Record<string, LockEntry>;
  };
  const root = own.packages[""]!;
  const file = `file:${tarball}`;
  const integrity = `sha512-${createHash("sha512").update(readFileSync(tarball)).digest("base64")}`;
  const packages: Record<string, unknown> = {
    "": { name: "consumer", version: "1.0.0", dependencies: { branchline: file } },
    "node_modules/branchline": {
      version: root.version,
      resolved: file,
      integrity,
      license: root.license,
      dependencies: root.dependencies,
      bundleDependencies: root.bundleDependencies,
      bin: root.bin,
      engines: root.engines,
    },
  };
  for (const [path, entry] of Object.entries(own.packages)) {
    // A workspace package (node_modules/@branchline/*, a link) travels inside the tarball (bundleDependencies).
    if (entry.link) {
      packages[`node_modules/branchline/${path}`] = { ...own.packages[entry.resolved as string], inBundle: true };
      continue;
    }
    if (!path.startsWith("node_modules/") || entry.dev) continue;
    // This machine's npm leaves registry URLs out of lockfiles; the tarball is found in the cache by its integrity.
    const name = path.slice(path.lastIndexOf("node_modules/") + "node_modules/".length);
    packages[path] = {
      resolved: `https://registry.npmjs.org/${name}/-/${name.split("/").pop()}-${entry.version}.tgz`,
      ...entry,
    };
  }
  // Overrides apply only at a project's root: a consumer carries branchline's (content-type 3 wants Node 22).
  const { overrides } = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { overrides?: object };
  return {
    manifest: { name: "consumer", version: "1.0.0", private: true, dependencies: { branchline: file }, overrides },
    lock: { name: "consumer", version: "1.0.0", lockfileVersion: 3, requires: true, packages },
  };
}

describe("the packed package", () => {
  it(
    "installs into an empty folder and runs: branchline --help and validate; it holds what it needs and no tests or benchmarks",
    { timeout: 240_000 },
    async () => {
      const work = mkdtempSync(join(tmpdir(), "branchline-pack-"));
      dirs.push(work);
      // `npm pack` runs prepack (the build, skipped when dist/ is up to date with the sources).
      const packed = await exec("npm", ["pack", "--json", "--pack-destination", work], {
        cwd: REPO_ROOT,
        maxBuffer: 32 * 1024 * 1024,
      });
      const [info] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
      const files = info!.files.map((f) => f.path);
      for (const needed of [
        "package.json",
        "LICENSE",
        ".env.example",
        "app.yml",
        "branchline.schema.json",
        "dist/src/cli/main.js",
        "dist/src/main.js",
        "node_modules/@branchline/aws-emulator/dist/main.js",
        "templates/pipeline.yml",
        "templates/branchline-iam.yml",
        "templates/events.yml",
      ]) {
        expect(files, needed).toContain(needed);
      }
      expect(files.filter((f) => /^(test|bench|src)\/|^dist\/(test|bench)\/|\.test\.|\.map$/.test(f))).toEqual([]);

      const consumer = join(work, "consumer");
      mkdirSync(consumer);
      const { manifest, lock } = consumerLock(join(work, info!.filename));
      writeFileSync(join(consumer, "package.json"), JSON.stringify(manifest));
      writeFileSync(join(consumer, "package-lock.json"), JSON.stringify(lock));
      const installed = await exec("npm", ["ci", "--offline", "--omit=dev", "--no-audit", "--no-fund"], {
        cwd: consumer,
        maxBuffer: 32 * 1024 * 1024,
      });
      expect(installed.stderr, "npm warns of no engine the package does not declare").not.toContain("EBADENGINE");

      const bin = join(consumer, "node_modules", ".bin", "branchline");
      const help = await exec(bin, ["--help"], { cwd: consumer });
      expect(help.stdout).toContain("Usage: branchline COMMAND");

      const repo = join(work, "repo");
      mkdirSync(join(repo, ".github", "branchline"), { recursive: true });
      writeFileSync(join(repo, ".github", "branchline.yml"), GOOD_CONFIG);
      writeFileSync(join(repo, TEMPLATE_PATH), SMALL_TEMPLATE);
      const validated = await exec(bin, ["validate", repo], {
        cwd: consumer,
        env: { PATH: process.env.PATH, HOME: work, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
      });
      expect(validated.stdout).toBe(`✓ ../repo/.github/branchline.yml and ../repo/${TEMPLATE_PATH} are valid\n`);
    },
  );
});
