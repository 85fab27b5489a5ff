import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Probot, ProbotOctokit } from "probot";
import { encodeBody, GitHubModel, parseBody, type GitHubModelOptions } from "./github-model.js";
import { WritePace } from "./write-pace.js";

/** Where GitHub Enterprise Server keeps its REST API; Probot addresses it so when GHE_HOST is set. */
export const API_PREFIX = "/api/v3";
/** Where it keeps GraphQL (Octokit addresses `/api/graphql` for a `/api/v3` base URL). */
export const GRAPHQL_PATH = "/api/graphql";

export interface FakeGitHubServer {
  readonly model: GitHubModel;
  /** `127.0.0.1:PORT`: the app's GHE_HOST (with GHE_PROTOCOL=http). */
  readonly host: string;
  /** The API root, `http://127.0.0.1:PORT/api/v3`. */
  readonly apiUrl: string;
  /** GHE_HOST and GHE_PROTOCOL for a child process. */
  readonly env: { readonly GHE_HOST: string; readonly GHE_PROTOCOL: "http" };
  /** GitHub's pace for writes (none unless set): hold, release, count. */
  readonly writes: WritePace;
  close(): Promise<void>;
}

export interface FakeGitHubServerOptions extends GitHubModelOptions {
  /** Serve an existing model (e.g. one a nock FakeGitHub also answers from). */
  readonly model?: GitHubModel;
}

/**
 * The fake GitHub over loopback HTTP: a `node:http` server on 127.0.0.1 (ephemeral port) answering
 * from a `GitHubModel` under `/api/v3`, for an app running in another process. The model stays in
 * the test process, so tests set the scene and read outcomes directly from `model`. Anything outside
 * `/api/v3`, or a route the model does not serve, is answered 501 and recorded as unexpected.
 */
export async function startFakeGitHubServer(options: FakeGitHubServerOptions = {}): Promise<FakeGitHubServer> {
  const model = options.model ?? new GitHubModel(options);
  const writes = new WritePace();
  let apiUrl = "";
  const server = createServer((req, res) => {
    void writes
      .admit((req.method ?? "GET").toUpperCase(), req.url ?? "/")
      .then(() => answer(model, () => apiUrl, req, res))
      .catch((error: unknown) => {
        model.unexpected.push(`${req.method} ${req.url} (the fake failed: ${String(error)})`);
        if (!res.headersSent) res.writeHead(500, { "content-type": "application/json; charset=utf-8" });
        res.end(JSON.stringify({ message: "the fake GitHub failed" }));
      });
  });
  server.keepAliveTimeout = 1_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = `127.0.0.1:${port}`;
  apiUrl = `http://${host}${API_PREFIX}`;
  return {
    model,
    host,
    apiUrl,
    env: { GHE_HOST: host, GHE_PROTOCOL: "http" },
    writes,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function answer(
  model: GitHubModel,
  apiUrl: () => string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const method = (req.method ?? "GET").toUpperCase();
  const target = req.url ?? "/";
  // GitHub's OAuth web flow lives on the web host, not under the API.
  const oauth = new URL(target, "http://fake");
  if (method === "GET" && oauth.pathname === "/login/oauth/authorize") {
    const answer = model.users.authorize(oauth.searchParams);
    res
      .writeHead(answer.status, answer.location ? { location: answer.location } : { "content-type": "text/plain" })
      .end(answer.body ?? "");
    return;
  }
  if (method === "POST" && oauth.pathname === "/login/oauth/access_token") {
    const text = Buffer.concat(chunks).toString("utf8");
    const body = (req.headers["content-type"] ?? "").includes("json")
      ? (parseBody(text) as Record<string, unknown>)
      : Object.fromEntries(new URLSearchParams(text));
    const answer = model.users.exchange(body ?? {});
    res
      .writeHead(answer.status, { "content-type": "application/json; charset=utf-8" })
      .end(JSON.stringify(answer.json));
    return;
  }
  // GitHub Enterprise Server's GraphQL endpoint sits beside the REST API: /api/graphql.
  const graphql = method === "POST" && oauth.pathname === GRAPHQL_PATH;
  if (!graphql && target !== API_PREFIX && !target.startsWith(`${API_PREFIX}/`)) {
    model.requests.push({ method, path: target, body: parseBody(Buffer.concat(chunks).toString("utf8")) });
    model.unexpected.push(`${method} ${target} (outside ${API_PREFIX})`);
    res
      .writeHead(501, { "content-type": "application/json; charset=utf-8" })
      .end(JSON.stringify({ message: `the fake GitHub serves only ${API_PREFIX}` }));
    return;
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
  }
  const response = model.handle(
    {
      method,
      path: graphql ? "/graphql" : target.slice(API_PREFIX.length) || "/",
      headers,
      body: parseBody(Buffer.concat(chunks).toString("utf8")),
    },
    apiUrl(),
  );
  res.writeHead(response.status, response.headers).end(encodeBody(response));
}

/**
 * A Probot whose Octokit talks to this fake GitHub as App `appId`, for tests of one adapter: no
 * write throttling and no retries, so each request the code makes is one the fake sees.
 */
export function probotFor(server: FakeGitHubServer, appId: number, privateKey: string): Probot {
  return new Probot({
    appId,
    privateKey,
    baseUrl: server.apiUrl,
    // A function default: Probot wraps this class, and an object default would lose to its own.
    Octokit: ProbotOctokit.defaults((options: Record<string, unknown>) => ({
      ...options,
      throttle: { enabled: false },
      retry: { enabled: false },
    })),
  });
}
