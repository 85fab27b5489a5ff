import { CreateBucketCommand } from "@aws-sdk/client-s3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { templateStore } from "../../src/aws/template-store.js";
import { refFromTags } from "../../src/core/tags.js";
import { FakeGitHub } from "../support/fake-github.js";
import { startBranchline, type RunningApp } from "../support/branchline.js";
import { allStacks, callCount, emulatedAws, tagsOf, type EmulatedAws } from "../support/aws.js";
import { pushToBranch } from "../support/payloads.js";
import { A, CONFIG, TEMPLATE, TEMPLATE_PATH, givenRepository } from "../support/scenario.js";

/**
 * One corpus of hostile and mistaken input. Each case must end in a clear error on the commit's
 * check run, naming the file and line, and change nothing in AWS.
 */
let aws: EmulatedAws;
let github: FakeGitHub;
let app: RunningApp;

beforeEach(async () => {
  aws = await emulatedAws();
  github = new FakeGitHub("octo-org", "shop").install();
});

afterEach(async () => {
  await app.settle();
  github.assertClean();
  await aws.close();
});

function mutations(): number {
  return (
    ["CreateChangeSet", "ExecuteChangeSet", "CreateStack", "UpdateStack", "DeleteStack"].reduce(
      (sum, op) => sum + callCount(aws, "cloudformation", op),
      0,
    ) + callCount(aws, "codepipeline", "StartPipelineExecution")
  );
}

const billionLaughs = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
  .concat(
    Array.from(
      { length: 8 },
      (_, i) =>
        `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(9)
          .fill(`*${String.fromCharCode(97 + i)}`)
          .join(", ")}]`,
    ),
  )
  .join("\n");

// A template past CloudFormation's 51,200-byte inline limit, and one past its 1 MB limit.
const padding = (bytes: number) => `\n# ${"x".repeat(bytes)}\n`;
const LARGE_TEMPLATE = TEMPLATE + padding(60_000);
const HUGE_TEMPLATE = TEMPLATE + padding(1_100_000);

const CONFIG_CASES: [string, string, RegExp][] = [
  ["malformed YAML", "branches: [unclosed\n", /`\.github\/branchline\.yml:\d+:\d+`: not valid YAML/],
  ["an alias bomb", billionLaughs, /`\.github\/branchline\.yml:\d+:\d+`/],
  ["a list instead of a mapping", "- a\n- b\n", /must be a mapping/],
  ["a number for the branches", "branches: 5\n", /`\.github\/branchline\.yml:1:1` `branches`/],
  ["a mapping for the release tags", "releaseTags:\n  a: 1\n", /`releaseTags`: a pattern, or a list of patterns/],
  ["a prefix that cannot name a stack", "stackPrefix: 12-bad\n", /`stackPrefix`: lower case: a letter/],
  ["a JavaScript tag", "template: !!js/function 'function () { return 1 }'\n", /`\.github\/branchline\.yml:\d+:\d+`/],
  [
    "a reserved parameter",
    "parameters:\n  all:\n    BranchlineRef: refs/heads/other\n",
    /`parameters\.all\.BranchlineRef`: parameters named Branchline\* are set by branchline/,
  ],
  ["a misspelt field", "releasetags: v*\n", /`releasetags`: unknown field/],
];

describe("config that cannot be used", () => {
  it.each(CONFIG_CASES)(
    "%s gets a failed config check naming the file and line, and nothing else happens",
    async (_name, config, message) => {
      givenRepository(github, { config });
      app = await startBranchline(aws.clients);
      await app.deliver("push", pushToBranch("feature/x", A));
      await app.settle();
      const [check, ...others] = github.checkRunsFor(A);
      expect(others).toEqual([]);
      expect(check).toMatchObject({ name: "branchline: config", status: "completed", conclusion: "failure" });
      expect(check!.output.summary).toMatch(message);
      expect(callCount(aws, "cloudformation") + callCount(aws, "codepipeline")).toBe(0);
    },
  );
});

describe("a config too large to read", () => {
  it("is refused by its size before it is parsed: a failed config check naming the file and the limit, no AWS call", async () => {
    // 4 MB of distinct keys: Probot's loader would parse all of it (and the validation re-read again).
    const huge = Array.from({ length: 200_000 }, (_, i) => `key${i}: ${"v".repeat(8)}`).join("\n");
    givenRepository(github, { config: `${CONFIG}${huge}\n` });
    app = await startBranchline(aws.clients);
    await app.deliver("push", pushToBranch("feature/x", A));
    await app.settle();
    const [check, ...others] = github.checkRunsFor(A);
    expect(others).toEqual([]);
    expect(check).toMatchObject({ name: "branchline: config", status: "completed", conclusion: "failure" });
    expect(check!.output.summary).toMatch(
      /`\.github\/branchline\.yml:1:1`: the file is [\d,]+ bytes; branchline reads at most 65,536 bytes of config/,
    );
    expect(callCount(aws, "cloudformation") + callCount(aws, "codepipeline")).toBe(0);
    // Only its size was asked for: its contents were never fetched, so never parsed.
    const reads = github.model.calls("GET", /\/contents\/\.github(%2F|\/)branchline\.yml/);
    expect(reads.length).toBeGreaterThan(0);
    expect(reads.filter((r) => (r.accept ?? "").includes("raw"))).toEqual([]);
  });
});

describe("an owner's shared config too large to read", () => {
  it("is refused by its size too, when the repository falls back to the owner's .github repository", async () => {
    const huge = Array.from({ length: 200_000 }, (_, i) => `key${i}: ${"v".repeat(8)}`).join("\n");
    givenRepository(github, { config: null });
    github.model.repository("octo-org", ".github").file("main", ".github/branchline.yml", `${CONFIG}${huge}\n`);
    github.model.install(42, "octo-org", ["octo-org/shop", "octo-org/.github"]);
    app = await startBranchline(aws.clients);
    await app.deliver("push", pushToBranch("feature/x", A));
    await app.settle();
    const [check] = github.checkRunsFor(A);
    expect(check).toMatchObject({ name: "branchline: config", status: "completed", conclusion: "failure" });
    expect(check!.output.summary).toMatch(
      /`octo-org\/\.github: \.github\/branchline\.yml:1:1`: the file is [\d,]+ bytes; branchline reads at most 65,536 bytes of config/,
    );
    expect(callCount(aws, "cloudformation") + callCount(aws, "codepipeline")).toBe(0);
    expect(
      github.model
        .calls("GET", /\/contents\/\.github(%2F|\/)branchline\.yml/)
        .filter((r) => (r.accept ?? "").includes("raw")),
    ).toEqual([]);
  });
});

const TEMPLATE_CASES: [string, { config?: string; template: string }, string, RegExp][] = [
  [
    "a template over 51,200 bytes with nowhere to put it",
    { template: LARGE_TEMPLATE },
    "Pipeline template is too large",
    /over CloudFormation's 51200-byte limit for inline templates\. The operator of branchline can set BRANCHLINE_TEMPLATE_BUCKET/,
  ],
  [
    "a template over 1 MB",
    { template: HUGE_TEMPLATE },
    "Pipeline template is too large",
    /CloudFormation reads at most 1000000 bytes/,
  ],
  [
    "a template CloudFormation rejects",
    { template: TEMPLATE.replace("Location: !Ref ArtifactBucket", "Location: !Ref NoSuchBucket") },
    "CloudFormation rejected the template",
    /Unresolved resource dependencies \[NoSuchBucket\]/,
  ],
  [
    "a parameter the template lacks",
    { config: `${CONFIG}    Colour: blue\n`, template: TEMPLATE },
    "Parameters do not match the template",
    /`\.github\/branchline\.yml:\d+:5`: parameter Colour is configured for branch environments, but \.github\/branchline\/pipeline\.yml does not declare it/,
  ],
  [
    "a template parameter with no value",
    { config: "stackPrefix: branchline\n", template: TEMPLATE },
    "Parameters do not match the template",
    /`\.github\/branchline\/pipeline\.yml:\d+:\d+`: parameter ConnectionArn has no Default and no value for branch environments; set parameters\.branch\.ConnectionArn/,
  ],
  [
    "a parameter value the template's AllowedPattern refuses",
    {
      config: CONFIG.replace(/ConnectionArn: .*/, "ConnectionArn: my-connection"),
      template: TEMPLATE.replace(
        "  ConnectionArn:\n    Type: String\n",
        '  ConnectionArn:\n    Type: String\n    AllowedPattern: "^arn:aws[a-z-]*:codeconnections:.+$"\n',
      ),
    },
    "Parameters do not match the template",
    /`\.github\/branchline\.yml:4:\d+`: parameter ConnectionArn is "my-connection", which \.github\/branchline\/pipeline\.yml does not accept: it must match the template's AllowedPattern \^arn:aws\[a-z-\]\*:codeconnections:\.\+\$/,
  ],
  [
    "a misspelt parameter",
    { config: `${CONFIG}    BuildImgae: aws/codebuild/standard:8.0\n`, template: TEMPLATE },
    "Parameters do not match the template",
    /`\.github\/branchline\.yml:\d+:5`: parameter BuildImgae is configured for branch environments, but \.github\/branchline\/pipeline\.yml does not declare it; did you mean BuildImage\?/,
  ],
  [
    "a template that is a list",
    { template: "- Resources\n" },
    "Pipeline template is not valid",
    /a template must be a mapping of sections/,
  ],
  [
    "a template without resources",
    { template: "Resources: {}\n" },
    "Pipeline template is not valid",
    /needs a Resources section with at least one resource/,
  ],
];

describe("templates that cannot be deployed", () => {
  it.each(TEMPLATE_CASES)(
    "%s gets a failed check naming the template, and changes nothing",
    async (_name, input, title, message) => {
      givenRepository(github, { ...(input.config ? { config: input.config } : {}), template: input.template });
      app = await startBranchline(aws.clients);
      await app.deliver("push", pushToBranch("feature/x", A));
      await app.settle();
      const check = github.checkRunsFor(A)[0]!;
      expect(check).toMatchObject({ status: "completed", conclusion: "failure" });
      expect(check.output.title).toBe(title);
      expect(check.output.summary).toMatch(message);
      expect(check.output.summary).toContain(TEMPLATE_PATH);
      expect(mutations() - callCount(aws, "cloudformation", "CreateChangeSet")).toBe(0);
      expect(await allStacks(aws.clients)).toEqual([]);
    },
  );

  it("against AWS itself, a kind without its service role gets a failed check saying what to set, and AWS is not touched", async () => {
    givenRepository(github, {
      config: `${CONFIG}roles:\n  staging: arn:aws:iam::123456789012:role/branchline-staging-deployer\n`,
    });
    app = await startBranchline(aws.clients, { requireRoles: true });
    await app.deliver("push", pushToBranch("feature/x", A));
    await app.settle();
    const check = github.checkRunsFor(A)[0]!;
    expect(check).toMatchObject({ status: "completed", conclusion: "failure" });
    expect(check.output.title).toBe("No service role for this environment");
    expect(check.output.summary).toContain(
      "- `.github/branchline.yml:5:1`: roles.branch is not set: on AWS, branchline deploys branch environments only with their CloudFormation service role; set roles.branch in .github/branchline.yml to the BranchServiceRoleArn output of templates/branchline-iam.yml",
    );
    expect(mutations()).toBe(0);
  });

  it("a template over 51,200 bytes deploys through S3 when a template bucket is configured", async () => {
    await aws.clients.s3.send(new CreateBucketCommand({ Bucket: "branchline-templates" }));
    givenRepository(github, { template: LARGE_TEMPLATE });
    app = await startBranchline(aws.clients, {
      templates: templateStore("branchline-templates", aws.emulator.region, aws.emulator.url),
    });
    await app.deliver("push", pushToBranch("feature/x", A));
    await app.settle();
    expect(github.checkRunsFor(A)[0]!.conclusion).toBe("success");
    expect(aws.emulator.control.buckets().find((b) => b.name === "branchline-templates")!.keys).toHaveLength(1);
  });
});

/** Names git allows and a naive slug would mangle or merge. */
const BRANCHES = [
  "fëature/ünïcode-ß",
  "功能/分支",
  "emoji/🚀-launch",
  `long/${"x".repeat(245)}`,
  `long/${"x".repeat(244)}y`,
  "release/v1.2.3",
  "user@host/fix",
  "dots.in.name",
  "plus+sign",
  "feat/a_b",
  "feat/a-b",
  "feat/a.b",
  "Feature",
  "feature",
];

describe("branch names of every kind git allows", () => {
  it("each get a stack of their own, named validly, with the full ref in the tags (encoded to AWS's character set)", async () => {
    givenRepository(github);
    app = await startBranchline(aws.clients, { concurrency: 8 });
    for (const branch of BRANCHES) await app.deliver("push", pushToBranch(branch, A, { created: true }));
    await app.settle();
    const stacks = await allStacks(aws.clients);
    expect(stacks).toHaveLength(BRANCHES.length);
    for (const stack of stacks) {
      expect(stack.StackName).toMatch(/^[a-zA-Z][-a-zA-Z0-9]{0,99}$/);
      expect(stack.StackStatus).toBe("CREATE_COMPLETE");
    }
    expect(stacks.map((s) => refFromTags(tagsOf(s))).sort()).toEqual(BRANCHES.map((b) => `refs/heads/${b}`).sort());
    expect(github.checkRunsFor(A).filter((c) => c.conclusion === "success")).toHaveLength(BRANCHES.length);
  });
});
