import { answerGraphql, type GraphqlRepository } from "./github-graphql.js";
import { createPublicKey, verify, type KeyObject } from "node:crypto";
import { FakeUsers } from "./github-users.js";

/**
 * One model of the GitHub state branchline reads and writes, independent of transport. Two adapters
 * answer from it: `fake-github.ts` through nock (the app in the test process) and
 * `fake-github-server.ts` over loopback HTTP (the app in a child process). Both hand every request to
 * `handle()`, so the same routes, the same state and the same record of requests serve both.
 *
 * It holds state, so tests read outcomes ("the check run completed with success") rather than call
 * order. A route it does not know is answered 501 and recorded in `unexpected`, as is a request with
 * missing or bad credentials (401).
 */

/** A request as the adapters hand it over: the path is relative to the API root and keeps its query. */
export interface ApiRequest {
  readonly method: string;
  /** e.g. `/repos/o/r/contents/.github%2Fbranchline.yml?ref=main` (no `/api/v3` prefix). */
  readonly path: string;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** Parsed JSON, the raw text when it is not JSON, or undefined when empty. */
  readonly body: unknown;
}

export interface ApiResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  /** A string is sent as text (raw file contents), anything else as JSON; undefined sends no body. */
  readonly body: unknown;
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly body: unknown;
  /** The Accept header: `…raw` when a file's contents were asked for, JSON for its metadata. */
  readonly accept?: string | undefined;
}

/** A pull request as the model holds it: labels and state are changed by tests directly. */
export interface FakePullRequest {
  readonly number: number;
  readonly head: string;
  readonly base: string;
  labels: string[];
  state: "open" | "closed";
  /** The head commit; the branch's current one when unset. */
  readonly sha: string | undefined;
  /** What `GET .../issues/{n}/events` lists: label changes made through `label`/`unlabel`, oldest first. */
  readonly events: FakeIssueEvent[];
}

export interface FakeIssueEvent {
  readonly id: number;
  readonly event: "labeled" | "unlabeled";
  readonly label: string;
  readonly actor: string;
  readonly created_at: string;
}

/** A comment on an issue or pull request, by branchline's App or by a person. */
export interface FakeComment {
  readonly id: number;
  repository: string;
  readonly issue_number: number;
  readonly body: string;
  readonly created_at: string;
  readonly user: { login: string; type: "Bot" | "User" };
  readonly performed_via_github_app: { id: number; slug: string } | null;
}

/** A check run as the model holds it, with every state it went through. */
export interface FakeCheckRun {
  id: number;
  /** `owner/name` */
  repository: string;
  name: string;
  head_sha: string;
  /** The App that wrote it: branchline's own, or another (a workflow's GITHUB_TOKEN is the `github-actions` App). */
  app_id: number;
  status: string;
  conclusion: string | null;
  external_id: string | null;
  details_url: string | null;
  started_at: string | null;
  completed_at: string | null;
  output: { title: string; summary: string; text?: string };
  /** The buttons the run shows (requested actions), as last sent. */
  actions?: { label: string; description: string; identifier: string }[];
  history: { status: string; conclusion: string | null; title: string }[];
}

/** A commit status (`POST /repos/{o}/{r}/statuses/{sha}`), as a CI system posts it. */
export interface FakeStatus {
  id: number;
  repository: string;
  sha: string;
  context: string;
  state: string;
  creator: string;
  target_url: string | null;
  created_at: string;
}

export interface FakeDeploymentStatus {
  id: number;
  state: string;
  description: string;
  environment: string;
  environment_url: string;
  log_url: string;
  created_at: string;
}

export interface FakeDeployment {
  id: number;
  repository: string;
  sha: string;
  ref: string;
  task: string;
  environment: string;
  original_environment: string;
  description: string | null;
  payload: unknown;
  transient_environment: boolean;
  production_environment: boolean;
  /** As sent: GitHub's default is true (it merges the default branch into the ref). */
  auto_merge: boolean;
  /** As sent: GitHub's default (undefined) requires every status context to pass. */
  required_contexts: string[] | undefined;
  created_at: string;
  /** Who created it: branchline's App, or anyone with write access (then `performed_via_github_app` is null). */
  creator: { login: string; type: "Bot" | "User" };
  performed_via_github_app: { id: number; slug: string } | null;
  /** Oldest first. */
  statuses: FakeDeploymentStatus[];
}

export interface FakeInstallation {
  id: number;
  account: { login: string; id: number; type: "Organization" | "User" };
  /** `all` (every repository of the account in the model) or the `owner/name`s it may act on. */
  repositories: "all" | string[];
  suspended: boolean;
}

export interface RepositoryOptions {
  readonly defaultBranch?: string;
  readonly private?: boolean;
  readonly fork?: boolean;
}

export interface GitHubModelOptions {
  /** When set, app JWTs must carry this `iss`. */
  readonly appId?: number;
  /** When set, app JWTs must be signed (RS256) by the matching private key. */
  readonly appPublicKey?: string | KeyObject;
}

type Handler = (match: string[], request: ParsedRequest) => ApiResponse;
type AuthKind = "app" | "installation" | "user";

interface ParsedRequest extends ApiRequest {
  readonly url: URL;
  readonly apiBase: string;
  /** The installation whose token authenticated the request (installation routes only). */
  readonly installation?: FakeInstallation;
  /** The person whose user token authenticated the request (user routes only). */
  readonly user?: string;
}

const SHA = /^[0-9a-f]{40}$/;
const PLACEHOLDER = "https://api.github.invalid";

/** A request body as the adapters receive it: JSON when it parses, else the text; undefined when empty. */
export function parseBody(text: string): unknown {
  if (text === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** A response body on the wire: strings as they are, anything else as JSON. */
export function encodeBody(response: ApiResponse): string {
  if (response.body === undefined) return "";
  return typeof response.body === "string" ? response.body : JSON.stringify(response.body);
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): ApiResponse {
  return { status, headers: { "content-type": "application/json; charset=utf-8", ...headers }, body };
}

function notFound(): ApiResponse {
  return json(404, { message: "Not Found", documentation_url: "https://docs.github.com/rest" });
}

/** GitHub's limits on check run actions: at most 3; label 20, description 40, identifier 20 characters. */
function checkRunActionsProblem(actions: unknown): string | undefined {
  if (actions === undefined) return undefined;
  if (!Array.isArray(actions)) return "actions must be an array";
  if (actions.length > 3) return "at most 3 actions";
  for (const action of actions as Record<string, unknown>[]) {
    for (const [field, limit] of [
      ["label", 20],
      ["description", 40],
      ["identifier", 20],
    ] as const) {
      const value = action[field];
      if (typeof value !== "string" || value.length === 0 || value.length > limit)
        return `actions[].${field} must be 1 to ${limit} characters (got ${JSON.stringify(value)})`;
    }
  }
  return undefined;
}

/**
 * A repository's GitHub id, stable per name so that webhook payloads (test/support/payloads.ts)
 * and the model agree without being told; a replaced repository gets a new one.
 */
export function repositoryIdOf(owner: string, name: string): number {
  let hash = 7;
  for (const char of `${owner}/${name}`.toLowerCase()) hash = (hash * 31 + char.charCodeAt(0)) % 1_000_000_007;
  return 100_000 + (hash % 900_000_000);
}

function now(): string {
  return new Date().toISOString();
}

/** One repository's git data: files at refs, refs to commits, collaborators. */
export class RepositoryModel {
  readonly id: number;
  /** Settable: a test changes the default branch as a repository admin would. */
  defaultBranch: string;
  /** Archived repositories are read-only (GitHub refuses every write to them). */
  archived = false;
  readonly private: boolean;
  readonly fork: boolean;
  /** `${ref}:${path}` → content, `ref` as given (branch, tag, full ref or commit sha). */
  private readonly files = new Map<string, string>();
  /** Full ref (`refs/heads/x`, `refs/tags/v1`) → commit sha. */
  private readonly refs = new Map<string, string>();
  private readonly permissions = new Map<string, string>();
  /** Commit → the commits it descends from (what `compare` answers from). */
  private readonly history = new Map<string, Set<string>>();
  /** Pull requests by number; `open` until closed. */
  readonly pullRequests = new Map<number, FakePullRequest>();

  /** owner and name change when the repository is renamed or transferred (GitHubModel.moveRepository); the id never does. */
  constructor(
    public owner: string,
    public name: string,
    id: number,
    options: RepositoryOptions = {},
  ) {
    this.id = id;
    this.defaultBranch = options.defaultBranch ?? "main";
    this.private = options.private ?? false;
    this.fork = options.fork ?? false;
  }

  get fullName(): string {
    return `${this.owner}/${this.name}`;
  }

  /** A file's content at a ref: a branch or tag name, a full ref, or a commit sha. */
  file(ref: string, path: string, content: string): this {
    this.files.set(`${ref}:${path}`, content);
    return this;
  }

  /** Points a ref at a commit. A name without `refs/` is a branch. */
  ref(ref: string, sha: string): this {
    this.refs.set(ref.startsWith("refs/") ? ref : `refs/heads/${ref}`, sha);
    return this;
  }

  branch(name: string, sha: string): this {
    return this.ref(`refs/heads/${name}`, sha);
  }

  tag(name: string, sha: string): this {
    return this.ref(`refs/tags/${name}`, sha);
  }

  /** Removes a branch or tag (full ref, or a branch name). */
  deleteRef(ref: string): this {
    this.refs.delete(ref.startsWith("refs/") ? ref : `refs/heads/${ref}`);
    return this;
  }

  /** What `GET .../collaborators/{user}/permission` answers: admin, maintain, write, triage, read or none. */
  /** An open pull request from `head` (a branch of this repository) into `base`, with labels. */
  pullRequest(
    number: number,
    head: string,
    options: { base?: string; labels?: string[]; sha?: string } = {},
  ): FakePullRequest {
    const pull: FakePullRequest = {
      number,
      head,
      base: options.base ?? this.defaultBranch,
      labels: options.labels ?? [],
      state: "open",
      sha: options.sha,
      events: [],
    };
    this.pullRequests.set(number, pull);
    for (const label of pull.labels) this.label(number, label);
    return pull;
  }

  /** Someone adds a label to a pull request (at `at`, default now): GitHub records the event. */
  label(number: number, name: string, at: Date = new Date(), actor = "octocat"): this {
    const pull = this.pullRequests.get(number);
    if (!pull) throw new Error(`no pull request #${number}`);
    if (!pull.labels.includes(name)) pull.labels.push(name);
    pull.events.push({
      id: pull.events.length + 1,
      event: "labeled",
      label: name,
      actor,
      created_at: at.toISOString(),
    });
    return this;
  }

  /** Someone removes a label from a pull request (at `at`, default now). */
  unlabel(number: number, name: string, at: Date = new Date(), actor = "octocat"): this {
    const pull = this.pullRequests.get(number);
    if (!pull) throw new Error(`no pull request #${number}`);
    pull.labels = pull.labels.filter((label) => label !== name);
    pull.events.push({
      id: pull.events.length + 1,
      event: "unlabeled",
      label: name,
      actor,
      created_at: at.toISOString(),
    });
    return this;
  }

  collaborator(user: string, permission: "admin" | "maintain" | "write" | "triage" | "read" | "none"): this {
    this.permissions.set(user.toLowerCase(), permission);
    return this;
  }

  permissionOf(user: string): string {
    return this.permissions.get(user.toLowerCase()) ?? (this.private ? "none" : "read");
  }

  private readonly logs = new Map<string, { sha: string; message: string; author: string; date: string }[]>();

  /** The commits `GET /repos/{o}/{r}/commits?sha=BRANCH` lists, newest first. */
  log(branch: string, commits: { sha: string; message: string; author?: string }[]): this {
    this.logs.set(
      branch,
      commits.map((c, i) => ({
        sha: c.sha,
        message: c.message,
        author: c.author ?? "octocat",
        date: new Date(Date.now() - i * 60_000).toISOString(),
      })),
    );
    return this;
  }

  private readonly messages = new Map<string, string>();

  /** A commit's message (what GraphQL's Commit.message answers); otherwise its log's, or `commit abc1234`. */
  message(sha: string, message: string): this {
    this.messages.set(sha, message);
    return this;
  }

  /** A commit this repository knows, with its message; undefined for one it does not. */
  commitOf(sha: string): { messageHeadline: string; message: string } | undefined {
    const logged = [...this.logs.values()].flat().find((c) => c.sha === sha)?.message;
    const message =
      this.messages.get(sha) ?? logged ?? (this.knowsCommit(sha) ? `commit ${sha.slice(0, 7)}` : undefined);
    return message === undefined ? undefined : { message, messageHeadline: message.split("\n")[0] ?? "" };
  }

  logOf(branch: string): { sha: string; message: string; author: string; date: string }[] {
    return this.logs.get(branch) ?? [];
  }

  /** Declares `ancestors` to be in the history of `sha` (e.g. the default branch's head descends from them). */
  ancestors(sha: string, ancestors: readonly string[]): this {
    const known = this.history.get(sha) ?? new Set<string>();
    for (const a of ancestors) known.add(a);
    this.history.set(sha, known);
    return this;
  }

  /** GitHub's compare status of `base...head`: identical, behind (head is in base's history), ahead, or diverged. */
  compare(base: string, head: string): "identical" | "behind" | "ahead" | "diverged" {
    if (base === head) return "identical";
    if (this.history.get(base)?.has(head)) return "behind";
    if (this.history.get(head)?.has(base)) return "ahead";
    return "diverged";
  }

  /**
   * The commit a ref, short name or sha stands for; undefined when the model knows none. A short
   * name is looked up as git's rev-parse does: `refs/tags/<name>` before `refs/heads/<name>`, so a
   * tag named like a branch shadows it (why branchline passes full refs).
   */
  resolve(ref: string): string | undefined {
    if (ref.startsWith("refs/")) return this.refs.get(ref);
    const named = this.refs.get(`refs/tags/${ref}`) ?? this.refs.get(`refs/heads/${ref}`);
    if (named !== undefined) return named;
    if (SHA.test(ref) && this.knowsCommit(ref)) return ref;
    return undefined;
  }

  knowsCommit(sha: string): boolean {
    if ([...this.refs.values()].includes(sha)) return true;
    return [...this.files.keys()].some((key) => key.startsWith(`${sha}:`));
  }

  readFile(ref: string, path: string): string | undefined {
    const candidates = new Set<string>([ref]);
    const short = ref.replace(/^refs\/(heads|tags)\//, "");
    candidates.add(short);
    const sha = this.resolve(ref);
    if (sha !== undefined) {
      candidates.add(sha);
      // A file given at a branch name is there at the commit the branch points to, and back.
      for (const [full, target] of this.refs) {
        if (target === sha) {
          candidates.add(full);
          candidates.add(full.replace(/^refs\/(heads|tags)\//, ""));
        }
      }
    }
    for (const candidate of candidates) {
      const content = this.files.get(`${candidate}:${path}`);
      if (content !== undefined) return content;
    }
    return undefined;
  }

  /** Branches (or tags) sorted by name, as GitHub lists them. */
  listRefs(kind: "heads" | "tags"): { name: string; sha: string }[] {
    const prefix = `refs/${kind}/`;
    return [...this.refs]
      .filter(([full]) => full.startsWith(prefix))
      .map(([full, sha]) => ({ name: full.slice(prefix.length), sha }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}

/** The whole fake GitHub: repositories, installations, check runs, deployments, and what was asked. */
export class GitHubModel {
  readonly requests: RecordedRequest[] = [];
  readonly unexpected: string[] = [];
  readonly checkRuns: FakeCheckRun[] = [];
  readonly deployments: FakeDeployment[] = [];
  /** Comments on issues and pull requests, oldest first. */
  readonly comments: FakeComment[] = [];
  /** An installation that has not accepted `pull_requests: write`: creating a comment answers 403. */
  refuseComments = false;
  readonly installations: FakeInstallation[] = [];
  readonly statuses: FakeStatus[] = [];
  /** People and their user tokens (this App's OAuth web flow). */
  readonly users = new FakeUsers();
  /** `org/team-slug` (lower case) → login (lower case) → role; what team membership reads answer. */
  private readonly teams = new Map<string, Map<string, "member" | "maintainer">>();
  private readonly repositories = new Map<string, RepositoryModel>();
  /** Installation access tokens handed out, and whom they stand for. */
  private readonly tokens = new Map<string, number>();
  private readonly publicKey: KeyObject | undefined;
  private nextId = 1000;
  private readonly routes: [string, RegExp, AuthKind, Handler][];

  /** The id GitHub's `GET /app` answers, and the App every installation-token write comes from. */
  get ownAppId(): number {
    return this.options.appId ?? 1;
  }

  constructor(private readonly options: GitHubModelOptions = {}) {
    this.publicKey = options.appPublicKey === undefined ? undefined : createPublicKey(options.appPublicKey);
    const repo = "/repos/([^/]+)/([^/]+)";
    this.routes = [
      [
        "GET",
        /^\/app$/,
        "app",
        () => json(200, { id: this.options.appId ?? 1, slug: "branchline", name: "branchline" }),
      ],
      [
        "GET",
        /^\/app\/installations$/,
        "app",
        (_m, r) =>
          this.page(
            r,
            this.installations.map((i) => this.installationJson(i)),
          ),
      ],
      ["GET", /^\/app\/installations\/(\d+)$/, "app", ([id], r) => this.getInstallation(Number(id), r)],
      ["POST", /^\/app\/installations\/(\d+)\/access_tokens$/, "app", ([id], r) => this.createToken(Number(id), r)],
      ["GET", new RegExp(`^${repo}/installation$`), "app", ([o, n]) => this.repositoryInstallation(o!, n!)],
      ["GET", /^\/user$/, "user", (_m, r) => json(200, { login: r.user, id: 1, type: "User" })],
      ["GET", /^\/user\/installations$/, "user", (_m, r) => this.userInstallations(r)],
      [
        "GET",
        /^\/user\/installations\/(\d+)\/repositories$/,
        "user",
        ([id], r) => this.userInstallationRepositories(Number(id), r),
      ],
      [
        "GET",
        new RegExp(`^${repo}/commits$`),
        "installation",
        ([o, n], r) => this.withRepo(o!, n!, r, (m) => this.listCommits(m, r)),
      ],
      [
        "GET",
        new RegExp(`^${repo}/commits/([^/]+)/statuses$`),
        "installation",
        ([o, n, ref], r) => this.withRepo(o!, n!, r, (m) => this.listStatuses(m, ref!, r)),
      ],
      ["GET", /^\/installation\/repositories$/, "installation", (_m, r) => this.installationRepositories(r)],
      [
        "GET",
        new RegExp(`^${repo}$`),
        "installation",
        ([o, n], r) => this.withRepo(o!, n!, r, (m) => json(200, this.repositoryJson(m))),
      ],
      [
        "GET",
        new RegExp(`^${repo}/contents/(.+)$`),
        "installation",
        ([o, n, p], r) => this.withRepo(o!, n!, r, (m) => this.contents(m, p!, r)),
      ],
      [
        "GET",
        new RegExp(`^${repo}/commits/([^/]+)/check-runs$`),
        "installation",
        ([o, n, ref], r) => this.withRepo(o!, n!, r, (m) => this.listCheckRuns(m, ref!, r)),
      ],
      [
        "GET",
        new RegExp(`^${repo}/commits/(.+)$`),
        "installation",
        ([o, n, ref], r) => this.withRepo(o!, n!, r, (m) => this.commit(m, ref!, r)),
      ],
      [
        "POST",
        new RegExp(`^${repo}/check-runs$`),
        "installation",
        ([o, n], r) => this.withRepo(o!, n!, r, (m) => this.createCheckRun(m, r)),
      ],
      [
        "GET",
        new RegExp(`^${repo}/check-runs/(\\d+)$`),
        "installation",
        ([o, n, id], r) => this.withRepo(o!, n!, r, (m) => this.getCheckRun(m, Number(id), r)),
      ],
      [
        "PATCH",
        new RegExp(`^${repo}/check-runs/(\\d+)$`),
        "installation",
        ([o, n, id], r) => this.withRepo(o!, n!, r, (m) => this.updateCheckRun(m, Number(id), r)),
      ],
      [
        "GET",
        new RegExp(`^${repo}/branches$`),
        "installation",
        ([o, n], r) => this.withRepo(o!, n!, r, (m) => this.listRefs(m, "heads", r)),
      ],
      [
        "GET",
        new RegExp(`^${repo}/tags$`),
        "installation",
        ([o, n], r) => this.withRepo(o!, n!, r, (m) => this.listRefs(m, "tags", r)),
      ],
      [
        "GET",
        new RegExp(`^${repo}/pulls$`),
        "installation",
        ([o, n], r) => this.withRepo(o!, n!, r, (m) => this.listPulls(m, r)),
      ],
      [
        "GET",
        new RegExp(`^${repo}/issues/(\\d+)/comments$`),
        "installation",
        ([o, n, number], r) =>
          this.withRepo(o!, n!, r, (m) =>
            this.withPull(m, Number(number), () =>
              this.page(
                r,
                this.commentsOn(m.fullName, Number(number)).map((c) => this.commentJson(c, r)),
              ),
            ),
          ),
      ],
      [
        "POST",
        new RegExp(`^${repo}/issues/(\\d+)/comments$`),
        "installation",
        ([o, n, number], r) =>
          this.withRepo(o!, n!, r, (m) =>
            this.withPull(m, Number(number), () => this.createComment(m, Number(number), r)),
          ),
      ],
      [
        "GET",
        new RegExp(`^${repo}/issues/(\\d+)/events$`),
        "installation",
        ([o, n, number], r) =>
          this.withRepo(o!, n!, r, (m) =>
            this.withPull(m, Number(number), (pull) =>
              this.page(
                r,
                pull.events.map((e) => this.issueEventJson(e)),
              ),
            ),
          ),
      ],
      [
        "GET",
        new RegExp(`^${repo}/collaborators/([^/]+)/permission$`),
        "installation",
        ([o, n, u], r) => this.withRepo(o!, n!, r, (m) => this.permission(m, u!)),
      ],
      [
        "GET",
        new RegExp(`^${repo}/compare/(.+)$`),
        "installation",
        ([o, n, basehead], r) => this.withRepo(o!, n!, r, (m) => this.compareCommits(m, basehead!, r)),
      ],
      [
        "GET",
        /^\/orgs\/([^/]+)\/teams\/([^/]+)\/memberships\/([^/]+)$/,
        "installation",
        ([org, team, user], r) => this.teamMembership(org!, team!, user!, r),
      ],
      [
        "POST",
        /^\/graphql$/,
        "installation",
        (_m, r) =>
          json(
            200,
            answerGraphql(r.body, (owner, name) => this.graphqlRepository(owner, name, r)),
          ),
      ],
      [
        "POST",
        new RegExp(`^${repo}/deployments$`),
        "installation",
        ([o, n], r) => this.withRepo(o!, n!, r, (m) => this.createDeployment(m, r)),
      ],
      [
        "GET",
        new RegExp(`^${repo}/deployments$`),
        "installation",
        ([o, n], r) => this.withRepo(o!, n!, r, (m) => this.listDeployments(m, r)),
      ],
      [
        "GET",
        new RegExp(`^${repo}/deployments/(\\d+)$`),
        "installation",
        ([o, n, id], r) =>
          this.withRepo(o!, n!, r, (m) =>
            this.withDeployment(m, Number(id), (d) => json(200, this.deploymentJson(d, r))),
          ),
      ],
      [
        "POST",
        new RegExp(`^${repo}/deployments/(\\d+)/statuses$`),
        "installation",
        ([o, n, id], r) =>
          this.withRepo(o!, n!, r, (m) =>
            this.withDeployment(m, Number(id), (d) => this.createDeploymentStatus(m, d, r)),
          ),
      ],
      [
        "GET",
        new RegExp(`^${repo}/deployments/(\\d+)/statuses$`),
        "installation",
        ([o, n, id], r) =>
          this.withRepo(o!, n!, r, (m) =>
            this.withDeployment(m, Number(id), (d) =>
              this.page(
                r,
                [...d.statuses].reverse().map((s) => this.statusJson(d, s, r)),
              ),
            ),
          ),
      ],
    ];
  }

  // ---- setting the scene -------------------------------------------------------------------------

  /** The repository `owner/name`, made on first use. */
  repository(owner: string, name: string, options: RepositoryOptions = {}): RepositoryModel {
    const key = `${owner}/${name}`.toLowerCase();
    let found = this.repositories.get(key);
    if (!found) {
      found = new RepositoryModel(owner, name, repositoryIdOf(owner, name), options);
      this.repositories.set(key, found);
    }
    return found;
  }

  /**
   * The repository renamed or transferred: the same repository (id, git data) under a new name;
   * the old name answers 404, and a selected installation lists it under the new one.
   */
  moveRepository(fromOwner: string, fromName: string, toOwner: string, toName: string): RepositoryModel {
    const repository = this.findRepository(fromOwner, fromName);
    if (!repository) throw new Error(`no repository ${fromOwner}/${fromName}`);
    const from = repository.fullName.toLowerCase();
    this.repositories.delete(from);
    repository.owner = toOwner;
    repository.name = toName;
    this.repositories.set(repository.fullName.toLowerCase(), repository);
    for (const installation of this.installations) {
      if (installation.repositories !== "all")
        installation.repositories = installation.repositories.map((r) =>
          r.toLowerCase() === from ? repository.fullName : r,
        );
    }
    // Check runs and deployments belong to the repository, not its name: they come along.
    for (const record of [...this.checkRuns, ...this.deployments, ...this.comments])
      if (record.repository.toLowerCase() === from) record.repository = repository.fullName;
    return repository;
  }

  /** The repository is deleted: every route of it answers 404 from now on. */
  deleteRepository(owner: string, name: string): void {
    this.repositories.delete(`${owner}/${name}`.toLowerCase());
  }

  /**
   * A new repository under a name another repository held (it was renamed, transferred or deleted):
   * same name, new id, no history. Installations keep covering the name.
   */
  replaceRepository(owner: string, name: string, options: RepositoryOptions = {}): RepositoryModel {
    const made = new RepositoryModel(owner, name, this.nextId++, options);
    this.repositories.set(`${owner}/${name}`.toLowerCase(), made);
    return made;
  }

  /** What another App (or a workflow's token) writes: a check run of any name, on any commit. */
  plantCheckRun(
    repository: string,
    run: {
      name: string;
      head_sha: string;
      app_id: number;
      status?: string;
      conclusion?: string | null;
      external_id?: string | null;
    },
  ): FakeCheckRun {
    const planted: FakeCheckRun = {
      id: this.nextId++,
      repository,
      name: run.name,
      head_sha: run.head_sha,
      app_id: run.app_id,
      status: run.status ?? "completed",
      conclusion: run.conclusion ?? null,
      external_id: run.external_id ?? null,
      details_url: null,
      started_at: now(),
      completed_at: run.status === "completed" || run.status === undefined ? now() : null,
      output: { title: "planted", summary: "planted" },
      history: [],
    };
    this.checkRuns.push(planted);
    return planted;
  }

  /** What any writer (or a workflow with `deployments: write`) can do: a deployment with a status. */
  /** A deployment someone else made: a user (no App), or another App (`app`, e.g. a workflow's github-actions), with any payload. */
  plantDeployment(
    repository: string,
    deployment: {
      sha: string;
      environment: string;
      login: string;
      state: string;
      payload?: Record<string, unknown>;
      app?: { id: number; slug: string };
    },
  ): FakeDeployment {
    const planted: FakeDeployment = {
      id: this.nextId++,
      repository,
      sha: deployment.sha,
      ref: deployment.sha,
      task: "deploy",
      environment: deployment.environment,
      original_environment: deployment.environment,
      description: null,
      payload: deployment.payload ?? {},
      transient_environment: false,
      production_environment: deployment.environment === "production",
      auto_merge: false,
      required_contexts: [],
      created_at: now(),
      creator: { login: deployment.login, type: deployment.app ? "Bot" : "User" },
      performed_via_github_app: deployment.app ?? null,
      statuses: [],
    };
    this.deployments.push(planted);
    this.addStatus(planted, {
      state: deployment.state,
      description: "",
      environment: deployment.environment,
      environment_url: "",
      log_url: "",
    });
    return planted;
  }

  findRepository(owner: string, name: string): RepositoryModel | undefined {
    return this.repositories.get(`${owner}/${name}`.toLowerCase());
  }

  /** Installs the app on an account, for every repository of it or for the ones named (`owner/name`). */
  install(
    id: number,
    account: string,
    repositories: "all" | string[] = "all",
    type: "Organization" | "User" = "Organization",
  ): FakeInstallation {
    const installation: FakeInstallation = {
      id,
      account: { login: account, id: 9000 + id, type },
      repositories,
      suspended: false,
    };
    const existing = this.installations.findIndex((i) => i.id === id);
    if (existing >= 0) this.installations.splice(existing, 1, installation);
    else this.installations.push(installation);
    return installation;
  }

  /** Makes `user` an active member of team `slug` in `org`. */
  teamMember(org: string, slug: string, user: string, role: "member" | "maintainer" = "member"): this {
    const key = `${org}/${slug}`.toLowerCase();
    const members = this.teams.get(key) ?? new Map<string, "member" | "maintainer">();
    members.set(user.toLowerCase(), role);
    this.teams.set(key, members);
    return this;
  }

  uninstall(id: number): void {
    const index = this.installations.findIndex((i) => i.id === id);
    if (index >= 0) this.installations.splice(index, 1);
    for (const [token, owner] of this.tokens) if (owner === id) this.tokens.delete(token);
  }

  // ---- reading outcomes ----------------------------------------------------------------------------

  checkRunsFor(sha: string, repository?: string): FakeCheckRun[] {
    return this.checkRuns.filter(
      (c) =>
        c.head_sha === sha && (repository === undefined || c.repository.toLowerCase() === repository.toLowerCase()),
    );
  }

  deploymentsFor(repository: string, environment?: string): FakeDeployment[] {
    return this.deployments.filter(
      (d) =>
        d.repository.toLowerCase() === repository.toLowerCase() &&
        (environment === undefined || d.environment === environment),
    );
  }

  calls(method: string, pattern: RegExp): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method && pattern.test(r.path));
  }

  /** Throws when anything was asked that the model does not serve, or asked without valid credentials. */
  assertClean(): void {
    if (this.unexpected.length > 0) throw new Error(`unexpected GitHub requests:\n${this.unexpected.join("\n")}`);
  }

  // ---- answering -----------------------------------------------------------------------------------

  /**
   * Answers one request. `apiBase` is the API root as the client addressed it (for Link headers and
   * URLs in bodies), e.g. `https://api.github.com` or `http://127.0.0.1:4321/api/v3`.
   */
  handle(request: ApiRequest, apiBase: string): ApiResponse {
    const method = request.method.toUpperCase();
    this.requests.push({ method, path: request.path, body: request.body, accept: request.headers.accept });
    const url = new URL(request.path, PLACEHOLDER);
    const pathname = url.pathname;
    for (const [routeMethod, pattern, auth, handler] of this.routes) {
      if (routeMethod !== method) continue;
      const match = pattern.exec(pathname);
      if (!match) continue;
      const groups = match.slice(1).map((g) => decodeURIComponent(g));
      const parsed: ParsedRequest = { ...request, method, url, apiBase: apiBase.replace(/\/+$/, "") };
      const authenticated = this.authenticate(auth, parsed);
      if ("status" in authenticated) {
        this.unexpected.push(
          `${method} ${request.path} (${authenticated.status}: ${(authenticated.body as { message: string }).message})`,
        );
        return authenticated;
      }
      return handler(groups, authenticated.request);
    }
    this.unexpected.push(`${method} ${request.path}`);
    return json(501, { message: `the fake GitHub does not serve ${method} ${pathname}` });
  }

  private authenticate(kind: AuthKind, request: ParsedRequest): { request: ParsedRequest } | ApiResponse {
    const header = request.headers.authorization ?? "";
    const [scheme = "", credential = ""] = header.split(/\s+/, 2);
    if (kind === "app") {
      if (scheme.toLowerCase() !== "bearer")
        return json(401, { message: "A JSON web token could not be decoded (app routes need the app's JWT)" });
      const problem = this.checkJwt(credential);
      return problem ? json(401, { message: problem }) : { request };
    }
    if (!["token", "bearer"].includes(scheme.toLowerCase())) return json(401, { message: "Requires authentication" });
    if (kind === "user") {
      const user = this.users.loginOf(credential);
      return user ? { request: { ...request, user } } : json(401, { message: "Bad credentials" });
    }
    const installationId = this.tokens.get(credential);
    const installation = this.installations.find((i) => i.id === installationId);
    if (!installation) return json(401, { message: "Bad credentials" });
    return { request: { ...request, installation } };
  }

  private checkJwt(jwt: string): string | undefined {
    const parts = jwt.split(".");
    if (parts.length !== 3) return "A JSON web token could not be decoded";
    let claims: { iss?: unknown; exp?: unknown; iat?: unknown };
    let header: { alg?: unknown };
    try {
      header = JSON.parse(Buffer.from(parts[0]!, "base64url").toString("utf8")) as typeof header;
      claims = JSON.parse(Buffer.from(parts[1]!, "base64url").toString("utf8")) as typeof claims;
    } catch {
      return "A JSON web token could not be decoded";
    }
    if (header.alg !== "RS256") return `'alg' must be RS256, not ${String(header.alg)}`;
    if (this.options.appId !== undefined && String(claims.iss) !== String(this.options.appId))
      return `'Issuer' claim ('iss') must be the app's id, not ${String(claims.iss)}`;
    const seconds = Date.now() / 1000;
    if (typeof claims.exp !== "number" || claims.exp < seconds - 60)
      return "'Expiration time' claim ('exp') is too far in the past";
    if (claims.exp - (typeof claims.iat === "number" ? claims.iat : seconds) > 660)
      return "'Expiration time' claim ('exp') is too far in the future";
    if (
      this.publicKey &&
      !verify("RSA-SHA256", Buffer.from(`${parts[0]}.${parts[1]}`), this.publicKey, Buffer.from(parts[2]!, "base64url"))
    ) {
      return "A JSON web token could not be decoded (the signature does not match the app's key)";
    }
    return undefined;
  }

  private installationCovers(installation: FakeInstallation, repository: RepositoryModel): boolean {
    if (installation.repositories === "all")
      return installation.account.login.toLowerCase() === repository.owner.toLowerCase();
    return installation.repositories.some((r) => r.toLowerCase() === repository.fullName.toLowerCase());
  }

  /** A repository route: 404 unless the repository exists and the token's installation may see it. */
  private withRepo(
    owner: string,
    name: string,
    request: ParsedRequest,
    then: (repository: RepositoryModel) => ApiResponse,
  ): ApiResponse {
    const repository = this.findRepository(owner, name);
    if (!repository || !request.installation || !this.installationCovers(request.installation, repository))
      return notFound();
    if (repository.archived && request.method !== "GET")
      return json(403, { message: "Repository was archived so is read-only." });
    return then(repository);
  }

  private installationRepositoryList(installation: FakeInstallation): RepositoryModel[] {
    return [...this.repositories.values()].filter((r) => this.installationCovers(installation, r));
  }

  /** A page of a list: `per_page` (default 30, at most 100) and `page`, with GitHub's Link header. */
  private page<T>(request: ParsedRequest, items: T[], wrap?: (items: T[]) => unknown): ApiResponse {
    const perPage = Math.min(100, Math.max(1, Number(request.url.searchParams.get("per_page") ?? 30) || 30));
    const pageNumber = Math.max(1, Number(request.url.searchParams.get("page") ?? 1) || 1);
    const last = Math.max(1, Math.ceil(items.length / perPage));
    const slice = items.slice((pageNumber - 1) * perPage, pageNumber * perPage);
    const link = (n: number, rel: string) => {
      const target = new URL(request.url.toString());
      target.searchParams.set("per_page", String(perPage));
      target.searchParams.set("page", String(n));
      return `<${request.apiBase}${target.pathname}${target.search}>; rel="${rel}"`;
    };
    const links: string[] = [];
    if (pageNumber > 1) links.push(link(pageNumber - 1, "prev"));
    if (pageNumber < last) links.push(link(pageNumber + 1, "next"));
    if (pageNumber < last) links.push(link(last, "last"));
    if (pageNumber > 1) links.push(link(1, "first"));
    return json(200, wrap ? wrap(slice) : slice, links.length > 0 ? { link: links.join(", ") } : {});
  }

  // ---- apps and installations ----------------------------------------------------------------------

  private installationJson(installation: FakeInstallation) {
    return {
      id: installation.id,
      account: installation.account,
      app_id: this.options.appId ?? 1,
      target_type: installation.account.type,
      repository_selection: installation.repositories === "all" ? "all" : "selected",
      access_tokens_url: `/app/installations/${installation.id}/access_tokens`,
      permissions: {
        checks: "write",
        contents: "read",
        deployments: "write",
        metadata: "read",
        pull_requests: "write",
      },
      events: ["create", "delete", "push", "check_run", "pull_request"],
      suspended_at: installation.suspended ? now() : null,
    };
  }

  private getInstallation(id: number, _request: ParsedRequest): ApiResponse {
    const installation = this.installations.find((i) => i.id === id);
    return installation ? json(200, this.installationJson(installation)) : notFound();
  }

  private createToken(id: number, _request: ParsedRequest): ApiResponse {
    const installation = this.installations.find((i) => i.id === id);
    if (!installation) return notFound();
    if (installation.suspended)
      return json(403, {
        message: "This installation has been suspended",
        documentation_url: "https://docs.github.com/rest/apps/apps#create-an-installation-access-token-for-an-app",
      });
    const token = `ghs_fake_${id}_${this.nextId++}`;
    this.tokens.set(token, id);
    return json(201, {
      token,
      expires_at: new Date(Date.now() + 3600_000).toISOString(),
      permissions: this.installationJson(installation).permissions,
      repository_selection: installation.repositories === "all" ? "all" : "selected",
    });
  }

  private repositoryInstallation(owner: string, name: string): ApiResponse {
    const repository = this.findRepository(owner, name);
    const installation = repository && this.installations.find((i) => this.installationCovers(i, repository));
    return installation ? json(200, this.installationJson(installation)) : notFound();
  }

  private installationRepositories(request: ParsedRequest): ApiResponse {
    const installation = request.installation!;
    const repositories = this.installationRepositoryList(installation).map((r) => this.repositoryJson(r));
    return this.page(request, repositories, (slice) => ({
      total_count: repositories.length,
      repository_selection: installation.repositories === "all" ? "all" : "selected",
      repositories: slice,
    }));
  }

  private repositoryJson(repository: RepositoryModel) {
    return {
      id: repository.id,
      name: repository.name,
      full_name: repository.fullName,
      owner: { login: repository.owner },
      private: repository.private,
      fork: repository.fork,
      default_branch: repository.defaultBranch,
      archived: repository.archived,
    };
  }

  // ---- people ------------------------------------------------------------------------------------

  /** Repositories of an installation the person can read (their role is not `none`). */
  private readableBy(installation: FakeInstallation, user: string): RepositoryModel[] {
    return this.installationRepositoryList(installation).filter((r) => r.permissionOf(user) !== "none");
  }

  private userInstallations(request: ParsedRequest): ApiResponse {
    const visible = this.installations.filter((i) => this.readableBy(i, request.user!).length > 0);
    return this.page(
      request,
      visible.map((i) => this.installationJson(i)),
      (slice) => ({ total_count: visible.length, installations: slice }),
    );
  }

  private userInstallationRepositories(id: number, request: ParsedRequest): ApiResponse {
    const installation = this.installations.find((i) => i.id === id);
    const repositories = installation ? this.readableBy(installation, request.user!) : [];
    if (!installation || repositories.length === 0) return notFound();
    return this.page(
      request,
      repositories.map((r) => ({
        ...this.repositoryJson(r),
        permissions: { pull: true, push: ["write", "maintain", "admin"].includes(r.permissionOf(request.user!)) },
      })),
      (slice) => ({ total_count: repositories.length, repositories: slice }),
    );
  }

  /** A commit status on a commit, as a CI system (`creator`) posts it. */
  status(repository: string, sha: string, context: string, state: string, creator = "ci-bot"): FakeStatus {
    const status: FakeStatus = {
      id: this.nextId++,
      repository,
      sha,
      context,
      state,
      creator,
      target_url: null,
      created_at: now(),
    };
    this.statuses.push(status);
    return status;
  }

  private listStatuses(repository: RepositoryModel, ref: string, request: ParsedRequest): ApiResponse {
    const sha = SHA.test(ref) ? ref : repository.resolve(ref);
    const found = this.statuses.filter((s) => s.repository === repository.fullName && s.sha === sha).reverse();
    return this.page(
      request,
      found.map(({ repository: _r, creator, ...s }) => ({ ...s, creator: { login: creator } })),
    );
  }

  private listCommits(repository: RepositoryModel, request: ParsedRequest): ApiResponse {
    const branch = request.url.searchParams.get("sha") ?? repository.defaultBranch;
    const log = repository.logOf(branch);
    return this.page(
      request,
      log.map((c) => ({
        sha: c.sha,
        commit: { message: c.message, author: { name: c.author, date: c.date }, committer: { date: c.date } },
        author: { login: c.author },
        parents: [],
      })),
    );
  }

  // ---- git data ------------------------------------------------------------------------------------

  private contents(repository: RepositoryModel, path: string, request: ParsedRequest): ApiResponse {
    const ref = request.url.searchParams.get("ref") ?? repository.defaultBranch;
    const content = repository.readFile(ref, path);
    if (content === undefined) return notFound();
    if ((request.headers.accept ?? "").includes("raw"))
      return { status: 200, headers: { "content-type": "text/plain; charset=utf-8" }, body: content };
    return json(200, {
      type: "file",
      encoding: "base64",
      name: path.split("/").pop(),
      path,
      size: Buffer.byteLength(content),
      content: Buffer.from(content).toString("base64"),
    });
  }

  private commit(repository: RepositoryModel, ref: string, _request: ParsedRequest): ApiResponse {
    const sha = repository.resolve(ref);
    if (sha === undefined) return json(422, { message: `No commit found for SHA: ${ref}` });
    return json(200, { sha, commit: { message: `commit ${sha.slice(0, 7)}` }, parents: [] });
  }

  private listRefs(repository: RepositoryModel, kind: "heads" | "tags", request: ParsedRequest): ApiResponse {
    const base = `${request.apiBase}/repos/${repository.fullName}`;
    const items = repository.listRefs(kind).map(({ name, sha }) =>
      kind === "heads"
        ? { name, commit: { sha, url: `${base}/commits/${sha}` }, protected: false }
        : {
            name,
            commit: { sha, url: `${base}/commits/${sha}` },
            zipball_url: `${base}/zipball/refs/tags/${name}`,
            tarball_url: `${base}/tarball/refs/tags/${name}`,
          },
    );
    return this.page(request, items);
  }

  /** `GET /repos/{o}/{r}/compare/{base}...{head}`: only what a reachability check reads (status, counts). */
  private compareCommits(repository: RepositoryModel, basehead: string, _request: ParsedRequest): ApiResponse {
    const [base, head] = basehead.split("...");
    const baseSha = base === undefined ? undefined : repository.resolve(base);
    const headSha = head === undefined ? undefined : repository.resolve(head);
    if (baseSha === undefined || headSha === undefined) return notFound();
    const status = repository.compare(baseSha, headSha);
    return json(200, {
      status,
      ahead_by: status === "ahead" || status === "diverged" ? 1 : 0,
      behind_by: status === "behind" || status === "diverged" ? 1 : 0,
      total_commits: status === "ahead" || status === "diverged" ? 1 : 0,
      base_commit: { sha: baseSha },
      merge_base_commit: { sha: status === "behind" ? headSha : baseSha },
      commits: [],
      files: [],
    });
  }

  /** `GET /orgs/{org}/teams/{team}/memberships/{user}`: 404 for anyone not in the team. */
  private teamMembership(org: string, slug: string, user: string, request: ParsedRequest): ApiResponse {
    if (request.installation?.account.login.toLowerCase() !== org.toLowerCase()) return notFound();
    const role = this.teams.get(`${org}/${slug}`.toLowerCase())?.get(user.toLowerCase());
    return role
      ? json(200, { url: `${request.apiBase}/orgs/${org}/teams/${slug}/memberships/${user}`, role, state: "active" })
      : notFound();
  }

  private permission(repository: RepositoryModel, user: string): ApiResponse {
    const permission = repository.permissionOf(user);
    return json(200, { permission, role_name: permission, user: { login: user } });
  }

  // ---- pull requests -------------------------------------------------------------------------------

  private listPulls(repository: RepositoryModel, request: ParsedRequest): ApiResponse {
    const state = request.url.searchParams.get("state") ?? "open";
    const pulls = [...repository.pullRequests.values()].filter((p) => state === "all" || p.state === state);
    const repoJson = {
      full_name: repository.fullName,
      name: repository.name,
      owner: { login: repository.owner },
      fork: repository.fork,
    };
    return this.page(
      request,
      pulls.map((p) => ({
        number: p.number,
        state: p.state,
        labels: p.labels.map((name, index) => ({ id: index + 1, name })),
        head: { ref: p.head, sha: p.sha ?? repository.resolve(p.head) ?? "0".repeat(40), repo: repoJson },
        base: { ref: p.base, sha: repository.resolve(p.base) ?? "0".repeat(40), repo: repoJson },
      })),
    );
  }

  // ---- comments and issue events (a pull request is an issue) -------------------------------------

  /** The comments on issue or pull request `number` of `repository`, oldest first. */
  commentsOn(repository: string, number: number): FakeComment[] {
    return this.comments.filter(
      (c) => c.repository.toLowerCase() === repository.toLowerCase() && c.issue_number === number,
    );
  }

  /** What anyone who can comment can do: a comment with any text, branchline's markers included. */
  plantComment(repository: string, number: number, comment: { login: string; body: string }): FakeComment {
    const planted: FakeComment = {
      id: this.nextId++,
      repository,
      issue_number: number,
      body: comment.body,
      created_at: now(),
      user: { login: comment.login, type: "User" },
      performed_via_github_app: null,
    };
    this.comments.push(planted);
    return planted;
  }

  private withPull(
    repository: RepositoryModel,
    number: number,
    then: (pull: FakePullRequest) => ApiResponse,
  ): ApiResponse {
    const pull = repository.pullRequests.get(number);
    return pull ? then(pull) : notFound();
  }

  private createComment(repository: RepositoryModel, number: number, request: ParsedRequest): ApiResponse {
    if (this.refuseComments)
      return json(403, {
        message: "Resource not accessible by integration",
        documentation_url: "https://docs.github.com/rest/issues/comments#create-an-issue-comment",
      });
    const body = (request.body ?? {}) as Record<string, unknown>;
    if (typeof body.body !== "string" || body.body === "")
      return json(422, { message: "Invalid request: body is required" });
    if (body.body.length > 65_536)
      return json(422, { message: "Validation Failed: body is too long (maximum is 65536 characters)" });
    const comment: FakeComment = {
      id: this.nextId++,
      repository: repository.fullName,
      issue_number: number,
      body: body.body,
      created_at: now(),
      user: { login: "branchline[bot]", type: "Bot" },
      performed_via_github_app: { id: this.ownAppId, slug: "branchline" },
    };
    this.comments.push(comment);
    return json(201, this.commentJson(comment, request));
  }

  private commentJson(comment: FakeComment, request: ParsedRequest) {
    const { repository, issue_number: number, ...fields } = comment;
    return {
      ...fields,
      updated_at: comment.created_at,
      url: `${request.apiBase}/repos/${repository}/issues/comments/${comment.id}`,
      html_url: `https://github.com/${repository}/pull/${number}#issuecomment-${comment.id}`,
      issue_url: `${request.apiBase}/repos/${repository}/issues/${number}`,
    };
  }

  private issueEventJson(event: FakeIssueEvent) {
    return {
      id: event.id,
      event: event.event,
      label: { name: event.label, color: "ededed" },
      actor: { login: event.actor, type: "User" },
      created_at: event.created_at,
    };
  }

  // ---- check runs ----------------------------------------------------------------------------------

  private checkRunJson(run: FakeCheckRun, request: ParsedRequest) {
    const { history: _history, repository, ...fields } = run;
    const { app_id: appId, ...rest } = fields;
    const app = appId === this.ownAppId ? { id: appId, slug: "branchline" } : { id: appId, slug: `other-app-${appId}` };
    return {
      ...rest,
      url: `${request.apiBase}/repos/${repository}/check-runs/${run.id}`,
      html_url: `https://github.com/${repository}/runs/${run.id}`,
      app,
      pull_requests: [],
    };
  }

  private listCheckRuns(repository: RepositoryModel, ref: string, request: ParsedRequest): ApiResponse {
    const sha = SHA.test(ref) ? ref : repository.resolve(ref);
    const name = request.url.searchParams.get("check_name");
    const status = request.url.searchParams.get("status");
    const filter = request.url.searchParams.get("filter") ?? "latest";
    const appId = request.url.searchParams.get("app_id");
    let runs = this.checkRuns
      .filter(
        (c) =>
          c.repository === repository.fullName &&
          c.head_sha === sha &&
          (name === null || c.name === name) &&
          (status === null || c.status === status),
      )
      .filter((c) => appId === null || c.app_id === Number(appId))
      .reverse();
    if (filter === "latest")
      runs = runs.filter(
        (run, index) => runs.findIndex((other) => other.name === run.name && other.app_id === run.app_id) === index,
      );
    return this.page(
      request,
      runs.map((r) => this.checkRunJson(r, request)),
      (slice) => ({ total_count: runs.length, check_runs: slice }),
    );
  }

  private getCheckRun(repository: RepositoryModel, id: number, request: ParsedRequest): ApiResponse {
    const run = this.checkRuns.find((c) => c.id === id && c.repository === repository.fullName);
    return run ? json(200, this.checkRunJson(run, request)) : notFound();
  }

  private createCheckRun(repository: RepositoryModel, request: ParsedRequest): ApiResponse {
    const body = (request.body ?? {}) as Record<string, unknown>;
    if (typeof body.name !== "string" || typeof body.head_sha !== "string")
      return json(422, { message: "Invalid request: name and head_sha are required" });
    const actionsProblem = checkRunActionsProblem(body.actions);
    if (actionsProblem) return json(422, { message: `Invalid request: ${actionsProblem}` });
    const status = String(body.status ?? "queued");
    const run: FakeCheckRun = {
      id: this.nextId++,
      repository: repository.fullName,
      name: body.name,
      head_sha: body.head_sha,
      // Written with an installation token: branchline's own App.
      app_id: this.ownAppId,
      status,
      conclusion: (body.conclusion as string | undefined) ?? null,
      external_id: (body.external_id as string | undefined) ?? null,
      details_url: (body.details_url as string | undefined) ?? null,
      started_at: (body.started_at as string | undefined) ?? now(),
      completed_at: (body.completed_at as string | undefined) ?? null,
      output: (body.output as FakeCheckRun["output"] | undefined) ?? { title: "", summary: "" },
      ...(Array.isArray(body.actions) ? { actions: body.actions as FakeCheckRun["actions"] } : {}),
      history: [],
    };
    run.history.push({ status: run.status, conclusion: run.conclusion, title: run.output?.title ?? "" });
    this.checkRuns.push(run);
    return json(201, this.checkRunJson(run, request));
  }

  private updateCheckRun(repository: RepositoryModel, id: number, request: ParsedRequest): ApiResponse {
    const run = this.checkRuns.find((c) => c.id === id && c.repository === repository.fullName);
    if (!run) return notFound();
    const body = (request.body ?? {}) as Record<string, unknown>;
    const actionsProblem = checkRunActionsProblem(body.actions);
    if (actionsProblem) return json(422, { message: `Invalid request: ${actionsProblem}` });
    if (Array.isArray(body.actions)) run.actions = body.actions as FakeCheckRun["actions"];
    if (body.status !== undefined) run.status = String(body.status);
    if (body.conclusion !== undefined) {
      run.conclusion = String(body.conclusion);
      run.status = "completed";
    }
    if (body.external_id !== undefined) run.external_id = String(body.external_id);
    if (body.details_url !== undefined) run.details_url = String(body.details_url);
    if (body.started_at !== undefined) run.started_at = String(body.started_at);
    if (body.completed_at !== undefined) run.completed_at = String(body.completed_at);
    if (body.output !== undefined) run.output = body.output as FakeCheckRun["output"];
    run.history.push({ status: run.status, conclusion: run.conclusion, title: run.output?.title ?? "" });
    return json(200, this.checkRunJson(run, request));
  }

  /** A repository as GraphQL resolves it for the token: only one its installation covers. */
  private graphqlRepository(owner: string, name: string, request: ParsedRequest): GraphqlRepository | undefined {
    const repository = this.findRepository(owner, name);
    if (!repository || !request.installation || !this.installationCovers(request.installation, repository))
      return undefined;
    return { commit: (oid) => repository.commitOf(oid) };
  }

  // ---- deployments ---------------------------------------------------------------------------------

  private deploymentJson(deployment: FakeDeployment, request: ParsedRequest) {
    const { statuses: _statuses, auto_merge: _merge, required_contexts: _contexts, repository, ...fields } = deployment;
    return {
      ...fields,
      url: `${request.apiBase}/repos/${repository}/deployments/${deployment.id}`,
      statuses_url: `${request.apiBase}/repos/${repository}/deployments/${deployment.id}/statuses`,
      updated_at: deployment.statuses.at(-1)?.created_at ?? deployment.created_at,
    };
  }

  private statusJson(deployment: FakeDeployment, status: FakeDeploymentStatus, request: ParsedRequest) {
    return {
      ...status,
      deployment_url: `${request.apiBase}/repos/${deployment.repository}/deployments/${deployment.id}`,
    };
  }

  private withDeployment(
    repository: RepositoryModel,
    id: number,
    then: (deployment: FakeDeployment) => ApiResponse,
  ): ApiResponse {
    const deployment = this.deployments.find((d) => d.id === id && d.repository === repository.fullName);
    return deployment ? then(deployment) : notFound();
  }

  private createDeployment(repository: RepositoryModel, request: ParsedRequest): ApiResponse {
    const body = (request.body ?? {}) as Record<string, unknown>;
    if (typeof body.ref !== "string") return json(422, { message: "Invalid request: ref is required" });
    const sha = repository.resolve(body.ref) ?? (SHA.test(body.ref) ? body.ref : undefined);
    if (sha === undefined) return json(422, { message: `No ref found for: ${body.ref}` });
    const environment = typeof body.environment === "string" ? body.environment : "production";
    const deployment: FakeDeployment = {
      id: this.nextId++,
      repository: repository.fullName,
      sha,
      ref: body.ref,
      task: typeof body.task === "string" ? body.task : "deploy",
      environment,
      original_environment: environment,
      description: typeof body.description === "string" ? body.description : null,
      payload: body.payload ?? {},
      transient_environment: body.transient_environment === true,
      production_environment:
        typeof body.production_environment === "boolean" ? body.production_environment : environment === "production",
      auto_merge: body.auto_merge !== false,
      required_contexts: Array.isArray(body.required_contexts) ? body.required_contexts.map(String) : undefined,
      created_at: now(),
      creator: { login: "branchline[bot]", type: "Bot" },
      performed_via_github_app: { id: this.ownAppId, slug: "branchline" },
      statuses: [],
    };
    this.deployments.push(deployment);
    return json(201, this.deploymentJson(deployment, request));
  }

  private listDeployments(repository: RepositoryModel, request: ParsedRequest): ApiResponse {
    const q = request.url.searchParams;
    const matches = this.deployments
      .filter(
        (d) =>
          d.repository === repository.fullName &&
          (q.get("sha") === null || d.sha === q.get("sha")) &&
          (q.get("ref") === null || d.ref === q.get("ref")) &&
          (q.get("task") === null || d.task === q.get("task")) &&
          (q.get("environment") === null || d.environment === q.get("environment")),
      )
      .reverse();
    return this.page(
      request,
      matches.map((d) => this.deploymentJson(d, request)),
    );
  }

  private createDeploymentStatus(
    repository: RepositoryModel,
    deployment: FakeDeployment,
    request: ParsedRequest,
  ): ApiResponse {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const states = ["error", "failure", "inactive", "in_progress", "queued", "pending", "success"];
    if (typeof body.state !== "string" || !states.includes(body.state))
      return json(422, { message: `Invalid request: state must be one of ${states.join(", ")}` });
    if (typeof body.description === "string" && body.description.length > 140)
      return json(422, { message: "Invalid request: description is too long (maximum is 140 characters)" });
    const status = this.addStatus(deployment, {
      state: body.state,
      description: typeof body.description === "string" ? body.description : "",
      environment: typeof body.environment === "string" ? body.environment : deployment.environment,
      environment_url: typeof body.environment_url === "string" ? body.environment_url : "",
      log_url: typeof body.log_url === "string" ? body.log_url : "",
    });
    if (typeof body.environment === "string") deployment.environment = body.environment;
    // auto_inactive (default true): a success makes earlier deployments to the environment inactive.
    if (body.state === "success" && body.auto_inactive !== false) {
      for (const other of this.deployments) {
        if (
          other === deployment ||
          other.repository !== repository.fullName ||
          other.environment !== deployment.environment
        )
          continue;
        if (other.transient_environment || other.production_environment) continue;
        if (other.statuses.at(-1)?.state === "inactive") continue;
        this.addStatus(other, {
          state: "inactive",
          description: "",
          environment: other.environment,
          environment_url: "",
          log_url: "",
        });
      }
    }
    return json(201, this.statusJson(deployment, status, request));
  }

  private addStatus(
    deployment: FakeDeployment,
    fields: Omit<FakeDeploymentStatus, "id" | "created_at">,
  ): FakeDeploymentStatus {
    const status: FakeDeploymentStatus = { id: this.nextId++, created_at: now(), ...fields };
    deployment.statuses.push(status);
    return status;
  }
}
