import { createRef, deleteRef, pushDeletingBranch, pushTag, pushToBranch } from "../../test/support/payloads.js";
import {
  changedTemplate,
  configYaml,
  row,
  runSuite,
  sha,
  smallTemplate,
  TEMPLATE_PATH,
  type Row,
} from "../lib/common.js";
import { awsDiff, githubDiff, isWrite, startInProcess, total } from "../lib/inprocess.js";

/**
 * 2. API economy per event. branchline in-process (Probot's receive path) against the fake GitHub
 * over HTTP and the emulator; each event is delivered as GitHub sends it (a new branch is `create`
 * and `push`; a deleted one `delete` and `push` with deleted: true; a release tag `create` and
 * `push`), then the engine is left to finish (every job worked, every run followed to its end).
 * AWS calls are the emulator's counter diffed around the event; GitHub calls the fake's request
 * log. Run polling (GetPipelineExecution, ListActionExecutions, GetPipeline) is counted apart: it
 * scales with how long a run takes and BRANCHLINE_RUN_POLL_SECONDS, not with the event.
 */

interface Minimum {
  readonly aws: number;
  readonly awsWhy: string;
  readonly github: number;
  readonly githubWhy: string;
}

const DEPLOY_GITHUB =
  "read config 1, read template at the commit 1, find the check run for (environment, commit) 1 (idempotency: a redelivery or the create+push pair must not run twice), create the check run 1, update it when the run starts (external_id) 1, complete it 1, create the deployment 1, deployment status in_progress 1 and success 1 (the installation token is cached for an hour and not counted)";

const MINIMUMS: Record<string, Minimum> = {
  "branch create": {
    aws: 6,
    awsWhy:
      "DescribeStacks (absent) 1, CreateChangeSet 1, DescribeChangeSet 1 (settled, with its changes), ExecuteChangeSet 1, DescribeStacks 1 (complete, with outputs), StartPipelineExecution 1",
    github: 9,
    githubWhy: `${DEPLOY_GITHUB}; GitHub sends create and push for a new branch, and the pair needs this once`,
  },
  "push, template unchanged": {
    aws: 2,
    awsWhy:
      "DescribeStacks 1 (template and parameter hashes in the tags match: no stack update), StartPipelineExecution 1",
    github: 9,
    githubWhy: DEPLOY_GITHUB,
  },
  "push, template changed": {
    aws: 6,
    awsWhy:
      "DescribeStacks 1, CreateChangeSet 1, DescribeChangeSet 1, ExecuteChangeSet 1, DescribeStacks 1 (update complete), StartPipelineExecution 1",
    github: 9,
    githubWhy: DEPLOY_GITHUB,
  },
  "branch delete": {
    aws: 5,
    awsWhy:
      "DescribeStacks 1, ListStackResources 1 (its buckets), S3 ListObjectVersions 1 per bucket (plus DeleteObjects per 1,000 versions it holds: none here, the emulator's runs write no artifacts), DeleteStack 1, DescribeStacks 1 (gone)",
    github: 3,
    githubWhy:
      "read config 1, list the environment's deployments 1, deployment status inactive 1; GitHub sends delete and push (deleted) and the pair needs this once",
  },
  "push to default branch (new staging)": {
    aws: 7,
    awsWhy:
      "as a branch create (6), plus UpdateTerminationProtection 1 (staging is protected; CreateChangeSet cannot set it)",
    github: 9,
    githubWhy: DEPLOY_GITHUB,
  },
  "release tag (new production)": {
    aws: 7,
    awsWhy: "as a branch create (6), plus UpdateTerminationProtection 1 (production is protected)",
    github: 10,
    githubWhy: `${DEPLOY_GITHUB}, plus staging's check run on the commit 1 (the promotion gate: requireStagingSuccess); GitHub sends create and push for a new tag, and the pair needs this once. The App's own id (GET /app) is read once per process and not counted`,
  },
};

const POLLING = /^codepipeline\.(GetPipelineExecution|ListActionExecutions|GetPipeline)$/;

await runSuite("economy", async ({ notes }) => {
  const app = await startInProcess({
    // The fake GitHub serves no compare API, so the gate's "on the default branch" fact is not asked for;
    // "staging ran this commit successfully" (the default) is, and the staging push before the tag provides it.
    // allowedActors is named because, as built today, leaving it out lets no one promote (see docs/benchmarks.md).
    config: configYaml("production:\n  requireOnDefaultBranch: false\n  allowedActors:\n    users: [codertocat]\n"),
    emulator: { timing: { stackOperationMs: 40, changeSetMs: 20, actionMs: 100 } },
    env: { BRANCHLINE_RUN_POLL_SECONDS: "1" },
  });
  const template = smallTemplate();
  const A = sha("econ", 1);
  const B = sha("econ", 2);
  const C = sha("econ", 3);
  const D = sha("econ", 4);
  const branch = "feature/economy";
  const events: { name: string; setup: () => void; deliver: () => Promise<void> }[] = [
    {
      name: "branch create",
      setup: () => app.repo.file(A, TEMPLATE_PATH, template).branch(branch, A),
      deliver: async () => {
        await app.deliver("create", createRef("branch", branch));
        await app.deliver("push", pushToBranch(branch, A, { created: true }));
      },
    },
    {
      name: "push, template unchanged",
      setup: () => app.repo.file(B, TEMPLATE_PATH, template).branch(branch, B),
      deliver: async () => void (await app.deliver("push", pushToBranch(branch, B))),
    },
    {
      name: "push, template changed",
      setup: () => app.repo.file(C, TEMPLATE_PATH, changedTemplate()).branch(branch, C),
      deliver: async () => void (await app.deliver("push", pushToBranch(branch, C))),
    },
    {
      name: "branch delete",
      setup: () => app.repo.deleteRef(branch),
      deliver: async () => {
        await app.deliver("delete", deleteRef("branch", branch));
        await app.deliver("push", pushDeletingBranch(branch));
      },
    },
    {
      name: "push to default branch (new staging)",
      setup: () => app.repo.file(D, TEMPLATE_PATH, template).branch("main", D),
      deliver: async () => void (await app.deliver("push", pushToBranch("main", D))),
    },
    {
      name: "release tag (new production)",
      setup: () => app.repo.tag("v1.0.0", D),
      deliver: async () => {
        await app.deliver("create", createRef("tag", "v1.0.0"));
        await app.deliver("push", pushTag("v1.0.0", D));
      },
    },
  ];
  const measured: Record<string, unknown>[] = [];
  const rows: Row[] = [];
  try {
    // The installation token is fetched once and cached: take it before measuring.
    await app.probot.auth(42).then((octokit) => octokit.rest.repos.get({ owner: "octo-org", repo: "shop" }));
    for (const event of events) {
      event.setup();
      const awsBefore = app.emulator.control.calls().services;
      const githubFrom = app.github.model.requests.length;
      const checksFrom = app.github.model.checkRuns.length;
      const started = Date.now();
      await event.deliver();
      await app.engine.idle();
      const seconds = (Date.now() - started) / 1000;
      const aws = awsDiff(app.emulator.control.calls().services, awsBefore);
      const github = githubDiff(app.github.model.requests, githubFrom);
      const awsWork = total(aws, (k) => !POLLING.test(k));
      const polling = total(aws, (k) => POLLING.test(k));
      const githubTotal = total(github);
      const writes = total(github, isWrite);
      const minimum = MINIMUMS[event.name]!;
      const checks = app.github.model.checkRuns.slice(checksFrom).map((c) => ({
        name: c.name,
        sha: c.head_sha.slice(0, 8),
        conclusion: c.conclusion,
        title: c.output.title,
        ...(c.conclusion === "success" ? {} : { summary: c.output.summary.slice(0, 600) }),
      }));
      const outcome = checks.map((c) => `${c.name}: ${c.conclusion ?? "not completed"}`).join(", ") || "no check run";
      if (checks.some((c) => c.conclusion !== "success"))
        notes.push(`${event.name}: ${outcome} (${checks.map((c) => c.title).join("; ")})`);
      measured.push({
        event: event.name,
        outcome,
        checks,
        seconds,
        aws,
        github,
        awsWork,
        polling,
        githubTotal,
        githubWrites: writes,
        minimum,
      });
      rows.push(
        row({
          suite: "economy",
          case: event.name,
          metric: "AWS calls (excl. polling)",
          value: awsWork,
          reference: minimum.aws,
          target: `= minimum (${minimum.aws})`,
          met: awsWork <= minimum.aws,
        }),
      );
      rows.push(row({ suite: "economy", case: event.name, metric: "AWS run-polling calls", value: polling }));
      rows.push(
        row({
          suite: "economy",
          case: event.name,
          metric: "GitHub calls",
          value: githubTotal,
          reference: minimum.github,
          target: `= minimum (${minimum.github})`,
          met: githubTotal <= minimum.github,
        }),
      );
      rows.push(row({ suite: "economy", case: event.name, metric: "GitHub writes", value: writes }));
    }
    if (app.github.model.unexpected.length > 0)
      notes.push(`unexpected GitHub requests: ${app.github.model.unexpected.join("; ")}`);
  } finally {
    await app.close();
  }
  notes.push(
    "Economy: `reference` is the minimum each event needs (see docs/benchmarks.md for the reasoning); per-operation counts are in latest.json.",
  );
  return { rows, details: { events: measured, minimums: MINIMUMS } };
});
