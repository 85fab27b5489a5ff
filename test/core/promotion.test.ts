import { describe, expect, it } from "vitest";
import { failurePolicyFor, productionPolicy, type BranchlineConfig } from "../../src/config/schema.js";
import { validateConfig } from "../../src/config/validate.js";
import {
  evaluatePromotion,
  factsNeeded,
  reachabilityFromCompare,
  stagingEvidence,
  type CriterionKey,
  type PromotionCriteria,
  type PromotionFacts,
} from "../../src/core/promotion.js";
import {
  lastGoodRelease,
  reactToRunEnd,
  type FailurePolicyName,
  type LedgerEntry,
} from "../../src/core/run-failure.js";
import {
  describeApprovers,
  effectiveMinimumPermission,
  mayApprove,
  type ApproverRules,
} from "../../src/core/approvers.js";
import {
  approvalActions,
  renderCheckRun,
  waitingApproval,
  type EnvironmentTarget,
} from "../../src/report/environment-report.js";
import type { RunDetails } from "../../src/core/run-snapshot.js";
import type { EnvironmentNames } from "../../src/core/naming.js";

const SHA = "a".repeat(40);
const OTHER = "b".repeat(40);
const THIRD = "c".repeat(40);

const DEFAULT_CRITERIA: PromotionCriteria = { requireOnDefaultBranch: true, requireStagingSuccess: true };
const GOOD: PromotionFacts = {
  tag: "v1.2.0",
  commit: SHA,
  defaultBranch: "main",
  actor: "alice",
  reachability: "reachable",
  staging: { kind: "succeeded" },
  actorTeams: [],
};

function unmet(criteria: PromotionCriteria, facts: Partial<PromotionFacts>): CriterionKey[] {
  const decision = evaluatePromotion(criteria, { ...GOOD, ...facts });
  return decision.allowed ? [] : decision.unmet.map((u) => u.criterion);
}

describe("config: production, onFailure and notifications", () => {
  function valid(raw: unknown): BranchlineConfig {
    const result = validateConfig(raw);
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    return result.config;
  }

  it("defaults: on the default branch and staging success required, no tag or actor limits, approval optional, approvers maintain+", () => {
    const policy = productionPolicy(valid({}));
    expect(policy).toEqual({
      requireOnDefaultBranch: true,
      requireStagingSuccess: true,
      requireChecks: [],
      approval: { required: false, approvers: { users: [], teams: [] } },
    });
    expect(effectiveMinimumPermission(policy.approval.approvers)).toBe("maintain");
  });

  it.each<["branch" | "staging" | "production", FailurePolicyName]>([
    ["branch", "record"],
    ["staging", "webhook"],
    ["production", "webhook"],
  ])("onFailure.%s defaults to %s", (kind, policy) => {
    expect(failurePolicyFor(valid({}), kind)).toBe(policy);
  });

  it("keeps what is written, logins and teams in lower case, one tag pattern as a list", () => {
    const config = valid({
      production: {
        requireStagingSuccess: false,
        allowedTags: "v*",
        allowedActors: { users: ["Alice"], teams: ["Release-Managers", "other-org/ops"] },
        requireChecks: [
          { checkRun: "ci / test", app: "github-actions" },
          { checkRun: "e2e", app: 15368 },
          { status: "jenkins/build", creator: "CI-Bot" },
        ],
        approval: { required: true, approvers: { users: ["Bob"], minimumPermission: "admin" } },
      },
      onFailure: { production: "redeploy-last-good" },
    });
    expect(productionPolicy(config)).toEqual({
      requireOnDefaultBranch: true,
      requireStagingSuccess: false,
      allowedTags: ["v*"],
      allowedActors: { users: ["alice"], teams: ["release-managers", "other-org/ops"] },
      requireChecks: [
        { checkRun: "ci / test", app: "github-actions" },
        { checkRun: "e2e", app: "15368" },
        { status: "jenkins/build", creator: "ci-bot" },
      ],
      approval: { required: true, approvers: { users: ["bob"], teams: [], minimumPermission: "admin" } },
    });
    expect(failurePolicyFor(config, "production")).toBe("redeploy-last-good");
    expect(failurePolicyFor(config, "staging")).toBe("webhook");
  });

  it.each<[string, unknown, string]>([
    ["an unknown production field", { production: { requireStaging: true } }, "production.requireStaging"],
    ["an unknown failure policy", { onFailure: { production: "rollback" } }, "onFailure.production"],
    ["a login with a space", { production: { allowedActors: { users: ["a b"] } } }, "production.allowedActors.users.0"],
    [
      "a required check without its App",
      { production: { requireChecks: [{ checkRun: "ci / test" }] } },
      "production.requireChecks.0.app",
    ],
    [
      "an unknown permission",
      { production: { approval: { approvers: { minimumPermission: "owner" } } } },
      "production.approval.approvers.minimumPermission",
    ],
    [
      "a plain-http sink",
      {
        notifications: {
          sinks: [{ type: "webhook", url: "http://hooks.example.com/x", secretEnv: "BRANCHLINE_SINK_S" }],
        },
      },
      "notifications.sinks.0.url",
    ],
    [
      "a webhook sink without a secret",
      { notifications: { sinks: [{ type: "webhook", url: "https://hooks.example.com/x" }] } },
      "notifications.sinks.0.secretEnv",
    ],
    [
      "a secret written into the config",
      {
        notifications: {
          sinks: [{ type: "webhook", url: "https://h.example.com", secretEnv: "BRANCHLINE_SINK_S", secret: "x" }],
        },
      },
      "notifications.sinks.0.secret",
    ],
    [
      "a slack sink with both url and urlEnv",
      {
        notifications: {
          sinks: [{ type: "slack", url: "https://hooks.slack.com/x", urlEnv: "BRANCHLINE_SINK_SLACK" }],
        },
      },
      "notifications.sinks.0",
    ],
    ["a slack sink with neither", { notifications: { sinks: [{ type: "slack" }] } }, "notifications.sinks.0"],
    [
      "an unknown event",
      { notifications: { sinks: [{ type: "slack", urlEnv: "BRANCHLINE_SINK_S", events: ["run.exploded"] }] } },
      "notifications.sinks.0.events.0",
    ],
    [
      "an unknown sink type",
      { notifications: { sinks: [{ type: "email", url: "https://x.example" }] } },
      "notifications.sinks.0.type",
    ],
    [
      "a secret variable name that is not one",
      { notifications: { sinks: [{ type: "webhook", url: "https://h.example.com", secretEnv: "my secret" }] } },
      "notifications.sinks.0.secretEnv",
    ],
  ])("refuses %s", (_name, raw, field) => {
    const result = validateConfig(raw);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((p) => p.path.join("."))).toContain(field);
  });

  it("accepts https sinks, and plain http to loopback (tests, the sandbox)", () => {
    const config = valid({
      notifications: {
        sinks: [
          {
            type: "slack",
            urlEnv: "BRANCHLINE_SINK_SLACK_WEBHOOK_URL",
            events: ["run.failed"],
            environments: ["production"],
          },
          { type: "webhook", url: "https://deploys.example.com/branchline", secretEnv: "BRANCHLINE_SINK_HOOK_SECRET" },
          { type: "webhook", url: "http://127.0.0.1:8080/hook", secretEnv: "BRANCHLINE_SINK_S" },
        ],
      },
    });
    expect(config.notifications?.sinks).toHaveLength(3);
  });
});

describe("evaluatePromotion", () => {
  it.each<[string, PromotionCriteria, Partial<PromotionFacts>, CriterionKey[]]>([
    ["everything met", DEFAULT_CRITERIA, {}, []],
    ["identical to the default branch's head", DEFAULT_CRITERIA, { reachability: "reachable" }, []],
    ["not merged", DEFAULT_CRITERIA, { reachability: "not-reachable" }, ["on-default-branch"]],
    ["a commit GitHub does not know", DEFAULT_CRITERIA, { reachability: "unknown-commit" }, ["on-default-branch"]],
    ["reachability not gathered (fails closed)", DEFAULT_CRITERIA, { reachability: undefined }, ["on-default-branch"]],
    ["staging never ran it", DEFAULT_CRITERIA, { staging: { kind: "none" } }, ["staging-success"]],
    ["staging still running", DEFAULT_CRITERIA, { staging: { kind: "running" } }, ["staging-success"]],
    [
      "staging failed",
      DEFAULT_CRITERIA,
      { staging: { kind: "concluded", conclusion: "failure" } },
      ["staging-success"],
    ],
    [
      "staging superseded (neutral)",
      DEFAULT_CRITERIA,
      { staging: { kind: "concluded", conclusion: "neutral" } },
      ["staging-success"],
    ],
    ["staging not gathered (fails closed)", DEFAULT_CRITERIA, { staging: undefined }, ["staging-success"]],
    [
      "both unmet, both listed, in order",
      DEFAULT_CRITERIA,
      { reachability: "not-reachable", staging: { kind: "none" } },
      ["on-default-branch", "staging-success"],
    ],
    [
      "criteria off: anything goes",
      { requireOnDefaultBranch: false, requireStagingSuccess: false },
      { reachability: "not-reachable", staging: { kind: "none" } },
      [],
    ],
    [
      "criteria off: facts not needed",
      { requireOnDefaultBranch: false, requireStagingSuccess: false },
      { reachability: undefined, staging: undefined },
      [],
    ],
    ["allowed tag", { ...DEFAULT_CRITERIA, allowedTags: ["v+([0-9]).+([0-9]).+([0-9])"] }, { tag: "v1.2.0" }, []],
    [
      "a pre-release where only releases are allowed",
      { ...DEFAULT_CRITERIA, allowedTags: ["v+([0-9]).+([0-9]).+([0-9])"] },
      { tag: "v1.2.0-rc.1" },
      ["allowed-tag"],
    ],
    [
      "no tag known (a Re-run on a commit without one)",
      { ...DEFAULT_CRITERIA, allowedTags: ["v*"] },
      { tag: "" },
      ["allowed-tag"],
    ],
    ["a listed user", { ...DEFAULT_CRITERIA, allowedActors: { users: ["alice"], teams: [] } }, { actor: "Alice" }, []],
    [
      "an unlisted user",
      { ...DEFAULT_CRITERIA, allowedActors: { users: ["alice"], teams: [] } },
      { actor: "mallory" },
      ["allowed-actor"],
    ],
    [
      "a member of a listed team",
      { ...DEFAULT_CRITERIA, allowedActors: { users: [], teams: ["release"] } },
      { actor: "bob", actorTeams: ["release"] },
      [],
    ],
    [
      "membership not gathered",
      { ...DEFAULT_CRITERIA, allowedActors: { users: [], teams: ["release"] } },
      { actor: "bob", actorTeams: undefined },
      ["allowed-actor"],
    ],
    [
      "no person asked (the reconciler)",
      { ...DEFAULT_CRITERIA, allowedActors: { users: ["alice"], teams: [] } },
      { actor: null },
      ["allowed-actor"],
    ],
    [
      "empty lists allow no one",
      { ...DEFAULT_CRITERIA, allowedActors: { users: [], teams: [] } },
      { actor: "alice" },
      ["allowed-actor"],
    ],
    [
      "all four unmet, all listed",
      { ...DEFAULT_CRITERIA, allowedTags: ["v*"], allowedActors: { users: ["alice"], teams: [] } },
      { tag: "nightly", reachability: "not-reachable", staging: { kind: "none" }, actor: "mallory" },
      ["allowed-tag", "on-default-branch", "staging-success", "allowed-actor"],
    ],
  ])("%s", (_name, criteria, facts, expected) => {
    expect(unmet(criteria, facts)).toEqual(expected);
  });

  it("says what is wrong and what to do, naming the commit and the default branch", () => {
    const decision = evaluatePromotion(DEFAULT_CRITERIA, {
      ...GOOD,
      defaultBranch: "trunk",
      reachability: "not-reachable",
      staging: { kind: "running" },
    });
    expect(decision.allowed).toBe(false);
    if (decision.allowed) return;
    expect(decision.unmet[0]).toEqual({
      criterion: "on-default-branch",
      message: "commit `aaaaaaaaaaaa` is not on the default branch `trunk` (it has not been merged)",
      fix: "Merge the change into `trunk`, then tag a commit of `trunk`.",
    });
    expect(decision.unmet[1]!.message).toBe("staging is still running commit `aaaaaaaaaaaa`");
    expect(decision.unmet[1]!.fix).toContain("Wait for staging to finish");
  });

  it.each<[PromotionCriteria, ReturnType<typeof factsNeeded>]>([
    [DEFAULT_CRITERIA, { reachability: true, staging: true, teams: [], checks: false }],
    [
      { requireOnDefaultBranch: false, requireStagingSuccess: false },
      { reachability: false, staging: false, teams: [], checks: false },
    ],
    [
      { ...DEFAULT_CRITERIA, allowedActors: { users: ["a"], teams: ["t"] } },
      { reachability: true, staging: true, teams: ["t"], checks: false },
    ],
    [
      { ...DEFAULT_CRITERIA, requiredChecks: [{ kind: "status", context: "jenkins/build" }] },
      { reachability: true, staging: true, teams: [], checks: true },
    ],
  ])("factsNeeded asks GitHub only what the criteria need (%j)", (criteria, needed) => {
    expect(factsNeeded(criteria)).toEqual(needed);
  });
});

describe("facts from GitHub's words", () => {
  it.each<[string | null, string]>([
    ["identical", "reachable"],
    ["behind", "reachable"],
    ["ahead", "not-reachable"],
    ["diverged", "not-reachable"],
    [null, "unknown-commit"],
  ])("compare status %s → %s", (status, expected) => {
    expect(reachabilityFromCompare(status)).toBe(expected);
  });

  it.each<[{ status: string; conclusion: string | null } | null, ReturnType<typeof stagingEvidence>]>([
    [null, { kind: "none" }],
    [{ status: "queued", conclusion: null }, { kind: "running" }],
    [{ status: "in_progress", conclusion: null }, { kind: "running" }],
    [{ status: "completed", conclusion: "success" }, { kind: "succeeded" }],
    [
      { status: "completed", conclusion: "failure" },
      { kind: "concluded", conclusion: "failure" },
    ],
    [
      { status: "completed", conclusion: "cancelled" },
      { kind: "concluded", conclusion: "cancelled" },
    ],
  ])("staging check run %j → %j", (run, expected) => {
    expect(stagingEvidence(run)).toEqual(expected);
  });
});

describe("mayApprove", () => {
  const nobodyListed: ApproverRules = { users: [], teams: [] };
  const listed: ApproverRules = { users: ["lead"], teams: ["release-managers"] };
  const listedAndAdmins: ApproverRules = { ...listed, minimumPermission: "admin" };

  it.each<[string, ApproverRules, { user: string; role: string; teams?: string[] }, boolean]>([
    ["nobody listed: maintain may", nobodyListed, { user: "m", role: "maintain" }, true],
    ["nobody listed: admin may", nobodyListed, { user: "a", role: "admin" }, true],
    ["nobody listed: write may not", nobodyListed, { user: "w", role: "write" }, false],
    ["a listed user (any case) with write", listed, { user: "Lead", role: "write" }, true],
    ["a listed user without access may not", listed, { user: "lead", role: "none" }, false],
    ["a member of a listed team", listed, { user: "bob", role: "write", teams: ["release-managers"] }, true],
    ["someone listed people exclude, even an admin", listed, { user: "owner", role: "admin" }, false],
    ["listed people plus a role: the role counts again", listedAndAdmins, { user: "owner", role: "admin" }, true],
    ["listed people plus a role: below it, not listed", listedAndAdmins, { user: "m", role: "maintain" }, false],
    [
      "a custom role GitHub names oddly counts as nothing",
      nobodyListed,
      { user: "x", role: "security-reviewer" },
      false,
    ],
  ])("%s", (_name, rules, facts, allowed) => {
    expect(mayApprove(rules, { teams: [], ...facts }).allowed).toBe(allowed);
  });

  it("says why someone was refused, and who may", () => {
    const verdict = mayApprove(listed, { user: "owner", role: "admin", teams: [] });
    expect(verdict).toEqual({
      allowed: false,
      why: "@owner is not an approver: approvers are @lead or team `release-managers` (they have the admin role)",
    });
  });

  it.each<[ApproverRules, string]>([
    [{ users: [], teams: [] }, "approvers are anyone with the **maintain** role or higher"],
    [{ users: ["a", "b"], teams: ["t"] }, "approvers are @a, @b or team `t`"],
    [{ users: [], teams: [], minimumPermission: "write" }, "approvers are anyone with the **write** role or higher"],
  ])("describes %j", (rules, text) => {
    expect(describeApprovers(rules)).toBe(text);
  });
});

describe("failure policy", () => {
  it.each<[FailurePolicyName, string, boolean, string]>([
    ["record", "Failed", false, "record"],
    ["webhook", "Failed", false, "notify"],
    ["redeploy-last-good", "Failed", false, "rollback"],
    ["redeploy-last-good", "Failed", true, "notify"],
    ["webhook", "Failed", true, "notify"],
    ["redeploy-last-good", "Succeeded", false, "nothing"],
    ["redeploy-last-good", "Superseded", false, "nothing"],
    ["redeploy-last-good", "Cancelled", false, "nothing"],
    ["redeploy-last-good", "Stopped", false, "nothing"],
    ["webhook", "Superseded", false, "nothing"],
  ])("%s, a run that ended %s (rollback: %s) → %s", (policy, status, wasRollback, kind) => {
    expect(reactToRunEnd({ policy, status, wasRollback }).kind).toBe(kind);
  });

  const entry = (deploymentId: number, commit: string, ...states: string[]): LedgerEntry => ({
    deploymentId,
    commit,
    states,
  });

  it.each<[string, LedgerEntry[], string, ReturnType<typeof lastGoodRelease>]>([
    [
      "the previous success",
      [entry(3, OTHER, "in_progress", "failure"), entry(2, SHA, "in_progress", "success")],
      OTHER,
      { kind: "redeploy", commit: SHA, deploymentId: 2 },
    ],
    [
      "a success later made inactive still counts",
      [entry(3, OTHER, "failure"), entry(2, THIRD, "failure"), entry(1, SHA, "success", "inactive")],
      OTHER,
      { kind: "redeploy", commit: SHA, deploymentId: 1 },
    ],
    [
      "never the failed commit itself, even if it once succeeded",
      [entry(3, OTHER, "failure"), entry(2, OTHER, "success")],
      OTHER,
      { kind: "none", why: "no earlier deployment of this environment ever succeeded" },
    ],
    [
      "nothing ever succeeded",
      [entry(2, OTHER, "failure"), entry(1, SHA, "failure")],
      OTHER,
      { kind: "none", why: "no earlier deployment of this environment ever succeeded" },
    ],
    ["an empty ledger", [], OTHER, { kind: "none", why: "no earlier deployment of this environment ever succeeded" }],
    [
      "a newer deployment started since the failure",
      [entry(4, THIRD, "in_progress"), entry(3, OTHER, "failure"), entry(2, SHA, "success")],
      OTHER,
      { kind: "none", why: "a newer deployment (commit `cccccccccccc`) has started since; it is not rolled back" },
    ],
  ])("lastGoodRelease: %s", (_name, ledger, failed, expected) => {
    expect(lastGoodRelease(ledger, failed)).toEqual(expected);
  });
});

describe("the check run while a run waits for approval", () => {
  const target: EnvironmentTarget = {
    repo: { owner: "o", name: "r" },
    environment: { kind: "production", tag: "v1.0.0" },
    commit: SHA,
    names: { stack: "s", pipeline: "p", slug: "production" } as unknown as EnvironmentNames,
    region: "us-east-1",
    sandbox: false,
    approvers: "approvers are @lead",
  };
  const action = (name: string, category: string, status: string, summary?: string) => ({
    name,
    category,
    status,
    startedAt: undefined,
    endedAt: undefined,
    externalUrl: undefined,
    summary,
  });
  const run = (approval: ReturnType<typeof action>): RunDetails => ({
    status: "InProgress",
    summary: undefined,
    commit: SHA,
    trigger: "StartPipelineExecution",
    stages: [
      { name: "Build", actions: [action("Build", "Build", "Succeeded")] },
      { name: "Approval", actions: [approval] },
    ],
  });

  it("keeps GitHub's limits on actions: at most 3; label 20, description 40, identifier 20", () => {
    const actions = approvalActions();
    expect(actions.length).toBeLessThanOrEqual(3);
    for (const a of actions) {
      expect(a.label.length).toBeLessThanOrEqual(20);
      expect(a.description.length).toBeLessThanOrEqual(40);
      expect(a.identifier.length).toBeLessThanOrEqual(20);
    }
  });

  it("shows Approve and Reject, and who may press them, only while an approval is in progress", () => {
    const waiting = renderCheckRun(
      target,
      { done: [], changes: [] },
      { kind: "running", pipeline: "p", executionId: "e", run: run(action("Approve", "Approval", "InProgress")) },
    );
    expect(waiting.title).toBe("Waiting for approval");
    expect(waiting.actions?.map((a) => a.identifier)).toEqual(["approve", "reject"]);
    expect(waiting.summary).toContain("Approvers are @lead: press **Approve** or **Reject** above.");
    const before = renderCheckRun(
      target,
      { done: [], changes: [] },
      { kind: "running", pipeline: "p", executionId: "e", run: run(action("Approve", "Approval", "NotStarted")) },
    );
    expect(before.actions).toEqual([]);
    expect(waitingApproval(run(action("Approve", "Build", "InProgress")))).toBeNull();
  });

  it("records an answered approval, and says a rollback is one", () => {
    const content = renderCheckRun(
      { ...target, rollback: { fromCommit: OTHER } },
      { done: [], changes: [] },
      {
        kind: "finished",
        pipeline: "p",
        executionId: "e",
        status: "Failed",
        run: run(
          action(
            "Approve",
            "Approval",
            "Failed",
            "Rejected by @lead (a listed approver) on GitHub at 2026-01-01T00:00:00.000Z",
          ),
        ),
      },
    );
    expect(content.title).toBe("Rollback: pipeline failed");
    expect(content.summary).toContain("**Rollback.** The run of commit `bbbbbbbbbbbb` failed");
    expect(content.summary).toContain(
      "❌ rejected: **Approval / Approve** — Rejected by @lead (a listed approver) on GitHub at 2026-01-01T00:00:00.000Z",
    );
  });
});

describe("production policy defaults", () => {
  it("lets anyone promote when allowedActors is left out (with or without a production section)", async () => {
    const { validateConfig } = await import("../../src/config/validate.js");
    const { productionPolicy } = await import("../../src/config/schema.js");
    for (const raw of [{}, { production: {} }, { production: { requireStagingSuccess: false } }]) {
      const validation = validateConfig(raw);
      expect(validation.ok).toBe(true);
      if (validation.ok) expect(productionPolicy(validation.config).allowedActors).toBeUndefined();
    }
  });
});
