#!/usr/bin/env node
/* global process, console, URL */
// `npm start` runs this before the server: it builds dist/ (and each workspace package's dist/) only
// when what the build reads changed (the sources tsconfig.build.json includes, the packages' sources
// and manifests, the tsconfigs, the lockfile), so a restart costs as little as the app itself. The build's inputs are hashed by content, not by mtime: a checkout,
// a `git stash` or a copied tree that leaves files as they were does not force a build.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const STAMP = join(ROOT, "dist", ".build-inputs");
// `tsc -b tsconfig.build.json` builds the packages it references, each from its src/ into its dist/.
const PACKAGES = existsSync(join(ROOT, "packages"))
  ? readdirSync(join(ROOT, "packages")).map((name) => `packages/${name}`)
  : [];
const INPUTS = [
  "src",
  "bench",
  "test/support",
  "tsconfig.json",
  "tsconfig.build.json",
  "package-lock.json",
  ...PACKAGES.flatMap((pkg) => [`${pkg}/src`, `${pkg}/package.json`, `${pkg}/tsconfig.json`]),
];
/** What a build leaves; any one missing means dist/ is not a build of these sources. */
const OUTPUTS = ["dist/src/main.js", ...PACKAGES.map((pkg) => `${pkg}/dist/tsconfig.tsbuildinfo`)];

/** Every file under an input (a file is itself), sorted, so the hash does not depend on listing order. */
function files(input) {
  const full = join(ROOT, input);
  if (!existsSync(full)) return [];
  if (statSync(full).isFile()) return [full];
  return readdirSync(full, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

/** What the benchmarks write (git-ignored) is their output, not the build's input. */
const NOT_INPUTS = [join(ROOT, "bench", "results")];

function buildInputsHash() {
  const hash = createHash("sha256");
  const inputs = INPUTS.flatMap(files).filter((file) => !NOT_INPUTS.some((dir) => file.startsWith(`${dir}/`)));
  for (const file of inputs.sort())
    hash.update(relative(ROOT, file)).update("\0").update(readFileSync(file)).update("\0");
  return hash.digest("hex");
}

// `--always` (npm run build) builds whatever the stamp says, and stamps what it built.
const always = process.argv.includes("--always");
const wanted = buildInputsHash();
const built =
  !always && existsSync(STAMP) && OUTPUTS.every((output) => existsSync(join(ROOT, output)))
    ? readFileSync(STAMP, "utf8").trim()
    : "";
if (built === wanted) {
  console.error("branchline: dist/ is up to date with the sources; not building");
} else {
  if (!always)
    console.error(
      built ? "branchline: sources changed since the last build; building dist/" : "branchline: building dist/",
    );
  execFileSync(
    process.execPath,
    [join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-b", join(ROOT, "tsconfig.build.json")],
    { stdio: "inherit", cwd: ROOT },
  );
  writeFileSync(STAMP, `${wanted}\n`);
}
