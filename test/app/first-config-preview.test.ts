import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { environmentNames } from "../../src/core/naming.js";
import type { RunningApp } from "../support/branchline.js";
import { allStacks, mutationCount, type EmulatedAws } from "../support/aws.js";
import type { FakeGitHub } from "../support/fake-github.js";
import { pullRequestEvent } from "../support/payloads.js";
import { A, B, C, closeScene, CONFIG, givenRepository, openScene } from "../support/scenario.js";

const PREVIEW = "branchline: staging preview";
const REPO = { owner: "octo-org", name: "shop" };

let aws: EmulatedAws;
let github: FakeGitHub;
let app: RunningApp;

beforeEach(async () => {
  ({ aws, github, app } = await openScene());
  // A repository branchline is installed on but not configured in: no .github/branchline.yml on main.
  givenRepository(github, { config: null });
  github.repository
    .branch("main", A)
    .branch("add-branchline", B)
    .branch("feature/cart", C)
    .branch("dependabot/npm/left-pad", C);
});

afterEach(() => closeScene({ aws, github, app }));

async function openPullRequest(head = B) {
  const payload = pullRequestEvent("opened", { branch: "add-branchline", sha: head });
  (payload.pull_request as { base: { ref: string } }).base.ref = "main";
  await app.deliver("pull_request", payload);
  await app.settle();
}

function preview(commit: string) {
  return github.checkRunsFor(commit).find((c) => c.name === PREVIEW);
}

describe("a pull request that adds .github/branchline.yml to a repository without one", () => {
  it("previews what merging would create: staging, the branch environments branches.include picks, production at a release; nothing in AWS", async () => {
    github.file(
      B,
      ".github/branchline.yml",
      `${CONFIG}branches:\n  exclude: ["dependabot/**"]\nproduction:\n  approval:\n    required: true\n`,
    );
    await openPullRequest();

    const check = preview(B)!;
    expect(check).toMatchObject({ status: "completed", conclusion: "success" });
    expect(check.output.title).toBe("Merging sets up branchline: staging and 2 branch environments");
    const summary = check.output.summary;
    const staging = environmentNames("branchline", REPO, { kind: "staging", branch: "main" });
    expect(summary).toContain(`| staging | \`main\` | \`${staging.stack}\` | \`${staging.pipeline}\` |`);
    for (const branch of ["add-branchline", "feature/cart"]) {
      const names = environmentNames("branchline", REPO, { kind: "branch", branch });
      expect(summary).toContain(`| branch/${branch} | \`${branch}\` | \`${names.stack}\` | \`${names.pipeline}\` |`);
    }
    expect(summary).not.toContain("| branch/dependabot");
    expect(summary).toContain("- `dependabot/npm/left-pad`: excluded by `branches.exclude`");
    expect(summary).toMatch(/production[^\n]*release tag matching `v\[0-9\]\*`/);
    expect(summary).toContain("its pipeline must have a manual approval");

    expect(await allStacks(aws.clients)).toEqual([]);
    expect(mutationCount(aws, "cloudformation")).toBe(0);
    expect(mutationCount(aws, "codepipeline")).toBe(0);
    // Only the preview: no environment check run for any branch, since nothing was deployed.
    expect(github.checkRunsFor(B).map((c) => c.name)).toEqual([PREVIEW]);
  });

  it("fails naming the file, line and fix when the added config is not valid, and creates nothing", async () => {
    github.file(B, ".github/branchline.yml", `${CONFIG}branches:\n  ttl: soon\n`);
    await openPullRequest();

    const check = preview(B)!;
    expect(check.conclusion).toBe("failure");
    expect(check.output.title).toBe("The .github/branchline.yml this pull request adds cannot be used: 1 problem");
    expect(check.output.summary).toMatch(/`\.github\/branchline\.yml:6:3` `branches\.ttl`: a duration/);
    expect(check.output.summary).toContain("Fix it in this pull request");
    expect(await allStacks(aws.clients)).toEqual([]);
  });

  it("fails naming the template when the config points at a file the pull request does not hold", async () => {
    github.file(B, ".github/branchline.yml", `${CONFIG}template: infra/pipeline.yml\n`);
    await openPullRequest();

    const check = preview(B)!;
    expect(check.conclusion).toBe("failure");
    expect(check.output.summary).toContain("- `infra/pipeline.yml:1:1`: no such file at this commit");
    expect(check.output.summary).toContain("Add the pipeline template at `infra/pipeline.yml`");
    expect(await allStacks(aws.clients)).toEqual([]);
  });

  it("fails naming the parameter the template needs and the config does not give", async () => {
    // CONFIG gives the template's ConnectionArn; without it, every environment's deploy would fail.
    github.file(B, ".github/branchline.yml", 'branches:\n  exclude: ["dependabot/**"]\n');
    await openPullRequest();

    const check = preview(B)!;
    expect(check.conclusion).toBe("failure");
    expect(check.output.summary).toContain(
      "- `.github/branchline/pipeline.yml:18:3`: parameter ConnectionArn has no Default and no value for staging environments; set parameters.staging.ConnectionArn in .github/branchline.yml",
    );
    expect(check.output.summary).toContain("Parameters come from `parameters.all` and `parameters.staging`");
    expect(await allStacks(aws.clients)).toEqual([]);
  });

  it("writes nothing when the pull request does not add the file", async () => {
    await openPullRequest();
    expect(github.checkRunsFor(B)).toEqual([]);
    expect(await allStacks(aws.clients)).toEqual([]);
  });
});
