import { execFile, execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { applyChangeSet } from "../../src/aws/stacks.js";
import type { AwsClients } from "../../src/aws/clients.js";
import type { Environment, RepositoryRef } from "../../src/core/environment.js";
import { environmentNames } from "../../src/core/naming.js";
import { stackInputs } from "../../src/core/stack-inputs.js";
import { readTemplate } from "@branchline/cloudformation-template";

/**
 * The `branchline` command as operators run it: the built `dist/src/cli/main.js` in a child process,
 * with only the environment a test gives it (no AWS_*, GITHUB_TOKEN or HOME leaking in from the
 * machine running the tests).
 */

export const BUILT_CLI = fileURLToPath(new URL("../../dist/src/cli/main.js", import.meta.url));
export const SMALL_TEMPLATE = readFileSync(
  new URL("../fixtures/templates/small-pipeline.yml", import.meta.url),
  "utf8",
);
export const TEMPLATE_PATH = ".github/branchline/pipeline.yml";
export const CONNECTION_ARN = "arn:aws:codeconnections:us-east-1:123456789012:connection/0a1b2c3d";
export const ROLES = `roles:\n  branch: arn:aws:iam::123456789012:role/branchline-branch-deployer\n  staging: arn:aws:iam::123456789012:role/branchline-staging-deployer\n  production: arn:aws:iam::123456789012:role/branchline-production-deployer\n`;
export const GOOD_CONFIG = `# branchline config for tests
parameters:
  all:
    ConnectionArn: ${CONNECTION_ARN}
branches:
  exclude: ["dependabot/**"]
roles:
  branch: arn:aws:iam::123456789012:role/branchline-branch-deployer
  staging: arn:aws:iam::123456789012:role/branchline-staging-deployer
  production: arn:aws:iam::123456789012:role/branchline-production-deployer
`;

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

export type Env = Record<string, string | undefined>;

/** A clean environment: PATH for git, a HOME without ~/.aws, nothing else unless given. */
export function cliEnv(extra: Env = {}): Env {
  return {
    PATH: process.env.PATH,
    HOME: join(tmpdir(), "branchline-cli-no-home"),
    LANG: "C.UTF-8",
    AWS_EC2_METADATA_DISABLED: "true",
    // The SDK's advice to move to Node 22 goes to stderr on every run; tests read stderr exactly.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    ...extra,
  };
}

export function runCli(args: readonly string[], options: { cwd?: string; env?: Env } = {}): Promise<CliRun> {
  const env = Object.fromEntries(
    Object.entries(options.env ?? cliEnv()).filter((e): e is [string, string] => e[1] !== undefined),
  );
  const started = performance.now();
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BUILT_CLI, ...args],
      { cwd: options.cwd ?? tmpdir(), env, timeout: 60_000, maxBuffer: 8 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
        resolve({ code, stdout, stderr, ms: performance.now() - started });
      },
    );
  });
}

/** `--json` output, parsed; fails with the process's output when it is not JSON. */
export function json<T = Record<string, unknown>>(run: CliRun): T {
  try {
    return JSON.parse(run.stdout) as T;
  } catch {
    throw new Error(`not JSON (exit ${run.code}):\n${run.stdout}\n--- stderr ---\n${run.stderr}`);
  }
}

export interface TempRepo {
  readonly dir: string;
  write(path: string, content: string): void;
  git(...args: string[]): string;
  remove(): void;
}

/** A git repository in the OS temp directory, with a GitHub origin remote and files as given. */
export function tempRepo(
  files: Record<string, string>,
  options: { remote?: string | null; defaultBranch?: string } = {},
): TempRepo {
  const dir = mkdtempSync(join(tmpdir(), "branchline-cli-"));
  const git = (...args: string[]) =>
    execFileSync("git", ["-C", dir, ...args], {
      encoding: "utf8",
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: "t",
        GIT_AUTHOR_EMAIL: "t@example.test",
        GIT_COMMITTER_NAME: "t",
        GIT_COMMITTER_EMAIL: "t@example.test",
      },
    }).trim();
  const write = (path: string, content: string) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  };
  git("init", "-q", "-b", options.defaultBranch ?? "main");
  for (const [path, content] of Object.entries(files)) write(path, content);
  if (options.remote !== null) git("remote", "add", "origin", options.remote ?? "https://github.com/octo-org/shop.git");
  return { dir, write, git, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export function goodRepo(options: { remote?: string | null; defaultBranch?: string } = {}): TempRepo {
  return tempRepo({ ".github/branchline.yml": GOOD_CONFIG, [TEMPLATE_PATH]: SMALL_TEMPLATE }, options);
}

/** Creates an environment's stack exactly as the app does (same inputs, same tags), in the emulator. */
export async function deployStack(
  aws: AwsClients,
  repo: RepositoryRef,
  environment: Environment,
  options: { defaultBranch?: string; parameters?: Record<string, string>; template?: string } = {},
): Promise<string> {
  const text = options.template ?? SMALL_TEMPLATE;
  const read = readTemplate(text);
  if (!read.ok) throw new Error("fixture template does not read");
  const names = environmentNames("branchline", repo, environment);
  const built = stackInputs({
    repo,
    environment,
    names,
    sourceBranch: environment.kind === "branch" ? environment.branch : (options.defaultBranch ?? "main"),
    templateBody: text,
    template: read.template,
    configuredParameters: options.parameters ?? { ConnectionArn: CONNECTION_ARN },
    // The kind's role, as GOOD_CONFIG names it.
    roleArn: `arn:aws:iam::123456789012:role/branchline-${environment.kind}-deployer`,
  });
  if (!built.ok) throw new Error(`inputs: ${JSON.stringify(built.problems)}`);
  await applyChangeSet(
    aws.cloudformation,
    { stackName: names.stack, type: "CREATE", inputs: built.inputs, token: `test-${names.slug}` },
    { maxWaitSeconds: 30, minDelaySeconds: 0.05, maxDelaySeconds: 0.2 },
  );
  return names.stack;
}
