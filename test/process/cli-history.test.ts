import { createSign } from "node:crypto";
import { rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeGitHubServer, type FakeGitHubServer } from "../support/fake-github-server.js";
import type { FakeDeployment } from "../support/github-model.js";
import { generateAppKeyPair } from "../support/processes.js";
import { cliEnv, json, runCli } from "../cli/support.js";

interface History {
  repository: string;
  environment: string;
  deployments: {
    id: number;
    creator: string | null;
    sha: string;
    ref: string;
    environment: string;
    outcome: string;
    createdAt: string;
    statuses: { state: string }[];
  }[];
}

const APP_ID = 7321;
const keys = generateAppKeyPair();
const SHA1 = "1".repeat(40);
const SHA2 = "2".repeat(40);
const SHA3 = "3".repeat(40);

/** An app JWT, as GitHub expects it: what a person holding the App's key can mint a token with. */
function appJwt(): string {
  const now = Math.floor(Date.now() / 1000);
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const unsigned = `${part({ alg: "RS256", typ: "JWT" })}.${part({ iat: now - 30, exp: now + 300, iss: APP_ID })}`;
  return `${unsigned}.${createSign("RSA-SHA256").update(unsigned).sign(keys.privateKey).toString("base64url")}`;
}

function deployment(
  id: number,
  sha: string,
  environment: string,
  creator: string,
  states: string[],
  at: string,
): FakeDeployment {
  return {
    id,
    repository: "octo-org/shop",
    sha,
    ref: sha,
    task: "deploy",
    environment,
    original_environment: environment,
    description: `branchline: ${environment}`,
    payload: {},
    transient_environment: false,
    production_environment: environment === "production",
    auto_merge: false,
    required_contexts: [],
    created_at: at,
    statuses: states.map((state, i) => ({
      id: id * 10 + i,
      state,
      description: `${state} ${sha.slice(0, 7)}`,
      environment,
      environment_url: "",
      log_url: "",
      created_at: at.replace(/:00Z$/, `:0${i + 1}Z`),
    })),
    // Real GitHub names who created a deployment; the fake model keeps what it is given.
    creator: { login: creator, type: creator.endsWith("[bot]") ? "Bot" : "User" },
    performed_via_github_app: creator.endsWith("[bot]") ? { id: APP_ID, slug: "branchline" } : null,
  };
}

describe("branchline history, against a fake GitHub over loopback HTTP", () => {
  let github: FakeGitHubServer;
  let token: string;

  beforeAll(async () => {
    github = await startFakeGitHubServer({ appId: APP_ID, appPublicKey: keys.publicKey });
    github.model.repository("octo-org", "shop").branch("main", SHA3);
    github.model.install(77, "octo-org");
    github.model.deployments.push(
      deployment(501, SHA1, "staging", "branchline[bot]", ["in_progress", "success"], "2030-01-01T10:00:00Z"),
      deployment(502, SHA2, "production", "branchline[bot]", ["in_progress", "failure"], "2030-01-02T10:00:00Z"),
      deployment(503, SHA3, "staging", "octocat", ["queued", "in_progress"], "2030-01-03T10:00:00Z"),
    );
    const minted = github.model.handle(
      {
        method: "POST",
        path: "/app/installations/77/access_tokens",
        headers: { authorization: `Bearer ${appJwt()}` },
        body: undefined,
      },
      github.apiUrl,
    );
    token = (minted.body as { token: string }).token;
  });
  afterAll(() => github?.close());

  it("lists an environment's deployments newest first, with who, what, when and outcome (GITHUB_TOKEN)", async () => {
    const run = await runCli(["history", "--env", "staging", "--repo", "octo-org/shop", "--json"], {
      env: cliEnv({ ...github.env, GITHUB_TOKEN: token }),
    });
    expect(run.code, run.stderr).toBe(0);
    const history = json<History>(run);
    expect(history).toMatchObject({ repository: "octo-org/shop", environment: "staging" });
    expect(history.deployments.map((d) => [d.id, d.creator, d.sha, d.outcome])).toEqual([
      [503, "octocat", SHA3, "in_progress"],
      [501, "branchline[bot]", SHA1, "success"],
    ]);
    expect(history.deployments[1]!.statuses.map((s) => s.state)).toEqual(["in_progress", "success"]);
    expect(run.stdout).not.toContain(token);
    const asked = github.model.requests.filter((r) => r.path.startsWith("/repos/octo-org/shop/deployments"));
    expect(asked.every((r) => r.method === "GET")).toBe(true);
    expect(asked.some((r) => r.path.includes("environment=staging"))).toBe(true);
  });

  it("authenticates as the App with APP_ID and PRIVATE_KEY_PATH, and prints a table", async () => {
    const keyFile = join(tmpdir(), `branchline-cli-key-${process.pid}.pem`);
    writeFileSync(keyFile, keys.privateKey);
    const run = await runCli(["history", "--env", "production", "--repo", "octo-org/shop"], {
      env: cliEnv({ ...github.env, APP_ID: String(APP_ID), PRIVATE_KEY_PATH: keyFile }),
    });
    rmSync(keyFile, { force: true });
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^WHEN\s+AGO\s+WHO\s+COMMIT\s+REF\s+OUTCOME\s+DESCRIPTION$/);
    expect(lines[1]).toMatch(
      new RegExp(
        `^2030-01-02 10:00:00Z\\s+0s\\s+branchline\\[bot\\]\\s+${SHA2.slice(0, 12)}\\s+${SHA2}\\s+failure\\s+failure 2222222$`,
      ),
    );
    expect(lines).toHaveLength(2);
    expect(github.model.unexpected).toEqual([]);
  });

  it("--limit bounds the list; an environment without deployments says so", async () => {
    const env = cliEnv({ ...github.env, GITHUB_TOKEN: token });
    const one = json<History>(
      await runCli(["history", "--env", "staging", "--repo", "octo-org/shop", "--limit", "1", "--json"], { env }),
    );
    expect(one.deployments.map((d) => d.id)).toEqual([503]);
    const none = await runCli(["history", "--env", "branch/feature/x", "--repo", "octo-org/shop"], { env });
    expect(none.code).toBe(0);
    expect(none.stdout).toBe("No deployments to branch/feature/x in octo-org/shop.\n");
  });

  it("usage: no credentials is exit 2; a bad token is exit 1 and the token is never printed", async () => {
    const anonymous = await runCli(["history", "--env", "staging", "--repo", "octo-org/shop"], {
      env: cliEnv(github.env),
    });
    expect(anonymous.code).toBe(2);
    expect(anonymous.stderr).toContain(
      "no GitHub credentials: set GITHUB_TOKEN, or APP_ID with PRIVATE_KEY or PRIVATE_KEY_PATH",
    );

    const secret = "ghs_not_a_real_token_0123456789";
    const refused = await runCli(["history", "--env", "staging", "--repo", "octo-org/shop"], {
      env: cliEnv({ ...github.env, GITHUB_TOKEN: secret }),
    });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/Bad credentials/);
    expect(refused.stdout + refused.stderr).not.toContain(secret);

    const badLimit = await runCli(["history", "--env", "staging", "--repo", "octo-org/shop", "--limit", "0"], {
      env: cliEnv({ ...github.env, GITHUB_TOKEN: token }),
    });
    expect(badLimit.code).toBe(2);
    const badRepo = await runCli(["history", "--env", "staging", "--repo", "shop"], {
      env: cliEnv({ ...github.env, GITHUB_TOKEN: token }),
    });
    expect(badRepo.code).toBe(2);
    expect(badRepo.stderr).toContain("is not OWNER/NAME");
  });
});
