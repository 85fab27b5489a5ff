import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** A project tree of its own: the real script, a one-file source, the real TypeScript. */
function project(): string {
  const dir = mkdtempSync(join(tmpdir(), "branchline-build-"));
  mkdirSync(join(dir, "scripts"));
  cpSync(join(ROOT, "scripts", "build-if-stale.mjs"), join(dir, "scripts", "build-if-stale.mjs"));
  mkdirSync(join(dir, "node_modules"));
  symlinkSync(join(ROOT, "node_modules", "typescript"), join(dir, "node_modules", "typescript"));
  mkdirSync(join(dir, "src"));
  writeFileSync(join(dir, "src", "main.ts"), "export const answer: number = 42;\n");
  writeFileSync(
    join(dir, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: { module: "NodeNext", moduleResolution: "NodeNext", outDir: "dist", rootDir: ".", types: [] },
    }),
  );
  writeFileSync(join(dir, "tsconfig.build.json"), JSON.stringify({ extends: "./tsconfig.json", include: ["src"] }));
  writeFileSync(join(dir, "package-lock.json"), "{}\n");
  return dir;
}

function start(dir: string, ...args: string[]): string {
  // The script reports on stderr; 2>&1 keeps the order of what it says.
  return execFileSync("sh", ["-c", `"${process.execPath}" scripts/build-if-stale.mjs ${args.join(" ")} 2>&1`], {
    cwd: dir,
    encoding: "utf8",
  });
}

describe("npm start's build step", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it(
    "builds the first time, not again while the sources are unchanged, and again once one changes",
    { timeout: 120_000 },
    () => {
      const dir = project();
      dirs.push(dir);
      expect(start(dir)).toBe("branchline: building dist/\n");
      expect(existsSync(join(dir, "dist", "src", "main.js"))).toBe(true);
      expect(start(dir)).toBe("branchline: dist/ is up to date with the sources; not building\n");
      writeFileSync(join(dir, "src", "main.ts"), "export const answer: number = 43;\n");
      expect(start(dir)).toBe("branchline: sources changed since the last build; building dist/\n");
      expect(start(dir)).toBe("branchline: dist/ is up to date with the sources; not building\n");
      writeFileSync(join(dir, "package-lock.json"), '{"changed":true}\n');
      expect(start(dir)).toBe("branchline: sources changed since the last build; building dist/\n");
    },
  );

  it(
    "builds when dist/ was removed, and `--always` (npm run build) builds and stamps without asking",
    { timeout: 120_000 },
    () => {
      const dir = project();
      dirs.push(dir);
      start(dir);
      rmSync(join(dir, "dist"), { recursive: true });
      expect(start(dir)).toBe("branchline: building dist/\n");
      expect(start(dir, "--always")).toBe("");
      expect(start(dir)).toBe("branchline: dist/ is up to date with the sources; not building\n");
    },
  );
});
