import nock from "nock";

/** A check run as the fake GitHub holds it, with every state it went through. */
export interface FakeCheckRun {
  id: number;
  name: string;
  head_sha: string;
  status: string;
  conclusion: string | null;
  external_id: string | null;
  details_url: string | null;
  output: { title: string; summary: string; text?: string };
  history: { status: string; conclusion: string | null; title: string }[];
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly body: unknown;
}

const API = "https://api.github.com";

/**
 * GitHub as branchline sees it, answered through nock: files at refs, commits, check runs. It holds
 * state, so tests read outcomes ("the check run completed with success") rather than call order.
 * Any request it does not know is recorded in `unexpected` and answered 501, and `assertClean()`
 * fails the test on it.
 */
export class FakeGitHub {
  readonly requests: RecordedRequest[] = [];
  readonly unexpected: string[] = [];
  readonly checkRuns: FakeCheckRun[] = [];
  private readonly files = new Map<string, string>();
  private readonly refs = new Map<string, string>();
  private nextId = 1000;
  private readonly onNoMatch = (req: Request) => {
    // Loopback traffic (the AWS emulator) passes through nock too; only GitHub's is ours to judge.
    if (req.url.startsWith(API)) this.unexpected.push(`${req.method} ${req.url}`);
  };

  constructor(readonly owner: string, readonly repo: string) {}

  /** A file's content at a ref (branch name, tag or commit sha). */
  file(ref: string, path: string, content: string): this {
    this.files.set(`${this.owner}/${this.repo}@${ref}:${path}`, content);
    return this;
  }

  /** What `GET /repos/{o}/{r}/commits/{ref}` answers. */
  ref(ref: string, sha: string): this {
    this.refs.set(ref, sha);
    return this;
  }

  checkRunsFor(sha: string): FakeCheckRun[] {
    return this.checkRuns.filter((c) => c.head_sha === sha);
  }

  calls(method: string, pattern: RegExp): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method && pattern.test(r.path));
  }

  install(): this {
    nock.disableNetConnect();
    nock.enableNetConnect(/^(127\.0\.0\.1|localhost)(:\d+)?$/);
    nock.emitter.on("no match", this.onNoMatch);
    const scope = nock(API).persist();
    const answer =
      (method: string, handler: (request: RecordedRequest) => [number, unknown]) =>
      async (req: Request): Promise<[number, unknown]> => {
        const text = method === "GET" ? "" : await req.text();
        const url = new URL(req.url);
        const request = { method, path: url.pathname + url.search, body: text ? JSON.parse(text) : undefined };
        this.requests.push(request);
        return handler(request);
      };
    scope.post(/^\/app\/installations\/\d+\/access_tokens$/).reply(
      answer("POST", () => [201, { token: "ghs_installation_token_for_tests", expires_at: new Date(Date.now() + 3600_000).toISOString(), permissions: {} }]),
    );
    scope.get(/^\/repos\/[^/]+\/[^/]+\/contents\/.+/).query(true).reply(answer("GET", (r) => this.answerContents(r)));
    scope.get(/^\/repos\/[^/]+\/[^/]+\/commits\/[^/]+\/check-runs/).query(true).reply(answer("GET", (r) => this.answerListCheckRuns(r)));
    scope.get(/^\/repos\/[^/]+\/[^/]+\/commits\/[^/?]+$/).query(true).reply(answer("GET", (r) => this.answerCommit(r)));
    scope.post(/^\/repos\/[^/]+\/[^/]+\/check-runs$/).reply(answer("POST", (r) => this.answerCreateCheckRun(r)));
    scope.patch(/^\/repos\/[^/]+\/[^/]+\/check-runs\/\d+$/).reply(answer("PATCH", (r) => this.answerUpdateCheckRun(r)));
    return this;
  }

  /** Fails the test if branchline asked GitHub anything the fake does not model. */
  assertClean(): void {
    nock.emitter.removeListener("no match", this.onNoMatch);
    nock.cleanAll();
    if (this.unexpected.length > 0) throw new Error(`unexpected GitHub requests:\n${this.unexpected.join("\n")}`);
  }

  private answerContents(request: RecordedRequest): [number, unknown] {
    const url = new URL(request.path, API);
    const [, , owner, repo, , ...rest] = url.pathname.split("/");
    const path = decodeURIComponent(rest.join("/"));
    const ref = url.searchParams.get("ref") ?? "HEAD";
    const content = this.files.get(`${owner}/${repo}@${ref}:${path}`);
    return content === undefined ? [404, { message: "Not Found" }] : [200, content];
  }

  private answerCommit(request: RecordedRequest): [number, unknown] {
    const ref = decodeURIComponent(new URL(request.path, API).pathname.split("/")[5] ?? "");
    const sha = this.refs.get(ref) ?? this.refs.get(ref.replace(/^refs\/(heads|tags)\//, ""));
    return sha === undefined ? [404, { message: "No commit found for SHA" }] : [200, { sha }];
  }

  private answerListCheckRuns(request: RecordedRequest): [number, unknown] {
    const url = new URL(request.path, API);
    const sha = url.pathname.split("/")[5];
    const name = url.searchParams.get("check_name");
    const runs = this.checkRuns.filter((c) => c.head_sha === sha && (name === null || c.name === name)).reverse();
    return [200, { total_count: runs.length, check_runs: runs }];
  }

  private answerCreateCheckRun(request: RecordedRequest): [number, unknown] {
    const body = request.body as Record<string, unknown>;
    const run: FakeCheckRun = {
      id: this.nextId++,
      name: String(body.name),
      head_sha: String(body.head_sha),
      status: String(body.status ?? "queued"),
      conclusion: (body.conclusion as string | undefined) ?? null,
      external_id: (body.external_id as string | undefined) ?? null,
      details_url: (body.details_url as string | undefined) ?? null,
      output: body.output as FakeCheckRun["output"],
      history: [],
    };
    run.history.push({ status: run.status, conclusion: run.conclusion, title: run.output?.title ?? "" });
    this.checkRuns.push(run);
    return [201, run];
  }

  private answerUpdateCheckRun(request: RecordedRequest): [number, unknown] {
    const id = Number(new URL(request.path, API).pathname.split("/").pop());
    const run = this.checkRuns.find((c) => c.id === id);
    if (!run) return [404, { message: "Not Found" }];
    const body = request.body as Record<string, unknown>;
    if (body.status !== undefined) run.status = String(body.status);
    if (body.conclusion !== undefined) run.conclusion = String(body.conclusion);
    if (body.external_id !== undefined) run.external_id = String(body.external_id);
    if (body.details_url !== undefined) run.details_url = String(body.details_url);
    if (body.output !== undefined) run.output = body.output as FakeCheckRun["output"];
    run.history.push({ status: run.status, conclusion: run.conclusion, title: run.output?.title ?? "" });
    return [200, run];
  }
}
