import { CreateStackCommand, DescribeStacksCommand } from "@aws-sdk/client-cloudformation";
import { Probot, ProbotOctokit, Server } from "probot";
import { pino } from "pino";
import { Writable } from "node:stream";
import { createAwsClients } from "../../src/aws/clients.js";
import { startEmulator } from "@branchline/aws-emulator";
import { branchline } from "../../src/index.js";
import { startFakeGitHubServer } from "../../test/support/fake-github-server.js";
import { INSTALLATION_ID } from "../../test/support/payloads.js";
import { freePort, generateAppKeyPair } from "../../test/support/processes.js";
import { CONNECTION_ARN, round, row, runSuite, sha, smallTemplate, summary, waitUntil } from "../lib/common.js";

/**
 * The web view's REST API for a repository of 200 environments, against Probot's own `/ping` in
 * the same server and the same run: the p99 of GET /branchline/api/v1/repos/{o}/{r}/environments
 * as a ratio to /ping's. The 200 stacks (each a real pipeline in the emulator, tagged as branchline
 * tags them) are listed once per few seconds and filtered by tag, the newest run of each pipeline
 * comes from the run index, GitHub's deployments in one page: a view is never one call per
 * environment. Requests go one at a time from this process over keep-alive HTTP, after a warm-up.
 */

const OWNER = "octo-org";
const REPO = "big";

await runSuite("webview", async ({ quick, notes }) => {
  const environments = 200;
  const requests = quick ? 200 : 1000;
  const keys = generateAppKeyPair();
  const appId = 4242;
  const github = await startFakeGitHubServer({ appId, appPublicKey: keys.publicKey });
  github.model
    .repository(OWNER, REPO)
    .file("main", ".github/branchline.yml", `parameters:\n  all:\n    ConnectionArn: ${CONNECTION_ARN}\n`);
  github.model.install(INSTALLATION_ID, OWNER, [`${OWNER}/${REPO}`]);
  const token = github.model.users.tokenFor("reader");
  const emulator = await startEmulator({ timing: "test" });
  const aws = createAwsClients({
    region: emulator.region,
    endpoint: emulator.url,
    credentials: { accessKeyId: "AKIDBENCH", secretAccessKey: "bench-secret" },
  });
  const template = smallTemplate();
  for (let i = 0; i < environments; i++) {
    const branch = `feature/env-${i}`;
    const name = `branchline-big-br-env-${i}`;
    await aws.cloudformation.send(
      new CreateStackCommand({
        StackName: name,
        TemplateBody: template,
        Capabilities: ["CAPABILITY_IAM"],
        Parameters: Object.entries({
          BranchlineRepository: `${OWNER}/${REPO}`,
          BranchlineRef: `refs/heads/${branch}`,
          BranchlineSourceBranch: sha("env", i),
          BranchlineEnvironmentKind: "branch",
          BranchlineEnvironment: `br-env-${i}`,
          BranchlinePipelineName: name,
          ConnectionArn: CONNECTION_ARN,
        }).map(([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue })),
        Tags: Object.entries({
          "branchline:managed-by": "branchline",
          "branchline:repository": `${OWNER}/${REPO}`,
          "branchline:environment": "branch",
          "branchline:ref": `refs/heads/${branch}`,
        }).map(([Key, Value]) => ({ Key, Value })),
      }),
    );
  }
  await waitUntil(
    async () => {
      const stacks = [];
      let token: string | undefined;
      do {
        const page = await aws.cloudformation.send(new DescribeStacksCommand(token ? { NextToken: token } : {}));
        stacks.push(...(page.Stacks ?? []));
        token = page.NextToken;
      } while (token);
      return stacks.filter((s) => s.StackStatus === "CREATE_COMPLETE").length >= environments;
    },
    120_000,
    500,
  );

  const port = await freePort();
  const server = new Server({
    host: "127.0.0.1",
    port,
    log: pino({ level: "warn" }, new Writable({ write: (_c, _e, done) => done() })),
    Probot: Probot.defaults({
      appId,
      privateKey: keys.privateKey,
      secret: "bench-webhook-secret",
      baseUrl: github.apiUrl,
      Octokit: ProbotOctokit.defaults((o: Record<string, unknown>) => ({
        ...o,
        throttle: { enabled: false },
        retry: { enabled: false },
      })),
    }),
  });
  await server.load(
    branchline({
      aws,
      sandbox: false,
      concurrency: 4,
      stackWait: { maxWaitSeconds: 60, minDelaySeconds: 0.05, maxDelaySeconds: 0.5 },
      runPoll: { intervalMs: 1000, maxMs: 60_000 },
      web: { githubUrls: { api: github.apiUrl, web: `http://${github.host}` } },
    }),
  );
  await server.start();
  const base = `http://127.0.0.1:${port}`;
  const environmentsPath = `/branchline/api/v1/repos/${OWNER}/${REPO}/environments`;
  const timed = async (path: string, headers: Record<string, string>) => {
    const started = performance.now();
    const response = await fetch(`${base}${path}`, { headers });
    const body = await response.text();
    const ms = performance.now() - started;
    return { ms, status: response.status, body };
  };
  const auth = { authorization: `Bearer ${token}` };
  try {
    // Warm-up: the first view fills the run index (one round) and the access cache; not measured.
    const first = await timed(environmentsPath, auth);
    const listed = (JSON.parse(first.body) as { environments: unknown[] }).environments.length;
    for (let i = 0; i < 20; i++) {
      await timed("/ping", {});
      await timed(environmentsPath, auth);
    }
    const ping: number[] = [];
    const view: number[] = [];
    let errors = 0;
    // Interleaved, so both see the same machine at the same moments.
    for (let i = 0; i < requests; i++) {
      const p = await timed("/ping", {});
      const v = await timed(environmentsPath, auth);
      ping.push(p.ms);
      view.push(v.ms);
      if (p.status !== 200 || v.status !== 200) errors++;
    }
    const calls = emulator.control.calls();
    // What the views asked GitHub, by route: one deployments page per view, commit messages once.
    const githubCalls: Record<string, number> = {};
    for (const r of github.model.requests) {
      const route = `${r.method} ${r.path.split("?")[0]!.replace(/\/repos\/[^/]+\/[^/]+/, "/repos/{o}/{r}")}`;
      githubCalls[route] = (githubCalls[route] ?? 0) + 1;
    }
    const p = summary(ping);
    const v = summary(view);
    notes.push(
      `Webview: ${requests} interleaved requests each to /ping and to the environments of a repository with ${listed} environments (${environments} stacks); cold first view ${round(first.ms)} ms.`,
      "The stack listing is shared for 3 s, the run index refreshed by pipeline events (and in the background after 5 s), GitHub's answer to what the person may see kept 60 s.",
    );
    return {
      rows: [
        row({
          suite: "webview",
          case: `${listed} environments`,
          metric: "p50",
          value: round(v.p50),
          unit: "ms",
          reference: round(p.p50),
        }),
        row({
          suite: "webview",
          case: `${listed} environments`,
          metric: "p99",
          value: round(v.p99),
          unit: "ms",
          reference: round(p.p99),
          target: "< 10× /ping p99",
          met: v.p99 < 10 * p.p99,
        }),
        row({
          suite: "webview",
          case: `${listed} environments`,
          metric: "max",
          value: round(v.max),
          unit: "ms",
          reference: round(p.max),
        }),
        row({
          suite: "webview",
          case: `${listed} environments`,
          metric: "errors",
          value: errors,
          target: "0",
          met: errors === 0,
        }),
        row({
          suite: "webview",
          case: `${listed} environments`,
          metric: "listed",
          value: listed,
          target: String(environments),
          met: listed === environments,
        }),
      ],
      details: {
        environments,
        requests,
        ping: p,
        view: v,
        coldFirstViewMs: round(first.ms),
        awsCalls: calls,
        githubCalls,
      },
    };
  } finally {
    await server.stop();
    await github.close();
    await emulator.close();
  }
});
