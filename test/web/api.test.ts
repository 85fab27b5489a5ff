import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../support/processes.js";
import { ACTIONS } from "../../src/web/actions.js";
import { OPENAPI } from "../../src/web/openapi.js";
import { conformanceProblems, responseSchema } from "../support/openapi-check.js";
import { pushToBranch } from "../support/payloads.js";
import { CONFIG } from "../support/repository-fixtures.js";
import { A, B, webScene, type WebScene } from "../support/web-scene.js";

let scene: WebScene;
let alice: string;
let bob: string;
let executionId: string;
const BRANCH = encodeURIComponent("branch/feature/login");

beforeAll(async () => {
  scene = await webScene({ config: `${CONFIG}branches:\n  ttl: 7d\n` });
  alice = scene.token("alice");
  bob = scene.token("bob");
  scene.shop.message(A, "Add the login page\n\nWith a form and a session.");
  await scene.push("feature/login", A);
  await scene.push("feature/secret", B, "vault");
  await scene.app.settle();
  const environments = (await get("/repos/octo-org/shop/environments", alice)).body as {
    environments: { label: string; lastRun: { executionId: string } | null }[];
  };
  executionId = environments.environments.find((e) => e.label === "branch/feature/login")!.lastRun!.executionId;
}, 60_000);

afterAll(async () => {
  await scene.close();
});

async function call(
  method: "GET" | "POST",
  path: string,
  token?: string,
): Promise<{ status: number; body: unknown; headers: Headers }> {
  const response = await fetch(`${scene.url}/branchline/api/v1${path}`, {
    method,
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
}
const get = (path: string, token?: string) => call("GET", path, token);

/**
 * Every route of the OpenAPI description, with a concrete path in the shop and in the vault (null when
 * the route names no repository): read from the description, so a new route cannot slip past the tests.
 * An action route is filled in once per action it lists.
 */
function routes(): { template: string; method: "get" | "post"; shop: string; vault: string | null }[] {
  const values = (repo: "shop" | "vault"): Record<string, string> => ({
    owner: "octo-org",
    repo,
    environment: encodeURIComponent(repo === "shop" ? "branch/feature/login" : "branch/feature/secret"),
    executionId,
  });
  const fill = (template: string, repo: "shop" | "vault", action?: string) =>
    template.replace(/\{(\w+)\}/g, (_all, name: string) => {
      const value = name === "action" ? action : values(repo)[name];
      if (value === undefined) throw new Error(`the API test has no value for {${name}} in ${template}: add one`);
      return value;
    });
  const found: { template: string; method: "get" | "post"; shop: string; vault: string | null }[] = [];
  for (const [template, operations] of Object.entries(OPENAPI.paths)) {
    for (const [method, operation] of Object.entries(operations) as [
      string,
      { parameters?: readonly { name: string; schema: { enum?: readonly string[] } }[] },
    ][]) {
      if (method !== "get" && method !== "post")
        throw new Error(`the API test does not call ${method} (${template}): add it`);
      const actions = operation.parameters?.find((p) => p.name === "action")?.schema.enum ?? [undefined];
      for (const action of actions) {
        found.push({
          template,
          method,
          shop: fill(template, "shop", action),
          vault: template.includes("{repo}") ? fill(template, "vault", action) : null,
        });
      }
    }
  }
  return found;
}

describe("the REST API", () => {
  it("refuses every route without a GitHub token, or with one GitHub does not accept (401)", async () => {
    // Read from the description: every template, and each action of the action route.
    expect(
      routes()
        .filter((r) => r.method === "post")
        .map((r) => r.shop.split("/").pop()),
    ).toEqual([...ACTIONS]);
    for (const route of routes()) {
      for (const token of [undefined, "ghu_not_a_real_token"]) {
        const answer = await call(route.method === "get" ? "GET" : "POST", route.shop, token);
        expect(answer.status, `${route.method} ${route.shop} with ${token ?? "no token"}`).toBe(401);
        expect(conformanceProblems(answer.body, responseSchema(route.template, route.method, 401))).toEqual([]);
      }
    }
  });

  it("answers another person's repository exactly like a missing one (404), on every repository route", async () => {
    for (const route of routes().filter((r) => r.vault !== null)) {
      const answer = await call(route.method === "get" ? "GET" : "POST", route.vault!, alice);
      expect(answer.status, `${route.method} ${route.vault} as alice`).toBe(404);
      expect(conformanceProblems(answer.body, responseSchema(route.template, route.method, 404))).toEqual([]);
      const missing = await call(
        route.method === "get" ? "GET" : "POST",
        route.vault!.replace("/vault/", "/no-such-repo/"),
        alice,
      );
      expect(missing.body).toEqual(answer.body);
    }
    // Bob may read the vault: the same paths answer him.
    expect((await get("/repos/octo-org/vault/environments", bob)).status).toBe(200);
  });

  it("answers every read route as the OpenAPI description says", async () => {
    for (const route of routes().filter((r) => r.method === "get" && !r.template.endsWith("/events"))) {
      const answer = await get(route.shop, alice);
      expect(answer.status, route.shop).toBe(200);
      expect(conformanceProblems(answer.body, responseSchema(route.template, "get", 200)), route.shop).toEqual([]);
    }
    const repos = (await get("/repos", alice)).body as { installations: { repositories: { fullName: string }[] }[] };
    expect(repos.installations.flatMap((i) => i.repositories.map((r) => r.fullName))).toEqual(["octo-org/shop"]);
    const bobs = (await get("/repos", bob)).body as { installations: { repositories: { fullName: string }[] }[] };
    expect(bobs.installations.flatMap((i) => i.repositories.map((r) => r.fullName)).sort()).toEqual([
      "octo-org/shop",
      "octo-org/vault",
    ]);
  });

  it("shows the environment, its ledger and the run with its aggregated log", async () => {
    const environments = (await get("/repos/octo-org/shop/environments", alice)).body as {
      environments: { label: string; commit: string; stack: { condition: string }; lastRun: { status: string } }[];
    };
    expect(environments.environments.map((e) => e.label)).toEqual(["branch/feature/login"]);
    expect(environments.environments[0]).toMatchObject({
      commit: A,
      stack: { condition: "ready" },
      lastRun: { status: "Succeeded" },
    });
    const history = (await get(`/repos/octo-org/shop/environments/${BRANCH}/runs`, alice)).body as {
      runs: { executionId: string; commit: string; outcome: string }[];
    };
    expect(history.runs.find((r) => r.executionId === executionId)).toMatchObject({ commit: A, outcome: "Succeeded" });
    const run = (await get(`/repos/octo-org/shop/environments/${BRANCH}/runs/${executionId}`, alice)).body as {
      log: { source: string; text: string; at: string }[];
      finished: boolean;
    };
    expect(run.finished).toBe(true);
    const sources = new Set(run.log.map((l) => l.source));
    expect(sources).toEqual(new Set(["pipeline", "build", "stack"]));
    expect(run.log.some((l) => l.source === "build" && /Phase complete: BUILD State: SUCCEEDED/.test(l.text))).toBe(
      true,
    );
    const times = run.log.map((l) => l.at);
    expect([...times].sort()).toEqual(times);
  });

  it("says who pushed, on the environment and in its history, from branchline's own deployments only", async () => {
    const pusher = (pushToBranch("feature/login", A).sender as { login: string }).login;
    type Environments = { environments: { label: string; pushedBy: string | null }[] };
    type History = { runs: { executionId: string; who: string | null }[] };
    const pushedBy = async () =>
      ((await get("/repos/octo-org/shop/environments", alice)).body as Environments).environments.find(
        (e) => e.label === "branch/feature/login",
      )?.pushedBy;
    const who = async () =>
      ((await get(`/repos/octo-org/shop/environments/${BRANCH}/runs`, alice)).body as History).runs.find(
        (r) => r.executionId === executionId,
      )?.who;
    expect(await pushedBy()).toBe(pusher);
    expect(await who()).toBe(pusher);
    // Anyone with write access can make a deployment that looks like branchline's: it is not evidence.
    const planted = scene.github.model.plantDeployment("octo-org/shop", {
      sha: A,
      environment: "branch/feature/login",
      login: "mallory",
      state: "success",
    });
    planted.payload = { executionId, actor: "mallory" };
    expect(await pushedBy()).toBe(pusher);
    expect(await who()).toBe(pusher);
  });

  it("shows each environment's commit message, read once for all environments and then held", async () => {
    const graphql = () =>
      scene.github.model.requests.filter((r) => r.method === "POST" && r.path === "/graphql").length;
    const before = graphql();
    const message = async () =>
      (
        (await get("/repos/octo-org/shop/environments", alice)).body as {
          environments: { label: string; message: string | null }[];
        }
      ).environments.find((e) => e.label === "branch/feature/login")?.message;
    expect(await message()).toBe("Add the login page");
    expect(await message()).toBe("Add the login page");
    // A commit's message never changes: the views above were answered from what branchline holds.
    expect(graphql()).toBe(before);
    expect(before).toBeGreaterThan(0);
    const page = await (
      await fetch(`${scene.url}/branchline/repos/octo-org/shop/`, { headers: { authorization: `Bearer ${alice}` } })
    ).text();
    expect(page).toContain("Add the login page");
  });

  it("sends the strict content security policy and the other security headers on every page, asset and API answer", async () => {
    // Written out, not imported: a loosened directive in src/ must fail here.
    const expected = {
      "content-security-policy":
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
      "x-content-type-options": "nosniff",
      "referrer-policy": "same-origin",
      "x-frame-options": "DENY",
    };
    const run = `/branchline/repos/octo-org/shop/environments/${BRANCH}/runs/${executionId}`;
    const pages = [
      "/branchline/",
      "/branchline/repos/",
      "/branchline/repos/octo-org/shop/",
      `/branchline/repos/octo-org/shop/environments/${BRANCH}/`,
      run,
      "/branchline/repos/octo-org/shop/readiness",
      "/branchline/repos/octo-org/vault/",
      "/branchline/no-such-page",
    ];
    const answers: { path: string; auth: boolean; response: Response }[] = [];
    for (const path of pages) {
      answers.push({
        path,
        auth: true,
        response: await fetch(`${scene.url}${path}`, {
          headers: { authorization: `Bearer ${alice}` },
          redirect: "manual",
        }),
      });
      answers.push({ path, auth: false, response: await fetch(`${scene.url}${path}`, { redirect: "manual" }) });
    }
    for (const path of [
      "/branchline/login",
      "/branchline/static/app.css",
      "/branchline/static/live.js",
      "/branchline/api/v1/openapi.json",
      "/branchline/api/v1/repos",
      `/branchline/api/v1${run.slice("/branchline".length)}`,
    ]) {
      answers.push({ path, auth: false, response: await fetch(`${scene.url}${path}`, { redirect: "manual" }) });
    }
    answers.push({
      path: `${run}/approve (POST)`,
      auth: true,
      response: await fetch(`${scene.url}${run}/approve`, {
        method: "POST",
        headers: { authorization: `Bearer ${alice}` },
        redirect: "manual",
      }),
    });
    for (const { path, auth, response } of answers) {
      const got = Object.fromEntries(Object.keys(expected).map((name) => [name, response.headers.get(name)]));
      expect(got, `${path} ${auth ? "as alice" : "anonymous"} (${response.status})`).toEqual(expected);
      if (!(response.headers.get("content-type") ?? "").startsWith("text/html")) continue;
      // Nothing the policy would block: no inline script, handler, javascript: URL or inline style.
      const html = await response.text();
      const where = `${path} ${auth ? "as alice" : "anonymous"}`;
      expect(html.match(/<script(?![^>]*\bsrc=)[^>]*>/gi) ?? [], where).toEqual([]);
      expect(html.match(/<script[^>]*>[^<]+<\/script>/gi) ?? [], where).toEqual([]);
      expect(html.match(/\son[a-z]+\s*=/gi) ?? [], where).toEqual([]);
      expect(html.match(/javascript:|<style|\sstyle\s*=/gi) ?? [], where).toEqual([]);
    }
    // The pages with a live stream do load a script: from this origin, which the policy allows.
    const repoPage = await (
      await fetch(`${scene.url}/branchline/repos/octo-org/shop/`, { headers: { authorization: `Bearer ${alice}` } })
    ).text();
    expect(repoPage).toContain('<script src="/branchline/static/live.js" defer></script>');
  });

  it("shows each environment's age, last push and time left under branches.ttl, on the API and the page", async () => {
    type Clocked = {
      ttl: string | null;
      environments: {
        label: string;
        createdAt: string | null;
        lastPushAt: string | null;
        expiresAt: string | null;
        hibernated: boolean;
        lastRun: { startedAt: string | null } | null;
      }[];
    };
    const data = (await get("/repos/octo-org/shop/environments", alice)).body as Clocked;
    expect(data.ttl).toBe("7d");
    const login = data.environments.find((e) => e.label === "branch/feature/login")!;
    expect(login.createdAt).not.toBeNull();
    expect(login.lastPushAt).toBe(login.lastRun!.startedAt);
    expect(Date.parse(login.expiresAt!) - Date.parse(login.lastPushAt!)).toBe(7 * 86_400_000);
    expect(login.hibernated).toBe(false);
    const page = await (
      await fetch(`${scene.url}/branchline/repos/octo-org/shop/`, { headers: { authorization: `Bearer ${alice}` } })
    ).text();
    // Pushed moments ago: nearly the whole week is left.
    expect(page).toMatch(/<dt>time left<\/dt><dd class="time-left">6d 23h<\/dd>/);
    expect(page).toContain("<dt>last push</dt>");
    expect(page).toContain("<dt>age</dt>");
  });

  it("reads the repository's config for branches.ttl once, not on every view (the page is drawn often, the config changes rarely)", async () => {
    const configReads = () =>
      scene.github.model.requests.filter(
        (r) => r.method === "GET" && r.path.startsWith("/repos/octo-org/shop/contents/.github"),
      ).length;
    expect(((await get("/repos/octo-org/shop/environments", alice)).body as { ttl: string | null }).ttl).toBe("7d");
    const before = configReads();
    for (let i = 0; i < 3; i++)
      expect(((await get("/repos/octo-org/shop/environments", alice)).body as { ttl: string | null }).ttl).toBe("7d");
    expect(configReads()).toBe(before);
  });

  it("serves its OpenAPI description without authentication", async () => {
    const response = await fetch(`${scene.url}/branchline/api/v1/openapi.json`);
    expect(response.status).toBe(200);
    expect(((await response.json()) as { openapi: string }).openapi).toBe("3.1.0");
  });

  it("sees a repository taken away once the brief cache expires", async () => {
    const short = await webScene({ accessCacheMs: 50 });
    try {
      const carol = short.token("carol");
      short.vault.collaborator("carol", "read");
      expect(
        (
          await fetch(`${short.url}/branchline/api/v1/repos/octo-org/vault/environments`, {
            headers: { authorization: `Bearer ${carol}` },
          })
        ).status,
      ).toBe(200);
      short.vault.collaborator("carol", "none");
      await eventually(
        async () =>
          (
            await fetch(`${short.url}/branchline/api/v1/repos/octo-org/vault/environments`, {
              headers: { authorization: `Bearer ${carol}` },
            })
          ).status === 404
            ? true
            : undefined,
        10_000,
        "carol's access to end",
      );
    } finally {
      await short.close();
    }
  });
});
