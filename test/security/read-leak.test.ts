import { afterAll, beforeAll, expect, it } from "vitest";
import { allStacks, executions, tagsOf } from "../support/aws.js";
import { A, B, TEMPLATE, webScene, type WebScene } from "../support/web-scene.js";

/**
 * Point 1, the read side: a branch stack's `PipelineName` output is the template's word. The deploy
 * path refuses a stack whose output names another pipeline, but the stack stays; the web view and the
 * API must still show only the pipeline branchline named for that stack. The attacker can push to the
 * public shop and makes a branch's template output the private vault's staging pipeline name; alice
 * (who cannot read the vault) must never see that pipeline's runs or its build logs through the shop.
 */
let scene: WebScene;
let alice: string;
let vaultPipeline: string;
let vaultExecutions: string[];
const EVIL = encodeURIComponent("branch/feature/evil");

beforeAll(async () => {
  scene = await webScene();
  alice = scene.token("alice");
  await scene.push("main", A, "vault");
  await scene.app.settle();
  const vaultStaging = (await allStacks(scene.aws.clients)).find(
    (s) => tagsOf(s)["branchline:environment"] === "staging",
  )!;
  vaultPipeline = vaultStaging.StackName!;
  const runs = await executions(scene.aws.clients, vaultPipeline);
  expect(runs.length).toBeGreaterThan(0);
  vaultExecutions = runs.map((r) => r.pipelineExecutionId!);
  await scene.push(
    "feature/evil",
    B,
    "shop",
    TEMPLATE.replace("    Value: !Ref Pipeline", `    Value: ${vaultPipeline}`),
  );
  await scene.app.settle();
}, 90_000);

afterAll(async () => {
  await scene.close();
});

async function get(path: string): Promise<{ status: number; text: string }> {
  const response = await fetch(`${scene.url}/branchline/api/v1${path}`, {
    headers: { authorization: `Bearer ${alice}` },
  });
  return { status: response.status, text: await response.text() };
}

it("shows the attacker's environment with its own pipeline, never the pipeline its output names", async () => {
  const answer = await get("/repos/octo-org/shop/environments");
  expect(answer.status).toBe(200);
  const environments = (
    JSON.parse(answer.text) as {
      environments: { label: string; pipeline: string; stack: { name: string }; lastRun: unknown }[];
    }
  ).environments;
  const evil = environments.find((e) => e.label === "branch/feature/evil")!;
  expect(evil.pipeline).toBe(evil.stack.name);
  // Its own pipeline's creation run at most: the template still makes the pipeline branchline named.
  const own = (await executions(scene.aws.clients, evil.stack.name)).map((r) => r.pipelineExecutionId);
  if (evil.lastRun !== null) expect(own).toContain((evil.lastRun as { executionId: string }).executionId);
  expect(answer.text).not.toContain(vaultPipeline);
  for (const id of vaultExecutions) expect(answer.text).not.toContain(id);
});

it("lists none of the other pipeline's runs in the attacker's history", async () => {
  const answer = await get(`/repos/octo-org/shop/environments/${EVIL}/runs`);
  expect(answer.status).toBe(200);
  const history = JSON.parse(answer.text) as {
    environment: string;
    pipeline: string;
    stack: { name: string };
    runs: { executionId: string }[];
  };
  expect(history.pipeline).toBe(history.stack.name);
  const own = (await executions(scene.aws.clients, history.stack.name)).map((r) => r.pipelineExecutionId);
  expect(history.runs.map((r) => r.executionId).sort()).toEqual(own.sort());
  expect(answer.text).not.toContain(vaultPipeline);
  for (const id of vaultExecutions) expect(answer.text).not.toContain(id);
});

it("answers the other pipeline's run, and its build log, as missing (404)", async () => {
  for (const id of vaultExecutions) {
    const answer = await get(`/repos/octo-org/shop/environments/${EVIL}/runs/${id}`);
    expect(answer.status).toBe(404);
    expect(answer.text).not.toContain("Phase complete");
    expect(answer.text).not.toContain(vaultPipeline);
  }
});
