import { readFileSync } from "node:fs";
import {
  CreateStackCommand,
  ListChangeSetsCommand,
  waitUntilStackCreateComplete,
} from "@aws-sdk/client-cloudformation";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { FakeGitHub } from "../support/fake-github.js";
import type { RunningApp } from "../support/branchline.js";
import { allStacks, tagsOf, type EmulatedAws } from "../support/aws.js";
import { checkRunEvent, pullRequestEvent, pushToBranch } from "../support/payloads.js";
import { eventually } from "../support/processes.js";
import { A, B, C, closeScene, CONFIG, openScene, TEMPLATE_PATH } from "../support/scenario.js";

const PIPELINE = readFileSync(new URL("../fixtures/templates/app-pipeline.yml", import.meta.url), "utf8");
const APP_PATH = "app/template.yml";
/** What staging runs: a database. */
const APP_BEFORE = `
Parameters:
  Environment: { Type: String }
Resources:
  Database:
    Type: AWS::RDS::DBInstance
    Properties:
      DBInstanceIdentifier: !Sub "\${Environment}-orders"
      Engine: postgres
      DBInstanceClass: db.t3.micro
      AllocatedStorage: "20"
`;
/** What the pull request makes of it: a bucket added, and the database renamed, which replaces it. */
const APP_AFTER = `
Parameters:
  Environment: { Type: String }
Resources:
  Uploads:
    Type: AWS::S3::Bucket
  Database:
    Type: AWS::RDS::DBInstance
    Properties:
      DBInstanceIdentifier: !Sub "\${Environment}-orders-v2"
      Engine: postgres
      DBInstanceClass: db.t3.micro
      AllocatedStorage: "20"
`;
const PREVIEW = "branchline: staging preview";

let aws: EmulatedAws;
let github: FakeGitHub;
let app: RunningApp;

beforeEach(async () => ({ aws, github, app } = await openScene()));
afterEach(() => closeScene({ aws, github, app }));

/** Staging deployed at A with its application stack; the pull request's branch at B. */
async function givenStaging(config = CONFIG, pipeline = PIPELINE): Promise<{ staging: string; application: string }> {
  github.file("main", ".github/branchline.yml", config);
  // The emulator's source action fetches no git: its artifact holds what staging's commits hold.
  aws.emulator.control.setBuildOutput({ artifact: "SourceOutput", files: { [APP_PATH]: APP_BEFORE } });
  for (const commit of [A, B, C]) github.file(commit, TEMPLATE_PATH, pipeline);
  github.file(A, APP_PATH, APP_BEFORE).file(B, APP_PATH, APP_AFTER).file(C, APP_PATH, APP_BEFORE);
  github.repository.branch("main", A).branch("feature/orders", B);
  await app.deliver("push", pushToBranch("main", A));
  await app.settle();
  const staging = (await allStacks(aws.clients)).find((s) => tagsOf(s)["branchline:environment"] === "staging")!;
  const application = staging.Outputs!.find((o) => o.OutputKey === "ApplicationStackName")!.OutputValue!;
  // The application stack the staging pipeline's Deploy action made (made here where the emulator's action does not).
  if (!(await allStacks(aws.clients)).some((s) => s.StackName === application)) {
    await aws.clients.cloudformation.send(
      new CreateStackCommand({
        StackName: application,
        TemplateBody: APP_BEFORE,
        Parameters: [{ ParameterKey: "Environment", ParameterValue: "staging" }],
      }),
    );
    await waitUntilStackCreateComplete(
      { client: aws.clients.cloudformation, maxWaitTime: 30, minDelay: 0.05, maxDelay: 0.2 },
      { StackName: application },
    );
  }
  return { staging: staging.StackName!, application };
}

function openPullRequest(head = B) {
  const payload = pullRequestEvent("opened", { branch: "feature/orders", sha: head });
  (payload.pull_request as { base: { ref: string }; number: number }).base.ref = "main";
  (payload.pull_request as { number: number }).number = 12;
  return app.deliver("pull_request", payload);
}

async function changeSetsLeft(stacks: readonly string[]): Promise<string[]> {
  const left: string[] = [];
  for (const name of stacks) {
    const listed = await aws.clients.cloudformation.send(new ListChangeSetsCommand({ StackName: name }));
    left.push(...(listed.Summaries ?? []).map((s) => `${name}: ${s.ChangeSetName}`));
  }
  return left;
}

function preview(commit: string) {
  return github.checkRunsFor(commit).find((c) => c.name === PREVIEW);
}

describe("the staging preview of a pull request", () => {
  it("shows the application stack's replaced database before its added bucket, and leaves no change set behind", async () => {
    const { staging, application } = await givenStaging();
    await openPullRequest();
    await app.settle();

    const check = preview(B)!;
    expect(check).toMatchObject({ status: "completed", conclusion: "success" });
    expect(check.output.title).toBe("Replaces or removes 1 stateful resource in staging");
    const summary = check.output.summary;
    expect(summary).toContain(`### Pipeline stack \`${staging}\`\nNo changes`);
    expect(summary).toContain(`### Application stack \`${application}\``);
    expect(summary).toMatch(/## Needs attention\n- :warning: \*\*replaced\*\* `Database` \(AWS::RDS::DBInstance\)/);
    const replaced = summary.indexOf("| replaced | Database | AWS::RDS::DBInstance | stateful |");
    const added = summary.indexOf("| added | Uploads | AWS::S3::Bucket | stateful |");
    expect(replaced).toBeGreaterThan(0);
    expect(added).toBeGreaterThan(replaced);

    expect(await changeSetsLeft([staging, application])).toEqual([]);
    expect((await allStacks(aws.clients)).filter((s) => s.StackStatus === "REVIEW_IN_PROGRESS")).toEqual([]);
    // Nothing was executed: the application stack still has its first database.
    const untouched = (await allStacks(aws.clients)).find((s) => s.StackName === application)!;
    expect(untouched.StackStatus).toBe("CREATE_COMPLETE");
  });

  it("previews a pipeline template change and a config change, naming the environments they reach", async () => {
    const { staging } = await givenStaging();
    github.file(B, TEMPLATE_PATH, PIPELINE.replace("Status: Enabled", "Status: Suspended"));
    github.file(
      B,
      ".github/branchline.yml",
      `${CONFIG}  staging:\n    BuildImage: aws/codebuild/standard:8.0\nbranches:\n  ttl: 7d\n`,
    );
    await openPullRequest();
    await app.settle();
    const summary = preview(B)!.output.summary;
    const pipelineAt = summary.indexOf(`### Pipeline stack \`${staging}\``);
    const bucketAt = summary.indexOf("| modified | ArtifactBucket | AWS::S3::Bucket | stateful |");
    expect(pipelineAt).toBeGreaterThan(0);
    expect(bucketAt).toBeGreaterThan(pipelineAt);
    expect(bucketAt).toBeLessThan(summary.indexOf("### Application stack"));
    // The stack's tags change with its parameters, and tags reach every resource: the roles are listed as access changes.
    expect(summary).toContain("- :lock: **modified** `PipelineRole` (AWS::IAM::Role)");
    expect(summary).toContain("- staging: `parameters.BuildImage` unset → `aws/codebuild/standard:8.0`");
    expect(summary).toContain("- branch: `branches`");
    expect(await changeSetsLeft([staging])).toEqual([]);
  });

  it("fails naming the line when the pull request's config is broken", async () => {
    await givenStaging();
    github.file(B, ".github/branchline.yml", `${CONFIG}branches:\n  ttl: soon\n`);
    await openPullRequest();
    await app.settle();
    const check = preview(B)!;
    expect(check.conclusion).toBe("failure");
    expect(check.output.title).toBe("The config in this pull request is not valid");
    expect(check.output.summary).toMatch(/`\.github\/branchline\.yml:6:\d+`: a duration/);
  });

  it("needs an Acknowledge for a stateful replacement with preview.requireAcknowledgement, from someone allowed to press buttons", async () => {
    await givenStaging(`${CONFIG}preview:\n  requireAcknowledgement: true\n`);
    await openPullRequest();
    await app.settle();
    const check = preview(B)!;
    expect(check.conclusion).toBe("action_required");
    expect(check.actions).toEqual([
      { label: "Acknowledge", description: "Accept replacing stateful resources", identifier: "acknowledge" },
    ]);

    github.repository.collaborator("visitor", "read").collaborator("lead", "write");
    const click = (user: string) =>
      checkRunEvent("requested_action", {
        id: check.id,
        name: PREVIEW,
        headSha: B,
        headBranch: "feature/orders",
        user,
        identifier: "acknowledge",
      });
    await app.deliver("check_run", click("visitor"));
    await app.settle();
    expect(preview(B)!.conclusion).toBe("action_required");
    expect(preview(B)!.output.summary).toMatch(
      /^> @visitor pressed Acknowledge, but that needs the \*\*write\*\* role/,
    );

    await app.deliver("check_run", click("lead"));
    await app.settle();
    expect(preview(B)).toMatchObject({ conclusion: "success", actions: [] });
    expect(preview(B)!.output.title).toMatch(/^Acknowledged by @lead: /);
  });

  it("never holds up a deploy to staging: the deploy finishes while the preview's change set is still being cleaned up", async () => {
    const { staging, application } = await givenStaging();
    // Every DeleteChangeSet (only previews delete theirs) answers after 4 s: the preview is held.
    aws.emulator.control.setFaults({ service: "cloudformation", operation: "DeleteChangeSet", latencyMs: 4_000 });
    await openPullRequest();
    await eventually(
      async () => ((await changeSetsLeft([application])).length > 0 ? true : undefined),
      20_000,
      "the preview's change set",
    );
    github.file(C, TEMPLATE_PATH, PIPELINE.replace("Status: Enabled", "Status: Suspended"));
    github.repository.branch("main", C);
    await app.deliver("push", pushToBranch("main", C));
    const deployed = await eventually(
      () => github.checkRunsFor(C).find((c) => c.name === "branchline: staging" && c.status === "completed"),
      20_000,
      "staging's deploy of C",
    );
    expect(deployed.conclusion, deployed.output.summary).toBe("success");
    expect(preview(B)?.status).not.toBe("completed");
    await app.settle();
    aws.emulator.control.clearFaults();
    expect(preview(B)).toMatchObject({ status: "completed" });
    expect(await changeSetsLeft([staging, application])).toEqual([]);
  });
});

/** templates/pipeline.yml as a repository copies it: its Deploy action reads `BuildOutput::packaged.yml`, which the repository's buildspec makes. */
describe("the staging preview of the default pipeline (templates/pipeline.yml), whose application template the build makes", () => {
  const DEFAULT_PIPELINE = readFileSync(new URL("../../templates/pipeline.yml", import.meta.url), "utf8");
  const DEFAULT_CONFIG = `${CONFIG}    PermissionsBoundaryArn: arn:aws:iam::123456789012:policy/branchline/boundary
    DeployPolicyArn: arn:aws:iam::123456789012:policy/branchline/deploy
`;

  it("says why the application stack is not previewed, and what to configure", async () => {
    const { application } = await givenStaging(DEFAULT_CONFIG, DEFAULT_PIPELINE);
    await openPullRequest();
    await app.settle();
    const summary = preview(B)!.output.summary;
    expect(summary).toContain(
      `### Application stack \`${application}\`\nNot previewed: its template (\`BuildOutput::packaged.yml\`) is made by the pipeline's build, which a preview does not run. If the build hands a file of the repository to the deploy action unchanged, set \`preview.applicationTemplate\` to its path in \`.github/branchline.yml\`, and the preview reads it at the pull request's head.`,
    );
  });

  it("previews the repository file preview.applicationTemplate names, and says which file it read", async () => {
    const config = `${DEFAULT_CONFIG}  staging:\n    ApplicationParameterOverrides: '{"Environment":"staging"}'\npreview:\n  applicationTemplate: ${APP_PATH}\n`;
    // What the repository's buildspec hands on: its template, unchanged, as packaged.yml.
    aws.emulator.control.setBuildOutput({ artifact: "BuildOutput", files: { "packaged.yml": APP_BEFORE } });
    const { staging, application } = await givenStaging(config, DEFAULT_PIPELINE);
    expect((await allStacks(aws.clients)).find((s) => s.StackName === application)?.Parameters).toEqual([
      { ParameterKey: "Environment", ParameterValue: "staging" },
    ]);
    await openPullRequest();
    await app.settle();
    const summary = preview(B)!.output.summary;
    expect(summary).toContain(
      `### Application stack \`${application}\`\nTemplate: \`${APP_PATH}\` at this commit (\`preview.applicationTemplate\`), standing in for \`BuildOutput::packaged.yml\`, which the build makes.`,
    );
    const replaced = summary.indexOf("| replaced | Database | AWS::RDS::DBInstance | stateful |");
    expect(replaced, summary).toBeGreaterThan(summary.indexOf("### Application stack"));
    expect(summary.indexOf("| added | Uploads | AWS::S3::Bucket | stateful |")).toBeGreaterThan(replaced);
    expect(await changeSetsLeft([staging, application])).toEqual([]);
  });
});
