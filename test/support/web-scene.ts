import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { emulatedAws, type EmulatedAws } from "./aws.js";
import { startBranchline, type RunningApp } from "./branchline.js";
import { startFakeGitHubServer, type FakeGitHubServer } from "./fake-github-server.js";
import type { RepositoryModel } from "./github-model.js";
import { pushToBranch, INSTALLATION_ID } from "./payloads.js";
import { CONFIG, TEMPLATE, TEMPLATE_PATH } from "./repository-fixtures.js";

export { A, B, C, TEMPLATE, TEMPLATE_PATH } from "./repository-fixtures.js";

export const SESSION_SECRET = "session-secret-for-web-tests-0123456789";

/**
 * The web view's scene: the AWS emulator, a fake GitHub on loopback (API and OAuth pages), and
 * branchline with its handlers on a real loopback server, reached at `url` (localhost, where a
 * browser keeps Secure cookies over http). One installation on octo-org with two repositories: shop
 * (public: everyone reads it) and vault (private: only bob can read it).
 */
export interface WebScene {
  readonly aws: EmulatedAws;
  readonly github: FakeGitHubServer;
  readonly app: RunningApp;
  readonly url: string;
  readonly shop: RepositoryModel;
  readonly vault: RepositoryModel;
  /** A user token of this App for `login`. */
  token(login: string): string;
  /** Delivers a push to a repository of the scene (the run goes on after it returns). */
  push(branch: string, commit: string, repo?: "shop" | "vault", template?: string): Promise<void>;
  close(): Promise<void>;
}

export async function webScene(
  options: { liveIntervalMs?: number; accessCacheMs?: number; config?: string } = {},
): Promise<WebScene> {
  const aws = await emulatedAws();
  const github = await startFakeGitHubServer();
  const model = github.model;
  const shop = model.repository("octo-org", "shop");
  shop.file("main", ".github/branchline.yml", options.config ?? CONFIG);
  const vault = model.repository("octo-org", "vault", { private: true });
  vault.collaborator("bob", "admin");
  vault.file("main", ".github/branchline.yml", options.config ?? CONFIG);
  model.install(INSTALLATION_ID, "octo-org", ["octo-org/shop", "octo-org/vault"]);
  const app = await startBranchline(aws.clients, {
    baseUrl: github.apiUrl,
    runPollMs: 50,
    web: {
      githubUrls: { api: github.apiUrl, web: `http://${github.host}` },
      oauthClient: { clientId: model.users.clientId, clientSecret: model.users.clientSecret },
      sessionSecret: SESSION_SECRET,
      liveIntervalMs: options.liveIntervalMs ?? 250,
      accessCacheMs: options.accessCacheMs ?? 60_000,
      stackCacheMs: 100,
      runMaxAgeMs: 100,
      runIdleMaxAgeMs: 100,
    },
  });
  const server: Server = createServer(async (req, res) => {
    for (const handler of app.handlers) if (await handler(req, res)) return;
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://localhost:${(server.address() as AddressInfo).port}`;
  return {
    aws,
    github,
    app,
    url,
    shop,
    vault,
    token: (login) => model.users.tokenFor(login),
    async push(branch, commit, repo = "shop", template = TEMPLATE) {
      const target = repo === "shop" ? shop : vault;
      target.file(commit, TEMPLATE_PATH, template);
      target.branch(branch, commit);
      const payload = pushToBranch(branch, commit, { created: true, repo });
      // The repository GitHub (the fake) knows, by its id: stacks are tagged with it, and the web view matches by it.
      payload.repository.id = target.id;
      await app.deliver("push", payload);
    },
    async close() {
      await app.settle();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await github.close();
      await aws.close();
    },
  };
}
