import { readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import {
  GOOD_CONFIG,
  ROLES,
  SMALL_TEMPLATE,
  TEMPLATE_PATH,
  cliEnv,
  goodRepo,
  json,
  runCli,
  tempRepo,
  type TempRepo,
} from "../cli/support.js";

const repos: TempRepo[] = [];
function track(repo: TempRepo): TempRepo {
  repos.push(repo);
  return repo;
}
afterAll(() => repos.forEach((r) => r.remove()));

describe("branchline --help and usage", () => {
  it("prints the overview with --help (exit 0) and without a command to stderr (exit 2)", async () => {
    const help = await runCli(["--help"]);
    expect(help.code).toBe(0);
    for (const command of ["validate", "plan", "status", "history", "gc"])
      expect(help.stdout).toContain(`  ${command}`);
    expect(help.stdout).toMatch(/Exit codes: 0 ok, 1 findings or failure, 2 usage error/);

    const bare = await runCli([]);
    expect(bare.code).toBe(2);
    expect(bare.stdout).toBe("");
    expect(bare.stderr).toContain("Usage: branchline COMMAND");
  });

  it.each(["validate", "plan", "status", "history", "gc"])(
    "%s --help explains the command and exits 0, touching nothing",
    async (command) => {
      // No credentials, no repository: --help needs neither.
      const run = await runCli([command, "--help"]);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toContain(`Usage: branchline ${command}`);
      expect(run.stdout).toContain("--json");
      expect(run.stdout).toMatch(/Exit codes:/);
      expect(run.stderr).toBe("");
      const short = await runCli(["help", command]);
      expect(short.stdout).toBe(run.stdout);
    },
  );

  it("answers unknown commands, unknown flags and stray arguments with exit 2 and a hint", async () => {
    const unknown = await runCli(["deploy"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "deploy"');

    const flag = await runCli(["validate", "--strict"]);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain("Unknown option '--strict'");
    expect(flag.stderr).toContain('Run "branchline validate --help"');

    const extra = await runCli(["validate", "a", "b"]);
    expect(extra.code).toBe(2);
    expect(extra.stderr).toContain('unexpected argument "b"');

    const missing = await runCli(["history"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("--env is required");
  });
});

describe("branchline validate", () => {
  it("passes a good repository: exit 0, one summary line, no colour into a pipe", async () => {
    const repo = track(goodRepo());
    const run = await runCli(["validate"], { cwd: repo.dir });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toBe(`✓ .github/branchline.yml and ${TEMPLATE_PATH} are valid\n`);
    expect(run.stdout).not.toContain("\u001b[");

    const other = await runCli(["validate", repo.dir, "--json"]);
    expect(other.code).toBe(0);
    expect(json(other)).toMatchObject({
      errors: 0,
      warnings: 0,
      problems: [],
      config: { found: true, valid: true },
      template: { found: true },
    });
  });

  it("uses colour only when asked for (FORCE_COLOR) and never with NO_COLOR", async () => {
    const repo = track(goodRepo());
    const forced = await runCli(["validate"], { cwd: repo.dir, env: cliEnv({ FORCE_COLOR: "1" }) });
    expect(forced.stdout).toContain("\u001b[32m");
    const never = await runCli(["validate"], { cwd: repo.dir, env: cliEnv({ FORCE_COLOR: "1", NO_COLOR: "1" }) });
    expect(never.stdout).not.toContain("\u001b[");
  });

  it("reports a config typo at its line and column, exit 1, without reading the template", async () => {
    const config = [
      "parameters:",
      "  all:",
      "    ConnectionArn: arn:aws:codeconnections:us-east-1:123456789012:connection/x",
      "stackprefix: web",
      "branches:",
      "  include: main",
      "  exlude: [x]",
      "",
    ].join("\n");
    const repo = track(tempRepo({ ".github/branchline.yml": config, [TEMPLATE_PATH]: SMALL_TEMPLATE }));
    const run = await runCli(["validate"], { cwd: repo.dir });
    expect(run.code).toBe(1);
    const lines = run.stdout.trim().split("\n");
    expect(lines).toEqual([
      '.github/branchline.yml:4:1: stackprefix: unknown field "stackprefix"; check its spelling against the config reference in the README',
      '.github/branchline.yml:7:3: branches.exlude: unknown field "exlude"; check its spelling against the config reference in the README',
      "✗ 2 errors in .github/branchline.yml",
    ]);
  });

  it("reports YAML that does not parse, and a missing config file", async () => {
    const broken = track(
      tempRepo({ ".github/branchline.yml": "parameters:\n  all: [unclosed\n", [TEMPLATE_PATH]: SMALL_TEMPLATE }),
    );
    const run = await runCli(["validate", broken.dir]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/branchline\.yml:\d+:\d+: not valid YAML: /);

    const empty = track(tempRepo({}));
    const none = await runCli(["validate"], { cwd: empty.dir });
    expect(none.code).toBe(1);
    expect(none.stdout).toContain(".github/branchline.yml:1:1: no such file");
  });

  it("reports a template with an unknown property as file:line:column, paths relative to where it runs", async () => {
    const template = SMALL_TEMPLATE.replace(
      "      PipelineType: V2\n",
      "      PipelineType: V2\n      PipelineTyp: V1\n",
    );
    const repo = track(tempRepo({ ".github/branchline.yml": GOOD_CONFIG, [TEMPLATE_PATH]: template }));
    const line = template.split("\n").findIndex((l) => l.includes("PipelineTyp: V1")) + 1;
    const inside = await runCli(["validate"], { cwd: repo.dir });
    expect(inside.code).toBe(1);
    expect(inside.stdout).toContain(
      `${TEMPLATE_PATH}:${line}:7: Resources.Pipeline.Properties.PipelineTyp: unknown property of AWS::CodePipeline::Pipeline; did you mean PipelineType?`,
    );

    const outside = await runCli(["validate", "."], { cwd: repo.dir });
    expect(outside.stdout).toBe(inside.stdout);
    const json_ = json<{ problems: { file: string; line: number; column: number; severity: string }[] }>(
      await runCli(["validate", "--json"], { cwd: repo.dir }),
    );
    expect(json_.problems).toEqual([
      expect.objectContaining({ file: TEMPLATE_PATH, line, column: 7, severity: "error" }),
    ]);
  });

  it("reports configured parameters the template lacks and template parameters without a value, per environment kind", async () => {
    const config = `parameters:\n  all:\n    Colour: blue\n  production:\n    ConnectionArn: arn:aws:codeconnections:us-east-1:123456789012:connection/prod\n${ROLES}`;
    const repo = track(tempRepo({ ".github/branchline.yml": config, [TEMPLATE_PATH]: SMALL_TEMPLATE }));
    const run = await runCli(["validate"], { cwd: repo.dir });
    expect(run.code).toBe(1);
    const connectionLine = SMALL_TEMPLATE.split("\n").findIndex((l) => l.startsWith("  ConnectionArn:")) + 1;
    expect(run.stdout.split("\n")).toEqual([
      `.github/branchline.yml:3:5: parameter Colour is configured for every environment, but ${TEMPLATE_PATH} does not declare it; remove it here or declare it under Parameters: in the template`,
      `${TEMPLATE_PATH}:${connectionLine}:3: parameter ConnectionArn has no Default and no value for branch and staging environments; set parameters.branch.ConnectionArn and parameters.staging.ConnectionArn in .github/branchline.yml, or give it a Default`,
      `✗ 2 errors in .github/branchline.yml and ${TEMPLATE_PATH}`,
      "",
    ]);
  });

  it("says where the template should be when it is missing", async () => {
    const repo = track(tempRepo({ ".github/branchline.yml": "template: ci/pipeline.yaml\n" }));
    const run = await runCli(["validate"], { cwd: repo.dir });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(".github/branchline.yml:1:1: template: ci/pipeline.yaml does not exist");
  });

  it("accepts _extends as the app does, and says that only this file was checked", async () => {
    const repo = track(
      tempRepo({
        ".github/branchline.yml": `_extends: octo-org/.github\n${GOOD_CONFIG}`,
        [TEMPLATE_PATH]: SMALL_TEMPLATE,
      }),
    );
    const run = await runCli(["validate"], { cwd: repo.dir });
    expect(run.code, run.stdout).toBe(0);
    expect(run.stdout).toBe(
      ".github/branchline.yml:1:1: warning: _extends: the app starts from octo-org/.github's config and this file's fields win; offline, only this file is checked\n" +
        `✓ .github/branchline.yml and ${TEMPLATE_PATH} are valid (1 warning)\n`,
    );
  });

  it("checks parameter values as CloudFormation would, each at its own line", async () => {
    const template = readFileSync(new URL("../../templates/pipeline.yml", import.meta.url), "utf8");
    const config = [
      "parameters:",
      "  all:",
      "    ConnectionArn: my-connection",
      "    PermissionsBoundaryArn: arn:aws:iam::123456789012:policy/branchline/branch-boundary",
      "    DeployPolicyArn: arn:aws:iam::123456789012:policy/branchline/branch-deploy",
      "  branch:",
      "    ArtifactRetentionDays: seven",
      "    BuildComputeType: BUILD_GENERAL1_HUGE",
      ROLES,
    ].join("\n");
    const repo = track(tempRepo({ ".github/branchline.yml": config, [TEMPLATE_PATH]: template }));
    const run = await runCli(["validate"], { cwd: repo.dir });
    expect(run.code).toBe(1);
    expect(run.stdout.split("\n")).toEqual([
      `.github/branchline.yml:3:5: parameter ConnectionArn is "my-connection", which ${TEMPLATE_PATH} does not accept: it must match the template's AllowedPattern ^arn:aws[a-z-]*:(codeconnections|codestar-connections):[a-z0-9-]+:[0-9]{12}:connection/.+$`,
      `.github/branchline.yml:7:5: parameter ArtifactRetentionDays is "seven", which ${TEMPLATE_PATH} does not accept: the parameter's Type is Number, and this is not a number`,
      `.github/branchline.yml:8:5: parameter BuildComputeType is "BUILD_GENERAL1_HUGE", which ${TEMPLATE_PATH} does not accept: it must be one of the template's AllowedValues: BUILD_GENERAL1_SMALL, BUILD_GENERAL1_MEDIUM, BUILD_GENERAL1_LARGE, BUILD_GENERAL1_XLARGE, BUILD_GENERAL1_2XLARGE`,
      `✗ 3 errors in .github/branchline.yml and ${TEMPLATE_PATH}`,
      "",
    ]);
  });

  it("suggests the parameter a misspelt one was meant to be", async () => {
    const repo = track(
      tempRepo({
        ".github/branchline.yml": GOOD_CONFIG.replace(
          "branches:",
          "  branch:\n    BuildImgae: aws/codebuild/standard:8.0\nbranches:",
        ),
        [TEMPLATE_PATH]: SMALL_TEMPLATE,
      }),
    );
    const run = await runCli(["validate"], { cwd: repo.dir });
    expect(run.code).toBe(1);
    expect(run.stdout.split("\n")).toEqual([
      `.github/branchline.yml:6:5: parameter BuildImgae is configured for branch environments, but ${TEMPLATE_PATH} does not declare it; did you mean BuildImage?`,
      `✗ 1 error in .github/branchline.yml and ${TEMPLATE_PATH}`,
      "",
    ]);
  });

  it("reports a kind without its service role, saying what to set", async () => {
    const repo = track(
      tempRepo({
        ".github/branchline.yml": GOOD_CONFIG.replace(/ {2}production: arn:.*\n/, ""),
        [TEMPLATE_PATH]: SMALL_TEMPLATE,
      }),
    );
    const run = await runCli(["validate"], { cwd: repo.dir });
    expect(run.code).toBe(1);
    expect(run.stdout.split("\n")).toEqual([
      ".github/branchline.yml:7:1: roles.production is not set: on AWS, branchline deploys production environments only with their CloudFormation service role; set roles.production in .github/branchline.yml to the ProductionServiceRoleArn output of templates/branchline-iam.yml (a sandbox or emulator needs none)",
      `✗ 1 error in .github/branchline.yml and ${TEMPLATE_PATH}`,
      "",
    ]);
  });

  it("takes the stack prefix by the templates' rule: lower case and hyphens, nothing upper case", async () => {
    const upper = track(
      tempRepo({ ".github/branchline.yml": `stackPrefix: Acme\n${GOOD_CONFIG}`, [TEMPLATE_PATH]: SMALL_TEMPLATE }),
    );
    const refused = await runCli(["validate"], { cwd: upper.dir });
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe(
      ".github/branchline.yml:1:1: stackPrefix: lower case: a letter, then at most 19 letters, digits or hyphens, not ending in a hyphen (as StackPrefix of templates/branchline-iam.yml)\n✗ 1 error in .github/branchline.yml\n",
    );
    const hyphen = track(
      tempRepo({ ".github/branchline.yml": `stackPrefix: acme-ci\n${GOOD_CONFIG}`, [TEMPLATE_PATH]: SMALL_TEMPLATE }),
    );
    const accepted = await runCli(["validate"], { cwd: hyphen.dir });
    expect(accepted.code, accepted.stdout).toBe(0);
  });

  it("asks whether .github/branchline.yaml was meant, when that is there instead", async () => {
    const repo = track(tempRepo({ ".github/branchline.yaml": GOOD_CONFIG, [TEMPLATE_PATH]: SMALL_TEMPLATE }));
    const run = await runCli(["validate"], { cwd: repo.dir });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe(
      ".github/branchline.yml:1:1: no such file: branchline ignores a repository without .github/branchline.yml (an empty file takes every default); did you mean .github/branchline.yaml? branchline reads only .github/branchline.yml: rename it\n✗ 1 error in .github/branchline.yml\n",
    );
  });
});
