import { describe, expect, it } from "vitest";
import { evaluatePromotion } from "../../src/core/promotion.js";
import {
  evaluateRequiredChecks,
  type ObservedCheckRun,
  type ObservedChecks,
  type RequiredCheck,
} from "../../src/core/required-checks.js";

const run = (fields: Partial<ObservedCheckRun>): ObservedCheckRun => ({
  name: "ci / test",
  appSlug: "github-actions",
  appId: 15368,
  status: "completed",
  conclusion: "success",
  url: null,
  ...fields,
});
const CI: RequiredCheck = { kind: "check-run", name: "ci / test", app: "github-actions" };
const JENKINS: RequiredCheck = { kind: "status", context: "jenkins/build" };
const none: ObservedChecks = { checkRuns: [], statuses: [] };

describe("production.requireChecks: only the named App's or context's own results count", () => {
  it.each<[string, RequiredCheck, ObservedChecks, boolean, RegExp]>([
    ["the App's success", CI, { ...none, checkRuns: [run({})] }, true, /succeeded/],
    ["the App named by id", { ...CI, app: "15368" }, { ...none, checkRuns: [run({})] }, true, /succeeded/],
    ["nothing ran", CI, none, false, /has not run/],
    [
      "another App's success of the same name",
      CI,
      { ...none, checkRuns: [run({ appSlug: "impostor", appId: 9 })] },
      false,
      /`impostor` does not count/,
    ],
    [
      "the App's failure beside another's success",
      CI,
      { ...none, checkRuns: [run({ appSlug: "impostor", appId: 9 }), run({ conclusion: "failure" })] },
      false,
      /concluded `failure`/,
    ],
    [
      "still running",
      CI,
      { ...none, checkRuns: [run({ status: "in_progress", conclusion: null })] },
      false,
      /still running/,
    ],
    [
      "a status of the context",
      JENKINS,
      { ...none, statuses: [{ context: "jenkins/build", state: "success", creator: "ci-bot", url: null }] },
      true,
      /succeeded/,
    ],
    [
      "the newest status fails",
      JENKINS,
      {
        ...none,
        statuses: [
          { context: "jenkins/build", state: "failure", creator: "ci-bot", url: null },
          { context: "jenkins/build", state: "success", creator: "ci-bot", url: null },
        ],
      },
      false,
      /`failure`/,
    ],
    [
      "a status from someone other than the named poster",
      { ...JENKINS, creator: "ci-bot" },
      { ...none, statuses: [{ context: "jenkins/build", state: "success", creator: "mallory", url: null }] },
      false,
      /does not count/,
    ],
    ["no status", JENKINS, none, false, /has not been reported/],
  ])("%s", (_name, check, observed, met, detail) => {
    const [result] = evaluateRequiredChecks([check], observed);
    expect(result!.met).toBe(met);
    expect(result!.detail).toMatch(detail);
  });

  it("an unmet required check refuses promotion, naming it; missing facts fail closed", () => {
    const criteria = { requireOnDefaultBranch: false, requireStagingSuccess: false, requiredChecks: [CI, JENKINS] };
    const facts = { tag: "v1", commit: "a".repeat(40), defaultBranch: "main", actor: "alice" };
    const results = evaluateRequiredChecks([CI, JENKINS], { checkRuns: [run({})], statuses: [] });
    const decision = evaluatePromotion(criteria, { ...facts, requiredChecks: results });
    expect(decision).toMatchObject({
      allowed: false,
      unmet: [
        {
          criterion: "required-check",
          message: expect.stringContaining("status `jenkins/build` has not been reported"),
        },
      ],
    });
    expect(evaluatePromotion(criteria, facts)).toMatchObject({
      allowed: false,
      unmet: [{ criterion: "required-check", message: expect.stringContaining("could not be determined") }],
    });
    const allMet = evaluateRequiredChecks([CI, JENKINS], {
      checkRuns: [run({})],
      statuses: [{ context: "jenkins/build", state: "success", creator: null, url: null }],
    });
    expect(evaluatePromotion(criteria, { ...facts, requiredChecks: allMet })).toEqual({ allowed: true });
  });
});
