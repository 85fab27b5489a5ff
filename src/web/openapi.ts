/**
 * The REST API's OpenAPI description (3.1, JSON Schema 2020-12), served at
 * /branchline/api/v1/openapi.json. The API tests validate every answer against it.
 */
type Schema = Record<string, unknown>;

const str: Schema = { type: "string" };
const nstr: Schema = { type: ["string", "null"] };
const int: Schema = { type: "integer" };
const bool: Schema = { type: "boolean" };
const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const obj = (properties: Record<string, Schema>, optional: readonly string[] = []): Schema => ({
  type: "object",
  properties,
  required: Object.keys(properties).filter((k) => !optional.includes(k)),
});
const arr = (items: Schema): Schema => ({ type: "array", items });
const described = (schema: Schema, description: string): Schema => ({ ...schema, description });
const WHO =
  "Who caused the run, as branchline recorded it on the GitHub deployment its own App created (deployments by anyone else are ignored): the push's sender, the person who pressed a button, or `branchline (rollback)`; null when no person asked (branchline's reconciler found the ref) or no deployment of branchline's records the run.";

const schemas: Record<string, Schema> = {
  Error: obj({ error: str }),
  Me: obj({ login: str, sandbox: bool }),
  Repos: obj({
    login: str,
    sandbox: bool,
    installations: arr(
      obj({ id: int, account: str, repositories: arr(obj({ owner: str, name: str, fullName: str, private: bool })) }),
    ),
  }),
  RunSummary: obj({ executionId: str, status: str, commit: nstr, trigger: nstr, startedAt: nstr, updatedAt: nstr }),
  Environment: obj({
    label: str,
    kind: { enum: ["branch", "staging", "production"] },
    ref: str,
    stack: obj({ name: str, status: str, condition: str, updatedAt: nstr }),
    pipeline: str,
    commit: nstr,
    message: described(
      nstr,
      "The commit's first message line as GitHub has it (read for all environments in one GraphQL query, then held: a commit's message never changes); null when unknown or no GitHub is connected.",
    ),
    pushedBy: described(nstr, WHO.replace("the run", "the environment's newest run")),
    since: nstr,
    createdAt: described(nstr, "When the environment's stack was created (its age)."),
    lastPushAt: described(
      nstr,
      "Its newest run's start, else its creation: where the `branches.ttl` idle clock starts (as `branchline status` counts it).",
    ),
    expiresAt: described(
      nstr,
      "When `branches.ttl` hibernates or tears down this branch environment if no push comes first (`branchline:keep` and open pull requests aside); null for staging, production, a hibernated environment or no ttl.",
    ),
    hibernated: described(bool, "Hibernated by `branches.ttl`: asleep until the next push."),
    lastRun: { oneOf: [ref("RunSummary"), { type: "null" }] },
    environmentUrl: nstr,
    links: obj({ commit: nstr, deployments: str, stack: str, pipeline: str }),
  }),
  Environments: obj({
    repository: str,
    defaultBranch: str,
    sandbox: bool,
    region: str,
    ttl: described(nstr, "The repository's `branches.ttl`; null when unset."),
    environments: arr(ref("Environment")),
  }),
  LedgerLine: obj({
    executionId: str,
    commit: nstr,
    cause: str,
    who: described(nstr, WHO),
    startedAt: nstr,
    updatedAt: nstr,
    outcome: str,
    rollbackOf: nstr,
    deploymentId: { type: ["integer", "null"] },
  }),
  History: obj({
    repository: str,
    environment: str,
    pipeline: str,
    stack: obj({ name: str, status: str, ref: str }),
    runs: arr(ref("LedgerLine")),
  }),
  LogLine: obj({
    at: str,
    source: { enum: ["pipeline", "build", "stack"] },
    origin: str,
    text: str,
    level: { enum: ["info", "error"] },
  }),
  Run: obj({
    repository: str,
    environment: str,
    pipeline: str,
    executionId: str,
    status: str,
    summary: nstr,
    commit: nstr,
    trigger: nstr,
    startedAt: nstr,
    updatedAt: nstr,
    finished: bool,
    stages: arr(
      obj({
        name: str,
        status: str,
        actions: arr(
          obj({
            name: str,
            category: nstr,
            provider: nstr,
            status: str,
            startedAt: nstr,
            endedAt: nstr,
            summary: nstr,
            externalUrl: nstr,
          }),
        ),
      }),
    ),
    waiting: arr(obj({ stage: str, action: str })),
    log: arr(ref("LogLine")),
  }),
  Readiness: obj({
    repository: str,
    defaultBranch: str,
    unavailable: nstr,
    commits: arr(
      obj({
        commit: str,
        message: str,
        author: nstr,
        committedAt: nstr,
        ready: bool,
        criteria: arr(obj({ key: str, label: str, met: { type: ["boolean", "null"] }, detail: str, url: nstr })),
      }),
    ),
  }),
  ActionResult: obj({
    kind: { enum: ["answered", "refused", "nothing-waiting", "no-config", "submitted", "unavailable"] },
    message: str,
  }),
};

const errors = {
  "401": { description: "No valid GitHub token or session", content: { "application/json": { schema: ref("Error") } } },
  "404": {
    description: "No such repository for this person (or not one they can read), environment or run",
    content: { "application/json": { schema: ref("Error") } },
  },
};
const ok = (schema: string, description: string) => ({
  "200": { description, content: { "application/json": { schema: ref(schema) } } },
  ...errors,
});
const repoParams = [
  { name: "owner", in: "path", required: true, schema: str },
  { name: "repo", in: "path", required: true, schema: str },
];
const envParam = {
  name: "environment",
  in: "path",
  required: true,
  description: "`staging`, `production` or `branch/NAME`, percent-encoded as one segment",
  schema: str,
};
const runParam = { name: "executionId", in: "path", required: true, schema: str };

export const API_PREFIX = "/branchline/api/v1";

export const OPENAPI = {
  openapi: "3.1.0",
  info: {
    title: "branchline",
    version: "1",
    description:
      "Every environment branchline manages, as the web view shows it. Authenticate with a GitHub user token of this App (`Authorization: Bearer TOKEN`) or the web view's session cookie (then POSTs need the `x-csrf-token` header). A person sees only repositories GitHub says they can read; others answer 404.",
  },
  servers: [{ url: API_PREFIX }],
  components: {
    schemas,
    securitySchemes: {
      githubToken: { type: "http", scheme: "bearer" },
      session: { type: "apiKey", in: "cookie", name: "branchline_session" },
    },
  },
  security: [{ githubToken: [] }, { session: [] }],
  paths: {
    "/me": { get: { summary: "Who is asking", responses: ok("Me", "The signed-in person") } },
    "/repos": {
      get: {
        summary: "Installations and repositories the person can read",
        responses: ok("Repos", "Installations with their repositories"),
      },
    },
    "/repos/{owner}/{repo}/environments": {
      get: {
        summary: "A repository's environments",
        parameters: repoParams,
        responses: ok("Environments", "Environments, production and staging first"),
      },
    },
    "/repos/{owner}/{repo}/environments/{environment}/runs": {
      get: {
        summary: "An environment's history (the ledger)",
        parameters: [...repoParams, envParam],
        responses: ok("History", "Runs, newest first"),
      },
    },
    "/repos/{owner}/{repo}/environments/{environment}/runs/{executionId}": {
      get: {
        summary: "One run: stages and the aggregated log",
        parameters: [...repoParams, envParam, runParam],
        responses: ok("Run", "The run"),
      },
    },
    "/repos/{owner}/{repo}/environments/{environment}/runs/{executionId}/{action}": {
      post: {
        summary: "Press a button: approve, reject, rerun, reprovision (the check run buttons' rules)",
        parameters: [
          ...repoParams,
          envParam,
          runParam,
          {
            name: "action",
            in: "path",
            required: true,
            schema: { enum: ["approve", "reject", "rerun", "reprovision"] },
          },
        ],
        responses: {
          ...ok("ActionResult", "What the press did (a refusal is 403)"),
          "403": {
            description: "Refused (not allowed, or a missing CSRF token)",
            content: { "application/json": { schema: ref("ActionResult") } },
          },
        },
      },
    },
    "/repos/{owner}/{repo}/readiness": {
      get: {
        summary: "Production release readiness of the newest default-branch commits",
        parameters: repoParams,
        responses: ok("Readiness", "Commits with criteria met or unmet"),
      },
    },
    "/repos/{owner}/{repo}/events": {
      get: {
        summary: "Server-sent events: `update` when the watched view changed, `end` when a run finished",
        parameters: [
          ...repoParams,
          { name: "environment", in: "query", required: false, schema: str },
          { name: "run", in: "query", required: false, schema: str },
        ],
        responses: {
          "200": { description: "An event stream", content: { "text/event-stream": { schema: str } } },
          ...errors,
        },
      },
    },
  },
} as const;
