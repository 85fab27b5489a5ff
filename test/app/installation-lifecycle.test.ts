import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { RunningApp } from "../support/branchline.js";
import { allStacks, callCount, pinnedCommits, tagsOf, type EmulatedAws } from "../support/aws.js";
import type { FakeGitHub } from "../support/fake-github.js";
import { INSTALLATION_ID, installationEvent, installationRepositoriesEvent } from "../support/payloads.js";
import {
  A,
  B,
  C,
  closeScene,
  CONFIG,
  givenRepository,
  openScene,
  pipelineOf,
  TEMPLATE,
  TEMPLATE_PATH,
} from "../support/scenario.js";

let aws: EmulatedAws;
let github: FakeGitHub;
let app: RunningApp;

beforeEach(async () => {
  ({ aws, github, app } = await openScene());
  givenRepository(github);
});

afterEach(() => closeScene({ aws, github, app }));

/** Another repository of the organisation, configured like `shop` unless `config` is null. */
function anotherRepository(name: string, options: { config?: string | null } = {}) {
  const repository = github.model.repository("octo-org", name);
  if (options.config !== null) repository.file("main", ".github/branchline.yml", options.config ?? CONFIG);
  for (const commit of [A, B, C]) repository.file(commit, TEMPLATE_PATH, TEMPLATE);
  return repository;
}

async function stacksByRepository(): Promise<Record<string, string[]>> {
  const found: Record<string, string[]> = {};
  for (const stack of await allStacks(aws.clients)) {
    const tags = tagsOf(stack);
    (found[tags["branchline:repository"]!] ??= []).push(tags["branchline:ref"]!);
  }
  for (const refs of Object.values(found)) refs.sort();
  return found;
}

async function deliver(name: string, payload: unknown) {
  await app.deliver(name, payload);
  await app.settle();
}

describe("the App installed on an organisation", () => {
  it("sets up every configured repository at once, as its branches.include says, and leaves one without config alone", async () => {
    github.repository.branch("main", A).branch("feature/x", B).branch("dependabot/npm", C);
    github.file("main", ".github/branchline.yml", `${CONFIG}branches:\n  exclude: ["dependabot/**"]\n`);
    anotherRepository("web").branch("main", B);
    anotherRepository("quiet", { config: null }).branch("main", A).branch("feature/y", B);
    github.model.installations[0]!.repositories = ["octo-org/shop", "octo-org/web", "octo-org/quiet"];

    await deliver(
      "installation",
      installationEvent("created", {
        repositories: [
          { id: 1, owner: "octo-org", name: "shop" },
          { id: 2, owner: "octo-org", name: "web" },
          { id: 3, owner: "octo-org", name: "quiet" },
        ],
      }),
    );

    expect(await stacksByRepository()).toEqual({
      "octo-org/shop": ["refs/heads/feature/x", "refs/heads/main"],
      "octo-org/web": ["refs/heads/main"],
    });
    // The check runs say what was set up: staging on each default branch's head, the included branch.
    expect(github.checkRunsFor(A).map((c) => [c.name, c.conclusion])).toEqual([["branchline: staging", "success"]]);
    expect(github.model.checkRunsFor(B, "octo-org/web").map((c) => [c.name, c.conclusion])).toEqual([
      ["branchline: staging", "success"],
    ]);
    expect(github.checkRunsFor(B).map((c) => [c.name, c.conclusion])).toEqual([
      ["branchline: branch/feature/x", "success"],
    ]);
    expect(github.checkRunsFor(C)).toEqual([]);
    expect(github.model.checkRunsFor(A, "octo-org/quiet")).toEqual([]);
  });

  it("sets up a repository added to the installation, and only that one", async () => {
    github.repository.branch("main", A);
    await app.reconciler.pass({ reportOnly: false });
    await app.settle();
    aws.emulator.control.resetCalls();
    anotherRepository("web").branch("main", B).branch("feature/z", C);
    github.model.installations[0]!.repositories = ["octo-org/shop", "octo-org/web"];

    await deliver(
      "installation_repositories",
      installationRepositoriesEvent("added", [{ id: 2, owner: "octo-org", name: "web" }]),
    );

    expect((await stacksByRepository())["octo-org/web"]).toEqual(["refs/heads/feature/z", "refs/heads/main"]);
    expect(callCount(aws, "cloudformation", "CreateChangeSet")).toBe(2);
    expect(github.model.checkRunsFor(C, "octo-org/web")[0]).toMatchObject({
      name: "branchline: branch/feature/z",
      conclusion: "success",
    });
  });
});

describe("the App uninstalled, suspended, or a repository removed from it", () => {
  beforeEach(async () => {
    github.repository.branch("main", A).branch("feature/x", B);
    await app.reconciler.pass({ reportOnly: false });
    await app.settle();
    expect(Object.values(await stacksByRepository()).flat()).toHaveLength(2);
    aws.emulator.control.resetCalls();
  });

  async function states(): Promise<(string | undefined)[]> {
    return (await allStacks(aws.clients)).map((s) => tagsOf(s)["branchline:repository-state"]);
  }

  it("deletes nothing on uninstall, marks the stacks unowned, and a re-install takes them up with nothing recreated", async () => {
    github.model.uninstall(INSTALLATION_ID);
    await deliver("installation", installationEvent("deleted"));

    expect(callCount(aws, "cloudformation", "DeleteStack")).toBe(0);
    expect(await states()).toEqual(["unowned", "unowned"]);
    expect(app.logs.some((line) => line.includes("stack marked unowned"))).toBe(true);

    // GitHub gives a re-installation a new id; the stacks never knew the old one.
    github.model.install(INSTALLATION_ID + 1, "octo-org", ["octo-org/shop"]);
    aws.emulator.control.resetCalls();
    await deliver(
      "installation",
      installationEvent("created", {
        id: INSTALLATION_ID + 1,
        repositories: [{ id: 1, owner: "octo-org", name: "shop" }],
      }),
    );

    expect(await states()).toEqual([undefined, undefined]);
    expect(callCount(aws, "cloudformation", "CreateChangeSet")).toBe(0);
    expect(callCount(aws, "cloudformation", "DeleteStack")).toBe(0);
    expect(callCount(aws, "codepipeline", "StartPipelineExecution")).toBe(0);
    const staging = (await allStacks(aws.clients)).find((s) => tagsOf(s)["branchline:environment"] === "staging")!;
    expect(await pinnedCommits(aws.clients, pipelineOf(staging))).toEqual([A]);
  });

  it("marks the stacks unowned on suspend and follows git again on unsuspend", async () => {
    github.model.installations[0]!.suspended = true;
    await deliver("installation", installationEvent("suspend"));
    expect(await states()).toEqual(["unowned", "unowned"]);

    github.model.installations[0]!.suspended = false;
    github.repository.branch("feature/x", C);
    await deliver("installation", installationEvent("unsuspend"));
    expect(await states()).toEqual([undefined, undefined]);
    // Followed again, a push missed meanwhile is deployed.
    const feature = (await allStacks(aws.clients)).find((s) => tagsOf(s)["branchline:ref"] === "refs/heads/feature/x")!;
    expect(await pinnedCommits(aws.clients, pipelineOf(feature))).toEqual([B, C]);
  });

  it("marks a removed repository unowned, and not while GitHub says the App still has it", async () => {
    await deliver(
      "installation_repositories",
      installationRepositoriesEvent("removed", [{ id: 1, owner: "octo-org", name: "shop" }]),
    );
    expect(await states()).toEqual([undefined, undefined]);

    github.model.installations[0]!.repositories = [];
    await deliver(
      "installation_repositories",
      installationRepositoriesEvent("removed", [{ id: 1, owner: "octo-org", name: "shop" }]),
    );
    expect(await states()).toEqual(["unowned", "unowned"]);
    expect(callCount(aws, "cloudformation", "DeleteStack")).toBe(0);
  });

  it("a reconcile pass marks the stacks of a repository no installation covers, when the event was lost", async () => {
    github.model.installations[0]!.repositories = [];
    const summary = await app.reconciler.pass({ reportOnly: false });
    await app.settle();
    expect(summary.actions.map((a) => a.kind)).toEqual(["mark", "mark", "keep"]);
    expect(await states()).toEqual(["unowned", "unowned"]);
  });
});
