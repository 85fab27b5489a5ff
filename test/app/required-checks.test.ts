import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { FakeCheckRun, FakeGitHub } from "../support/fake-github.js";
import type { RunningApp } from "../support/branchline.js";
import type { EmulatedAws } from "../support/aws.js";
import { pushTag, pushToBranch } from "../support/payloads.js";
import { A, closeScene, CONFIG, givenRepository, openScene } from "../support/scenario.js";

/** CI's own App (by id) and a Jenkins status context are required; another App's "ci / test" is not evidence. */
const REQUIRE = `${CONFIG}production:\n  requireChecks:\n    - checkRun: "ci / test"\n      app: 777\n    - status: jenkins/build\n`;

let aws: EmulatedAws;
let github: FakeGitHub;
let app: RunningApp;

beforeEach(async () => ({ aws, github, app } = await openScene()));
afterEach(async () => closeScene({ aws, github, app }));

async function stagingRan(commit: string): Promise<void> {
  github.ref("main", commit);
  await app.deliver("push", pushToBranch("main", commit));
  await app.settle();
}

async function release(tag: string, commit: string): Promise<FakeCheckRun> {
  github.ref(`refs/tags/${tag}`, commit);
  await app.deliver("push", pushTag(tag, commit));
  await app.settle();
  return github
    .checkRunsFor(commit)
    .filter((c) => c.name === "branchline: production")
    .at(-1)!;
}

describe("production.requireChecks, through the webhook path", () => {
  it("refuses a release whose required check passed only in another App's name, listing each unmet one", async () => {
    givenRepository(github, { config: REQUIRE });
    await stagingRan(A);
    github.model.plantCheckRun("octo-org/shop", { name: "ci / test", head_sha: A, app_id: 999, conclusion: "success" });
    github.model.status("octo-org/shop", A, "jenkins/build", "failure");

    const check = await release("v1.0.0", A);
    expect(check).toMatchObject({ status: "completed", conclusion: "failure" });
    expect(check.output.summary).toContain(
      "**required-check**: required check run `ci / test` by App `777` no result from App `777`; the one from `other-app-999` does not count",
    );
    expect(check.output.summary).toContain(
      "**required-check**: required status `jenkins/build` is `failure`, not success",
    );
    expect(github.model.deploymentsFor("octo-org/shop", "production")).toEqual([]);
  });

  it("lists each required check, met or unmet, with who reported it and a link, on the refused release's check run", async () => {
    givenRepository(github, { config: REQUIRE });
    await stagingRan(A);
    const ci = github.model.plantCheckRun("octo-org/shop", {
      name: "ci / test",
      head_sha: A,
      app_id: 777,
      conclusion: "success",
    });
    github.model.status("octo-org/shop", A, "jenkins/build", "failure", "jenkins-bot").target_url =
      "https://jenkins.example/job/shop/5/";

    const check = await release("v1.0.0", A);
    expect(check).toMatchObject({ status: "completed", conclusion: "failure" });
    expect(check.output.summary).toContain("### Required checks (`production.requireChecks`)");
    expect(check.output.summary).toContain(
      `- ✅ **met**: check run \`ci / test\` by App \`777\`: succeeded, reported by App \`other-app-777\` ([details](https://github.com/octo-org/shop/runs/${ci.id}))`,
    );
    expect(check.output.summary).toContain(
      "- ❌ **unmet**: status `jenkins/build`: is `failure`, not success, reported by @jenkins-bot ([details](https://jenkins.example/job/shop/5/))",
    );
  });

  it("deploys once the named App's check run and the status context succeed on the commit", async () => {
    givenRepository(github, { config: REQUIRE });
    await stagingRan(A);
    github.model.plantCheckRun("octo-org/shop", { name: "ci / test", head_sha: A, app_id: 777, conclusion: "success" });
    github.model.status("octo-org/shop", A, "jenkins/build", "success");

    const check = await release("v1.0.0", A);
    expect(check).toMatchObject({ conclusion: "success" });
    // The release that went through still says what verified it.
    expect(check.output.summary).toContain(
      "- ✅ **met**: check run `ci / test` by App `777`: succeeded, reported by App `other-app-777`",
    );
    expect(check.output.summary).toContain("- ✅ **met**: status `jenkins/build`: succeeded, reported by @ci-bot");
  });
});
