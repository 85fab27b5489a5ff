import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";

type Level = "read" | "write";
/** Any one of these grants the call (GitHub's REST reference, "Fine-grained access tokens" of each endpoint). */
type Needs = readonly (readonly [permission: string, level: Level])[];

/**
 * The installation permission each Octokit REST method branchline calls needs, as GitHub documents
 * it; [] for calls made as the App itself (JWT) or with a person's user token, which use no
 * installation permission. A new call must be added here, so app.yml cannot fall behind the code.
 */
const NEEDS: Readonly<Record<string, Needs>> = {
  "apps.getAuthenticated": [],
  "apps.getInstallation": [],
  "apps.getRepoInstallation": [],
  "apps.listInstallations": [],
  "apps.listInstallationReposForAuthenticatedUser": [],
  "apps.listInstallationsForAuthenticatedUser": [],
  "users.getAuthenticated": [],
  "apps.listReposAccessibleToInstallation": [["metadata", "read"]],
  "checks.create": [["checks", "write"]],
  "checks.update": [["checks", "write"]],
  "checks.get": [["checks", "read"]],
  "checks.listForRef": [["checks", "read"]],
  // On a pull request, the issue endpoints accept the pull requests permission.
  "issues.createComment": [
    ["issues", "write"],
    ["pull_requests", "write"],
  ],
  "issues.listComments": [
    ["issues", "read"],
    ["pull_requests", "read"],
  ],
  "issues.listEvents": [
    ["issues", "read"],
    ["pull_requests", "read"],
  ],
  "pulls.list": [["pull_requests", "read"]],
  "repos.compareCommitsWithBasehead": [["contents", "read"]],
  "repos.getCommit": [["contents", "read"]],
  "repos.getContent": [["contents", "read"]],
  "repos.listCommits": [["contents", "read"]],
  "repos.listBranches": [["metadata", "read"]],
  "repos.listTags": [["metadata", "read"]],
  "repos.get": [["metadata", "read"]],
  "repos.getCollaboratorPermissionLevel": [["metadata", "read"]],
  "repos.createDeployment": [["deployments", "write"]],
  "repos.createDeploymentStatus": [["deployments", "write"]],
  "repos.listDeployments": [["deployments", "read"]],
  "repos.listDeploymentStatuses": [["deployments", "read"]],
  // production.requireChecks with a commit status: "Commit statuses" repository permission (read).
  "repos.listCommitStatusesForRef": [["statuses", "read"]],
  "teams.getMembershipForUserInOrg": [["members", "read"]],
};

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? sources(path) : entry.name.endsWith(".ts") ? [path] : [];
  });
}

const granted = (parse(readFileSync("app.yml", "utf8")) as { default_permissions: Record<string, Level> })
  .default_permissions;
const grants = ([permission, level]: readonly [string, Level]) =>
  granted[permission] === "write" || granted[permission] === level;

describe("app.yml's permissions", () => {
  const called = [
    ...new Set(
      sources("src").flatMap((file) =>
        // A formatter may break a call chain over lines: `.rest.repos\n  .listCommitStatusesForRef(`.
        [...readFileSync(file, "utf8").matchAll(/\.rest\s*\.\s*([a-zA-Z]+)\s*\.\s*([a-zA-Z]+)/g)].map(
          (m) => `${m[1]}.${m[2]}`,
        ),
      ),
    ),
  ].sort();

  it("know every Octokit REST method branchline calls", () => {
    expect(called.filter((method) => !(method in NEEDS))).toEqual([]);
    expect(called.length).toBeGreaterThan(20);
  });

  it.each(
    Object.keys(NEEDS)
      .filter((method) => NEEDS[method]!.length > 0)
      .sort(),
  )("grant what %s needs", (method) => {
    const needs = NEEDS[method]!;
    expect(needs.some(grants), `${method} needs one of ${needs.map((n) => n.join(": ")).join(", ")}`).toBe(true);
  });

  it("ask nothing no call needs (least privilege)", () => {
    const used = new Set(
      called.flatMap((method) => (NEEDS[method] ?? []).filter(grants).map(([permission]) => permission)),
    );
    expect(Object.keys(granted).filter((permission) => !used.has(permission))).toEqual([]);
  });
});
