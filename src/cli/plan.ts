import { parseFullRef, type GitRef } from "../core/routing.js";
import { EXIT, UsageError, parseRepoOption, stringOption, type Command, type ParsedArgs } from "./command.js";
import { formatLocated, gitDefaultBranch, gitRepository, repoPath } from "./local-repo.js";
import type { Io } from "./output.js";
import { planRef, type PlanResult } from "./plan-ref.js";

/**
 * `branchline plan`: the command's face (its options, its help, how a plan is printed). What the
 * plan is, and how AWS is asked, are plan-ref.ts and plan-aws.ts.
 */

export const planCommand: Command<PlanResult> = {
  name: "plan",
  summary: "what branchline would do for a ref: environment, stack, parameters, action",
  maxPositionals: 1,
  options: {
    ref: { type: "string" },
    event: { type: "string" },
    repo: { type: "string" },
    "default-branch": { type: "string" },
    offline: { type: "boolean" },
  },
  help: `Usage: branchline plan --ref REF [--event push|delete] [DIR] [--json]

Shows what branchline would do for an event on REF: which environment, which stack, with which
parameters, and the action (create, update, delete or nothing). Config and template are read from
DIR's working tree (the app reads them at the pushed commit).

Offline the stack cannot be seen, so a deploy says "create or update". With AWS configured as for
the app (AWS_REGION, credentials, AWS_ENDPOINT_URL), the stack is observed, the plan is exact, and
the change set an update would make is shown: it is created, described and deleted again, never
executed (for a new stack, the REVIEW_IN_PROGRESS stack it leaves is deleted too).

Arguments:
  DIR                     the repository's working tree (default: .)

Options:
  --ref REF               a full ref (refs/heads/x, refs/tags/v1) or a branch name (required)
  --event push|delete     the event (default: push)
  --repo OWNER/NAME       the repository (default: the origin remote)
  --default-branch NAME   the default branch (default: origin/HEAD, else main)
  --offline               do not look at AWS even when it is configured
  --json                  print the result as JSON
  -h, --help              show this help

Exit codes: 0 planned, 1 config/template problems or a refused plan, 2 usage error.`,

  async run(args: ParsedArgs, io: Io) {
    const dir = args.positionals[0] ?? ".";
    const ref = stringOption(args, "ref");
    if (!ref)
      throw new UsageError(
        "--ref is required (a full ref such as refs/heads/feature/x or refs/tags/v1.2.0, or a branch name)",
      );
    const eventName = stringOption(args, "event") ?? "push";
    if (eventName !== "push" && eventName !== "delete")
      throw new UsageError(`--event is "${eventName}"; it must be push or delete`);
    const gitRef = parseRef(ref);
    const repoOption = stringOption(args, "repo");
    const repo = repoOption ? parseRepoOption(repoOption) : await gitRepository(repoPath(io.cwd, dir, "."));
    if (!repo)
      throw new UsageError(
        `cannot tell the repository from git (no GitHub origin remote in ${dir}); pass --repo OWNER/NAME`,
      );
    const branchOption = stringOption(args, "default-branch");
    const found = branchOption
      ? { branch: branchOption, source: "option" as const }
      : await gitDefaultBranch(repoPath(io.cwd, dir, "."));
    const data = await planRef(io, {
      dir,
      repo,
      ref: gitRef,
      event: eventName,
      defaultBranch: found.branch,
      defaultBranchSource: found.source,
      offline: args.values.offline === true,
    });
    const failed =
      data.problems.some((p) => p.severity === "error") ||
      data.aws.steps?.[0]?.kind === "refuse" ||
      data.changeSet?.status === "failed";
    return { data, exitCode: failed ? EXIT.findings : EXIT.ok };
  },

  render(data, out) {
    const p = out.paint;
    for (const problem of data.problems) out.line(formatLocated(problem));
    const rows: [string, string][] = [
      ["Repository", data.repository],
      ["Ref", `${data.ref} (${data.event})`],
      [
        "Default branch",
        `${data.defaultBranch}${data.defaultBranchSource === "fallback" ? " (assumed; pass --default-branch)" : ""}`,
      ],
    ];
    if (data.commit) rows.push(["Commit", data.commit]);
    if (data.environment) rows.push(["Environment", data.environment]);
    if (data.stack) rows.push(["Stack", data.stack]);
    const actionStyle = data.action === "nothing" ? "dim" : data.action.startsWith("refuse") ? "red" : "bold";
    rows.push(["Action", `${p.paint(actionStyle, data.action)}${data.startsRun ? ", then start a run" : ""}`]);
    if (data.reason) rows.push(["Why", data.reason]);
    if (data.aws.note) rows.push(["AWS", data.aws.note]);
    else if (data.aws.observed) rows.push(["AWS", `stack ${data.aws.stackStatus ?? "does not exist"}`]);
    if (data.roleArn) rows.push(["Role", data.roleArn]);
    const width = Math.max(...rows.map(([k]) => k.length));
    for (const [key, value] of rows) out.line(`${p.paint("bold", key.padEnd(width))}  ${value}`);
    if (data.parameters && Object.keys(data.parameters).length > 0) {
      out.line(p.paint("bold", "Parameters"));
      const pw = Math.max(...Object.keys(data.parameters).map((k) => k.length));
      for (const [name, value] of Object.entries(data.parameters)) out.line(`  ${name.padEnd(pw)}  ${value}`);
    }
    const cs = data.changeSet;
    if (cs) {
      const head =
        cs.status === "ready"
          ? `${cs.changes.length} resource change${cs.changes.length === 1 ? "" : "s"}`
          : cs.status === "no-changes"
            ? "no changes"
            : `rejected: ${cs.reason ?? "no reason given"}`;
      out.line(`${p.paint("bold", `Change set (${cs.type})`)}  ${head}`);
      const aw = Math.max(0, ...cs.changes.map((c) => c.action.length));
      const lw = Math.max(0, ...cs.changes.map((c) => c.logicalId.length));
      for (const change of cs.changes) {
        const style =
          change.action === "Remove" || change.replacement === "True"
            ? "red"
            : change.action === "Add"
              ? "green"
              : "yellow";
        const replacement =
          change.replacement === "True"
            ? "  (replaced)"
            : change.replacement === "Conditional"
              ? "  (may be replaced)"
              : "";
        out.line(
          `  ${p.paint(style, change.action.padEnd(aw))}  ${change.logicalId.padEnd(lw)}  ${change.resourceType}${replacement}`,
        );
      }
      if (cs.cleanedUp.length > 0)
        out.line(p.paint("dim", `  (not executed; deleted again: ${cs.cleanedUp.join(", ")})`));
    }
  },
};

function parseRef(ref: string): GitRef {
  const full = parseFullRef(ref);
  if (full) {
    if (full.name === "") throw new UsageError(`--ref "${ref}" names no branch or tag`);
    return full;
  }
  if (ref.startsWith("refs/"))
    throw new UsageError(
      `--ref "${ref}" is neither refs/heads/... nor refs/tags/...; branchline follows only branches and tags`,
    );
  return { type: "branch", name: ref };
}
