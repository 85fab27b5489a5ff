import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACTIONS } from "../../src/web/actions.js";
import { newSession, SessionSeal, SESSION_COOKIE } from "../../src/web/session.js";
import { mutationCount } from "../support/aws.js";
import { eventually } from "../support/processes.js";
import { B, SESSION_SECRET, TEMPLATE, webScene, type WebScene } from "../support/web-scene.js";

/** The test pipeline with a manual approval after the build, in every environment. */
const APPROVAL_TEMPLATE = TEMPLATE.replace(
  "Outputs:",
  [
    "        - Name: Approval",
    "          Actions:",
    "            - Name: Approve",
    '              ActionTypeId: { Category: Approval, Owner: AWS, Provider: Manual, Version: "1" }',
    "Outputs:",
  ].join("\n"),
);
const LABEL = "branch/feature/gated";
const ENV = encodeURIComponent(LABEL);

let scene: WebScene;
let pipeline: string;
let executionId: string;

/** A signed-in browser's session as the OAuth callback makes it: the sealed cookie and the CSRF token its pages carry. */
function session(login: string): { cookie: string; csrf: string } {
  const made = newSession(login, scene.token(login));
  return {
    cookie: `${SESSION_COOKIE}=${encodeURIComponent(new SessionSeal(SESSION_SECRET).seal(made))}`,
    csrf: made.csrf,
  };
}

const actionPath = (action: string, api: boolean) =>
  `${scene.url}/branchline/${api ? "api/v1/" : ""}repos/octo-org/shop/environments/${ENV}/runs/${executionId}/${action}`;

/** A press from the API: a bearer token, or a session cookie with its token in X-CSRF-Token. */
async function pressApi(
  action: string,
  auth: { bearer: string } | { cookie: string; csrf: string | null },
): Promise<{ status: number; body: { kind: string; message: string } }> {
  const headers: Record<string, string> =
    "bearer" in auth
      ? { authorization: `Bearer ${auth.bearer}` }
      : { cookie: auth.cookie, ...(auth.csrf === null ? {} : { "x-csrf-token": auth.csrf }) };
  const response = await fetch(actionPath(action, true), { method: "POST", headers });
  return { status: response.status, body: (await response.json()) as { kind: string; message: string } };
}

/** A press of the page's form button: the session cookie and the form's hidden csrf field. */
async function pressPage(
  action: string,
  cookie: string,
  csrf: string | null,
): Promise<{ status: number; html: string }> {
  const response = await fetch(actionPath(action, false), {
    method: "POST",
    headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
    body: csrf === null ? "" : new URLSearchParams({ csrf }).toString(),
  });
  return { status: response.status, html: await response.text() };
}

/** Requests that change something on GitHub (reads, GraphQL queries and installation tokens aside). */
const githubWrites = () =>
  scene.github.model.requests.filter(
    (r) => r.method !== "GET" && r.path !== "/graphql" && !r.path.endsWith("/access_tokens"),
  ).length;
const awsMutations = () => mutationCount(scene.aws, "codepipeline") + mutationCount(scene.aws, "cloudformation");
const pinnedRuns = () =>
  scene.aws.emulator.control
    .executions(pipeline)
    .filter((e) => e.triggerType === "StartPipelineExecution" && e.revisions.includes(B));
const approval = () =>
  pinnedRuns()
    .find((e) => e.pipelineExecutionId === executionId)
    ?.actions.find((a) => a.stageName === "Approval")?.status;
/** What the environment's check runs on B say (a new run gets a check run of its own). */
const summary = () =>
  scene.github.model
    .checkRunsFor(B, "octo-org/shop")
    .filter((c) => c.name === `branchline: ${LABEL}`)
    .map((c) => c.output.summary ?? "")
    .join("\n");

beforeAll(async () => {
  scene = await webScene();
  // alice reads the public shop; bob writes to it, the default `permissions.redeploy` role.
  scene.shop.collaborator("bob", "write");
  await scene.push("feature/gated", B, "shop", APPROVAL_TEMPLATE);
  pipeline = await eventually(
    async () => (await scene.aws.emulator.control.pipelines()).find((p) => p.name.includes("feature-gated"))?.name,
    30_000,
    "the gated pipeline",
  );
  executionId = await eventually(() => pinnedRuns()[0]?.pipelineExecutionId, 30_000, "the run of B");
  await eventually(() => (approval() === "InProgress" ? true : undefined), 30_000, "the run to wait for approval");
  await scene.app.settle();
}, 90_000);

afterAll(async () => {
  await scene?.close();
});

describe("the web view's actions", () => {
  it("refuses every action POSTed with a session but without its CSRF token, or with another session's (403), and changes nothing", async () => {
    const bob = session("bob");
    const other = session("bob");
    const githubBefore = githubWrites();
    const awsBefore = awsMutations();
    for (const action of ACTIONS) {
      for (const [how, csrf] of [
        ["no token", null],
        ["another session's token", other.csrf],
        ["an empty token", ""],
      ] as const) {
        const api = await pressApi(action, { cookie: bob.cookie, csrf });
        expect(api.status, `API ${action} with ${how}`).toBe(403);
        expect(api.body.message).toContain("CSRF");
        const page = await pressPage(action, bob.cookie, csrf);
        expect(page.status, `page ${action} with ${how}`).toBe(403);
        expect(page.html).toContain("CSRF");
      }
    }
    await scene.app.settle();
    expect(githubWrites()).toBe(githubBefore);
    expect(awsMutations()).toBe(awsBefore);
    expect(approval()).toBe("InProgress");
    expect(pinnedRuns()).toHaveLength(1);
    expect(summary()).not.toContain("@bob");
  });

  it("Reject from someone who may not answer is refused and changes nothing; an approver's Reject (with the session's token) rejects the run", async () => {
    const awsBefore = mutationCount(scene.aws, "codepipeline");
    const refused = await pressApi("reject", { bearer: scene.token("alice") });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ kind: "refused" });
    await scene.app.settle();
    expect(approval()).toBe("InProgress");
    expect(mutationCount(scene.aws, "codepipeline")).toBe(awsBefore);
    expect(summary()).toContain("@alice pressed **Reject**, but was not allowed to");

    const bob = session("bob");
    const answered = await pressPage("reject", bob.cookie, bob.csrf);
    expect(answered.status).toBe(200);
    expect(answered.html).toContain("Reject recorded for @bob");
    await eventually(() => (approval() !== "InProgress" ? true : undefined), 30_000, "the approval to be answered");
    expect(approval()).not.toBe("Succeeded");
    await eventually(
      () => (pinnedRuns().find((e) => e.pipelineExecutionId === executionId)?.status === "Failed" ? true : undefined),
      30_000,
      "the rejected run to fail",
    );
  });

  it.each([
    ["rerun", "re-run this check"],
    ["reprovision", "re-provision this environment"],
  ] as const)(
    "%s from someone below permissions.redeploy changes nothing; from someone with it starts a new run",
    async (action, verb) => {
      await scene.app.settle();
      const runsBefore = new Set(pinnedRuns().map((e) => e.pipelineExecutionId));
      const awsBefore = awsMutations();
      const asked = await pressApi(action, { bearer: scene.token("alice") });
      // The engine decides, as for the check run's button: the page only hands the press on.
      expect(asked.body.kind).toBe("submitted");
      await scene.app.settle();
      await eventually(
        () => (summary().includes(`@alice asked to ${verb}, but that needs the **write** role`) ? true : undefined),
        30_000,
        "the refusal on the check run",
      );
      expect(pinnedRuns().map((e) => e.pipelineExecutionId)).toEqual([...runsBefore]);
      expect(awsMutations()).toBe(awsBefore);

      const bob = session("bob");
      const pressed = await pressApi(action, { cookie: bob.cookie, csrf: bob.csrf });
      expect(pressed).toMatchObject({ status: 200, body: { kind: "submitted" } });
      // Re-provision replaces a branch's stack (and so its pipeline) before the new run.
      await eventually(
        () => (pinnedRuns().some((e) => !runsBefore.has(e.pipelineExecutionId)) ? true : undefined),
        60_000,
        `the ${action} run`,
      );
      expect(awsMutations()).toBeGreaterThan(awsBefore);
      expect(summary()).not.toContain(`@bob asked to ${verb}, but`);
    },
    120_000,
  );
});
