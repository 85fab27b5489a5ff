import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { jobFromCreate, jobFromDelete, jobFromPush } from "../../src/webhooks/ref-events.js";

type PushPayload = Parameters<typeof jobFromPush>[1];
type CreatePayload = Parameters<typeof jobFromCreate>[1];
type DeletePayload = Parameters<typeof jobFromDelete>[1];

type Json = Record<string, unknown>;
type Example = Json & { repository: Json & { owner: Json }; installation?: Json };

/**
 * GitHub's own payloads (@octokit/webhooks-examples). Read with JSON.parse rather than
 * `import ... with { type: "json" }`: vitest turns a 4 MB JSON import into a module, which costs
 * seconds; parsing it costs milliseconds. The data is the same.
 */
const examples: unknown = JSON.parse(
  readFileSync(createRequire(import.meta.url).resolve("@octokit/webhooks-examples/api.github.com/index.json"), "utf8"),
);

const DELIVERY = "72d3162e-cc78-11e3-81ab-4c9367dc0958";
const INSTALLATION = { id: 4242, node_id: "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uNDI0Mg==" };
const ZERO = "0".repeat(40);
const COMMIT = "6113728f27ae82c7b1a177c8d03f9e96e0adf246";
const TAG_OBJECT = "9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b";

/** A real example payload from @octokit/webhooks-examples, copied so each test may adjust it. */
function example(name: string, pick: (e: Json) => boolean = () => true): Example {
  const family = (examples as unknown as { name: string; examples: Json[] }[]).find((e) => e.name === name);
  const found = family?.examples.find(pick);
  if (!found) throw new Error(`@octokit/webhooks-examples has no matching ${name} example`);
  return structuredClone(found) as Example;
}

const WEB_APP_ID = 4711;

/** The example's repository as `octo-org/web-app` with default branch `trunk`, and an installation. */
function adjusted(payload: Example, { installation = true } = {}): Example {
  payload.repository.id = WEB_APP_ID;
  payload.repository.name = "web-app";
  payload.repository.full_name = "octo-org/web-app";
  payload.repository.owner.login = "octo-org";
  payload.repository.default_branch = "trunk";
  payload.repository.fork = false;
  if (installation) payload.installation = { ...INSTALLATION };
  else delete payload.installation;
  return payload;
}

const realPush = () => example("push", (e) => e.deleted === false && String(e.ref).startsWith("refs/heads/"));
const realTagPush = () => example("push", (e) => e.deleted === false && String(e.ref).startsWith("refs/tags/"));
const realDeletedPush = () => example("push", (e) => e.deleted === true);

function push(ref: string, over: Json = {}, options = {}): PushPayload {
  const payload = adjusted(realPush(), options);
  Object.assign(payload, { ref, after: COMMIT, head_commit: { ...(payload.head_commit as Json), id: COMMIT } }, over);
  return payload as unknown as PushPayload;
}

function create(refType: "branch" | "tag", ref: string, options = {}): CreatePayload {
  const payload = adjusted(example("create"), options);
  Object.assign(payload, { ref, ref_type: refType });
  return payload as unknown as CreatePayload;
}

function remove(refType: "branch" | "tag", ref: string, options = {}): DeletePayload {
  const payload = adjusted(example("delete"), options);
  Object.assign(payload, { ref, ref_type: refType });
  return payload as unknown as DeletePayload;
}

const origin = {
  deliveryId: DELIVERY,
  installationId: INSTALLATION.id,
  repo: { owner: "octo-org", name: "web-app", id: WEB_APP_ID },
  defaultBranch: "trunk",
  cause: { kind: "ref" },
  supersedes: [],
};

describe("the example payloads", () => {
  it("are GitHub's own, with the fields these tests rely on", () => {
    const pushed = realPush();
    expect(pushed.ref).toBe("refs/heads/master");
    expect(pushed.after).toMatch(/^[0-9a-f]{40}$/);
    expect(realDeletedPush().after).toBe(ZERO);
    expect(realTagPush().ref).toMatch(/^refs\/tags\//);
    expect(example("create").ref_type).toBe("tag");
    expect(example("delete").ref_type).toBe("tag");
  });
});

describe("jobFromPush", () => {
  it("GitHub's example push to the default branch becomes a job for that branch at `after`", () => {
    const payload = realPush();
    payload.installation = { ...INSTALLATION };
    const job = jobFromPush(DELIVERY, payload as unknown as PushPayload);
    expect(job).toEqual({
      deliveryId: DELIVERY,
      installationId: INSTALLATION.id,
      repo: { owner: "Codertocat", name: "Hello-World", id: Number(payload.repository.id) },
      defaultBranch: "master",
      event: { kind: "updated", ref: { type: "branch", name: "master" }, commit: payload.after },
      cause: { kind: "ref" },
      supersedes: [],
    });
  });

  it.each<[string, string, Json]>([
    ["a push to a branch", "refs/heads/feature/login", {}],
    ["a push creating a branch", "refs/heads/feature/login", { created: true, before: ZERO }],
    ["a forced push", "refs/heads/feature/login", { forced: true }],
    ["a push to the default branch", "refs/heads/trunk", {}],
    ["a push to a branch named v1.2.3", "refs/heads/v1.2.3", {}],
  ])("%s → updated at `after`", (_, ref, over) => {
    expect(jobFromPush(DELIVERY, push(ref, over))).toEqual({
      ...origin,
      event: { kind: "updated", ref: { type: "branch", name: ref.slice("refs/heads/".length) }, commit: COMMIT },
    });
  });

  it("a branch push takes `after`, even when head_commit is null (a push of no new commits)", () => {
    const job = jobFromPush(DELIVERY, push("refs/heads/x", { head_commit: null, commits: [] }));
    expect(job?.event).toEqual({ kind: "updated", ref: { type: "branch", name: "x" }, commit: COMMIT });
  });

  it("GitHub's example tag push becomes an updated tag at its commit", () => {
    const payload = adjusted(realTagPush());
    const job = jobFromPush(DELIVERY, payload as unknown as PushPayload);
    expect(job?.event).toEqual({
      kind: "updated",
      ref: { type: "tag", name: "simple-tag" },
      commit: (payload.head_commit as Json).id,
    });
  });

  it("an annotated tag push takes the commit from head_commit, not `after` (the tag object)", () => {
    const job = jobFromPush(DELIVERY, push("refs/tags/v1.2.3", { after: TAG_OBJECT, created: true }));
    expect(job?.event).toEqual({ kind: "updated", ref: { type: "tag", name: "v1.2.3" }, commit: COMMIT });
  });

  it("a tag push without head_commit leaves the commit to be read later", () => {
    const job = jobFromPush(DELIVERY, push("refs/tags/v1.2.3", { after: TAG_OBJECT, head_commit: null }));
    expect(job?.event).toEqual({ kind: "updated", ref: { type: "tag", name: "v1.2.3" }, commit: null });
  });

  it("GitHub's example deleted push (after = forty zeros) becomes a deleted ref", () => {
    const payload = adjusted(realDeletedPush());
    const job = jobFromPush(DELIVERY, payload as unknown as PushPayload);
    expect(job?.event).toEqual({ kind: "deleted", ref: { type: "tag", name: "simple-tag" } });
  });

  it.each<[string, Json]>([
    ["deleted: true", { deleted: true, after: ZERO, head_commit: null }],
    ["after = forty zeros alone", { deleted: false, after: ZERO, head_commit: null }],
    ["deleted: true with a stale after", { deleted: true }],
  ])("a deleted branch (%s) becomes a deleted ref", (_, over) => {
    expect(jobFromPush(DELIVERY, push("refs/heads/feature/login", over))?.event).toEqual({
      kind: "deleted",
      ref: { type: "branch", name: "feature/login" },
    });
  });

  it.each(["refs/pull/1/head", "refs/notes/commits", "refs/remotes/origin/x", "master"])(
    "ignores a push to %j, not a branch or tag",
    (ref) => {
      expect(jobFromPush(DELIVERY, push(ref))).toBeNull();
    },
  );

  it("ignores a push without an installation (nothing to act with)", () => {
    expect(jobFromPush(DELIVERY, push("refs/heads/x", {}, { installation: false }))).toBeNull();
    const original = realDeletedPush();
    expect(original.installation).toBeUndefined();
    expect(jobFromPush(DELIVERY, original as unknown as PushPayload)).toBeNull();
  });

  it("ignores a push to a fork", () => {
    const payload = push("refs/heads/x") as unknown as Example;
    payload.repository.fork = true;
    expect(jobFromPush(DELIVERY, payload as unknown as PushPayload)).toBeNull();
  });

  it("keeps the delivery id and the installation", () => {
    const job = jobFromPush("another-delivery", push("refs/heads/x"));
    expect(job?.deliveryId).toBe("another-delivery");
    expect(job?.installationId).toBe(INSTALLATION.id);
    expect(job?.supersedes).toEqual([]);
  });
});

describe("jobFromCreate", () => {
  it("GitHub's example create of a tag becomes an updated tag, its commit read later", () => {
    const payload = example("create", (e) => e.installation !== undefined);
    const job = jobFromCreate(DELIVERY, payload as unknown as CreatePayload);
    expect(job).toEqual({
      deliveryId: DELIVERY,
      installationId: (payload.installation as { id: number }).id,
      repo: { owner: "Codertocat", name: "Hello-World", id: Number(payload.repository.id) },
      defaultBranch: "master",
      event: { kind: "updated", ref: { type: "tag", name: "simple-tag" }, commit: null },
      cause: { kind: "ref" },
      supersedes: [],
    });
  });

  it.each<["branch" | "tag", string]>([
    ["branch", "feature/login"],
    ["branch", "v1.2.3"],
    ["tag", "v1.2.3"],
    ["tag", "release/2024"],
  ])("a created %s %j → updated, commit null (the ref is short, not refs/...)", (type, name) => {
    expect(jobFromCreate(DELIVERY, create(type, name))).toEqual({
      ...origin,
      event: { kind: "updated", ref: { type, name }, commit: null },
    });
  });

  it("ignores a create without an installation, or in a fork", () => {
    expect(jobFromCreate(DELIVERY, create("branch", "x", { installation: false }))).toBeNull();
    const fork = create("branch", "x") as unknown as Example;
    fork.repository.fork = true;
    expect(jobFromCreate(DELIVERY, fork as unknown as CreatePayload)).toBeNull();
  });
});

describe("jobFromDelete", () => {
  it("GitHub's example delete of a tag becomes a deleted tag", () => {
    const payload = example("delete", (e) => e.installation !== undefined);
    expect(jobFromDelete(DELIVERY, payload as unknown as DeletePayload)?.event).toEqual({
      kind: "deleted",
      ref: { type: "tag", name: "simple-tag" },
    });
  });

  it.each<["branch" | "tag", string]>([
    ["branch", "feature/login"],
    ["branch", "trunk"],
    ["tag", "v1.2.3"],
  ])("a deleted %s %j → deleted", (type, name) => {
    expect(jobFromDelete(DELIVERY, remove(type, name))).toEqual({
      ...origin,
      event: { kind: "deleted", ref: { type, name } },
    });
  });

  it("ignores a delete without an installation, or in a fork", () => {
    expect(jobFromDelete(DELIVERY, remove("branch", "x", { installation: false }))).toBeNull();
    const fork = remove("branch", "x") as unknown as Example;
    fork.repository.fork = true;
    expect(jobFromDelete(DELIVERY, fork as unknown as DeletePayload)).toBeNull();
  });
});
