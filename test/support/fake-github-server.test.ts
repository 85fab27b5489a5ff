import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Probot } from "probot";
import { probotFor, startFakeGitHubServer, type FakeGitHubServer } from "./fake-github-server.js";
import { generateAppKeyPair } from "./processes.js";

/** The loopback fake GitHub, driven by Probot's own Octokit as the app in a child process drives it. */
const APP_ID = 777;
const keys = generateAppKeyPair();
const A = "a".repeat(40);

let server: FakeGitHubServer;
let probot: Probot;

beforeEach(async () => {
  server = await startFakeGitHubServer({ appId: APP_ID, appPublicKey: keys.publicKey });
  probot = probotFor(server, APP_ID, keys.privateKey);
});

afterEach(async () => {
  await server.close();
});

describe("the fake GitHub over HTTP", () => {
  it("lists installations for the app's JWT and hands out tokens that reach only the installation's repositories", async () => {
    server.model.repository("octo-org", "shop");
    server.model.repository("octo-org", "secret");
    server.model.install(42, "octo-org", ["octo-org/shop"]);
    const app = await probot.auth();
    expect((await app.rest.apps.listInstallations()).data.map((i) => i.id)).toEqual([42]);
    expect((await app.rest.apps.getRepoInstallation({ owner: "octo-org", repo: "shop" })).data.id).toBe(42);
    await expect(app.rest.apps.getRepoInstallation({ owner: "octo-org", repo: "nowhere" })).rejects.toMatchObject({
      status: 404,
    });

    const installation = await probot.auth(42);
    const repos = await installation.rest.apps.listReposAccessibleToInstallation();
    expect(repos.data.repositories.map((r) => r.full_name)).toEqual(["octo-org/shop"]);
    await expect(installation.rest.repos.get({ owner: "octo-org", repo: "secret" })).rejects.toMatchObject({
      status: 404,
    });
    server.model.assertClean();
  });

  it("refuses a JWT signed by another key, and records it", async () => {
    server.model.install(42, "octo-org");
    const stranger = new Probot({ appId: APP_ID, privateKey: generateAppKeyPair().privateKey, baseUrl: server.apiUrl });
    await expect((await stranger.auth()).rest.apps.listInstallations()).rejects.toMatchObject({ status: 401 });
    expect(server.model.unexpected).toEqual([expect.stringContaining("GET /app/installations (401")]);
  });

  it("pages branches and tags with Link headers Octokit follows", async () => {
    const repo = server.model.repository("octo-org", "shop");
    server.model.install(42, "octo-org");
    for (let i = 0; i < 7; i++) repo.branch(`feature/${i}`, A);
    repo.tag("v1.0.0", A).tag("v1.1.0", A);
    const octokit = await probot.auth(42);
    const first = await octokit.rest.repos.listBranches({ owner: "octo-org", repo: "shop", per_page: 3 });
    expect(first.data).toHaveLength(3);
    expect(first.headers.link).toContain('rel="next"');
    const branches = await octokit.paginate(octokit.rest.repos.listBranches, {
      owner: "octo-org",
      repo: "shop",
      per_page: 3,
    });
    expect(branches.map((b) => b.name)).toEqual([0, 1, 2, 3, 4, 5, 6].map((i) => `feature/${i}`));
    const tags = await octokit.paginate(octokit.rest.repos.listTags, { owner: "octo-org", repo: "shop", per_page: 1 });
    expect(tags.map((t) => [t.name, t.commit.sha])).toEqual([
      ["v1.0.0", A],
      ["v1.1.0", A],
    ]);
    server.model.assertClean();
  });

  it("keeps deployments with their statuses, and collaborators' permissions", async () => {
    const repo = server.model.repository("octo-org", "shop").branch("feature/x", A).collaborator("octocat", "write");
    server.model.install(42, "octo-org");
    const octokit = await probot.auth(42);
    const created = await octokit.rest.repos.createDeployment({
      owner: "octo-org",
      repo: "shop",
      ref: "feature/x",
      environment: "branch/feature/x",
      auto_merge: false,
      required_contexts: [],
      transient_environment: true,
    });
    expect(created.status).toBe(201);
    const id = (created.data as { id: number }).id;
    await octokit.rest.repos.createDeploymentStatus({
      owner: "octo-org",
      repo: "shop",
      deployment_id: id,
      state: "in_progress",
    });
    await octokit.rest.repos.createDeploymentStatus({
      owner: "octo-org",
      repo: "shop",
      deployment_id: id,
      state: "success",
      environment_url: "https://x.example.test",
    });
    const statuses = await octokit.rest.repos.listDeploymentStatuses({
      owner: "octo-org",
      repo: "shop",
      deployment_id: id,
    });
    expect(statuses.data.map((s) => s.state)).toEqual(["success", "in_progress"]);
    const listed = await octokit.rest.repos.listDeployments({ owner: "octo-org", repo: "shop", sha: A });
    expect(listed.data.map((d) => d.environment)).toEqual(["branch/feature/x"]);
    expect(server.model.deploymentsFor("octo-org/shop")[0]).toMatchObject({
      sha: A,
      auto_merge: false,
      required_contexts: [],
      transient_environment: true,
    });
    await expect(
      octokit.rest.repos.createDeployment({ owner: "octo-org", repo: "shop", ref: "nowhere" }),
    ).rejects.toMatchObject({ status: 422 });

    const permission = await octokit.rest.repos.getCollaboratorPermissionLevel({
      owner: "octo-org",
      repo: "shop",
      username: "octocat",
    });
    expect(permission.data.permission).toBe("write");
    expect(repo.permissionOf("someone-else")).toBe("read");
    server.model.assertClean();
  });

  it("answers a route it does not model with 501 and records it", async () => {
    server.model.repository("octo-org", "shop");
    server.model.install(42, "octo-org");
    const octokit = await probot.auth(42);
    await expect(
      octokit.request("GET /repos/{owner}/{repo}/issues", { owner: "octo-org", repo: "shop" }),
    ).rejects.toMatchObject({ status: 501 });
    const outside = await fetch(`http://${server.host}/graphql`, { method: "POST", body: "{}" });
    expect(outside.status).toBe(501);
    expect(server.model.unexpected).toEqual(["GET /repos/octo-org/shop/issues", "POST /graphql (outside /api/v3)"]);
    expect(() => server.model.assertClean()).toThrow(/unexpected GitHub requests/);
  });
});
