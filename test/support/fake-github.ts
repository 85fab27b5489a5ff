import nock from "nock";
import {
  encodeBody,
  GitHubModel,
  parseBody,
  type FakeCheckRun,
  type GitHubModelOptions,
  type RecordedRequest,
  type RepositoryModel,
} from "./github-model.js";
import { INSTALLATION_ID } from "./payloads.js";
import { setActiveGitHubModel } from "./webhook-effects.js";
import { WritePace } from "./write-pace.js";

export type { FakeCheckRun, FakeDeployment, FakeDeploymentStatus, RecordedRequest } from "./github-model.js";

const API = "https://api.github.com";

export interface FakeGitHubOptions extends GitHubModelOptions {
  /** Share a model (e.g. with a loopback server); a new one by default. */
  readonly model?: GitHubModel;
  /** The installation the app acts through; it covers `owner/repo`. Default: the payloads' id. */
  readonly installationId?: number;
}

/**
 * GitHub as branchline sees it, answered through nock from the shared `GitHubModel` (files at
 * refs, commits, check runs, deployments, installations...). One repository, `owner/repo`, installed
 * for `installationId`, is the scene; `model` reaches the rest. Any request the model does not serve
 * is recorded in `unexpected` and answered 501, and `assertClean()` fails the test on it.
 */
export class FakeGitHub {
  readonly model: GitHubModel;
  /** How long each write (POST, PATCH, PUT, DELETE) takes to be answered; 0 by default. */
  writeDelayMs = 0;
  /** GitHub's pace for writes: `writes.hold()`, `writes.release(paceMs)`, `writes.answered`. */
  readonly writes = new WritePace();
  readonly repository: RepositoryModel;
  private readonly onNoMatch = (req: Request) => {
    // Loopback traffic (the AWS emulator) passes through nock too; only GitHub's is ours to judge.
    if (req.url.startsWith(API)) this.model.unexpected.push(`${req.method} ${req.url}`);
  };

  constructor(
    readonly owner: string,
    readonly repo: string,
    options: FakeGitHubOptions = {},
  ) {
    this.model = options.model ?? new GitHubModel(options);
    this.repository = this.model.repository(owner, repo);
    if (!this.model.installations.some((i) => i.id === (options.installationId ?? INSTALLATION_ID))) {
      this.model.install(options.installationId ?? INSTALLATION_ID, owner, [`${owner}/${repo}`]);
    }
  }

  get requests(): RecordedRequest[] {
    return this.model.requests;
  }

  get unexpected(): string[] {
    return this.model.unexpected;
  }

  get checkRuns(): FakeCheckRun[] {
    return this.model.checkRuns;
  }

  /** A file's content at a ref (branch name, tag or commit sha). */
  file(ref: string, path: string, content: string): this {
    this.repository.file(ref, path, content);
    return this;
  }

  /** Points a ref (`refs/heads/x`, `refs/tags/v1`, or a branch name) at a commit. */
  ref(ref: string, sha: string): this {
    this.repository.ref(ref, sha);
    return this;
  }

  checkRunsFor(sha: string): FakeCheckRun[] {
    return this.model.checkRunsFor(sha, `${this.owner}/${this.repo}`);
  }

  calls(method: string, pattern: RegExp): RecordedRequest[] {
    return this.model.calls(method, pattern);
  }

  install(): this {
    nock.disableNetConnect();
    nock.enableNetConnect(/^(127\.0\.0\.1|localhost)(:\d+)?$/);
    nock.emitter.on("no match", this.onNoMatch);
    setActiveGitHubModel(this.model);
    const scope = nock(API).persist();
    for (const method of ["GET", "POST", "PATCH", "PUT", "DELETE"]) {
      scope
        .intercept(() => true, method)
        .query(true)
        .reply(async (req: Request) => {
          const text = method === "GET" ? "" : await req.text();
          // GitHub's writes are slow and paced (Probot spaces them a second apart per installation).
          if (method !== "GET" && this.writeDelayMs > 0)
            await new Promise((resolve) => setTimeout(resolve, this.writeDelayMs));
          await this.writes.admit(method, new URL(req.url).pathname);
          const url = new URL(req.url);
          const headers: Record<string, string> = {};
          req.headers.forEach((value, name) => (headers[name.toLowerCase()] = value));
          const response = this.model.handle(
            { method, path: url.pathname + url.search, headers, body: parseBody(text) },
            API,
          );
          return [response.status, encodeBody(response), response.headers] as const;
        });
    }
    return this;
  }

  /** Fails the test if branchline asked GitHub anything the fake does not model. */
  assertClean(): void {
    nock.emitter.removeListener("no match", this.onNoMatch);
    setActiveGitHubModel(undefined);
    nock.cleanAll();
    this.model.assertClean();
  }
}
