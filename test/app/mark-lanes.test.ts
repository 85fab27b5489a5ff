import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startBranchline, type RunningApp } from "../support/branchline.js";
import { allStacks, emulatedAws, tagsOf, type EmulatedAws } from "../support/aws.js";
import { FakeGitHub } from "../support/fake-github.js";
import { installationRepositoriesEvent, pushToBranch } from "../support/payloads.js";
import { eventually } from "../support/processes.js";
import { A, B, C, closeScene, givenRepository, TEMPLATE, TEMPLATE_PATH } from "../support/scenario.js";

let aws: EmulatedAws;
let github: FakeGitHub;
let app: RunningApp;

beforeEach(async () => {
  // Stack operations slow enough that a mark can arrive while staging's update is under way.
  aws = await emulatedAws({ timing: { stackOperationMs: 1_500, changeSetMs: 20, actionMs: 20 } });
  github = new FakeGitHub("octo-org", "shop").install();
  app = await startBranchline(aws.clients);
  givenRepository(github, { commits: [A, B] });
  // C changes the pipeline template: its deploy is a stack update, not only a run.
  github.file(C, TEMPLATE_PATH, TEMPLATE.replace("Status: Enabled", "Status: Suspended"));
  github.repository.branch("main", A);
  await app.deliver("push", pushToBranch("main", A));
  await app.settle();
});

afterEach(() => closeScene({ aws, github, app }));

async function staging() {
  return (await allStacks(aws.clients)).find((s) => tagsOf(s)["branchline:environment"] === "staging")!;
}

describe("a stack's mark and a deploy of its environment at once", () => {
  it("go one after the other in the environment's lane: the deploy completes and the mark is not lost", async () => {
    github.repository.branch("main", C);
    await app.deliver("push", pushToBranch("main", C));
    await eventually(
      async () => ((await staging()).StackStatus === "UPDATE_IN_PROGRESS" ? true : undefined),
      30_000,
      "staging's update under way",
    );

    // The repository leaves the installation: GitHub answers the App 404 for it from now on.
    github.model.installations[0]!.repositories = [];
    await app.deliver(
      "installation_repositories",
      installationRepositoriesEvent("removed", [{ id: github.repository.id, owner: "octo-org", name: "shop" }]),
    );
    await app.settle();

    const stack = await staging();
    expect(stack.StackStatus).toBe("UPDATE_COMPLETE");
    expect(tagsOf(stack)["branchline:repository-state"]).toBe("unowned");
    expect(app.logs.some((line) => line.includes("stack marked unowned"))).toBe(true);
  });
});
