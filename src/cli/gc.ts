import { UsageError, parseRepoOption, stringOption, type Command, type ParsedArgs } from "./command.js";
import { githubFromEnv, requireAws } from "./connections.js";
import type { GcResult } from "./gc-result.js";
import { table, type Io } from "./output.js";

export const gcCommand: Command<GcResult> = {
  name: "gc",
  summary: "one reconcile pass: remove stacks of deleted branches, repair missing ones",
  maxPositionals: 0,
  options: { "dry-run": { type: "boolean" }, repo: { type: "string" }, wait: { type: "boolean" } },
  help: `Usage: branchline gc [--dry-run] [--repo OWNER/NAME] [--wait] [--json]

One reconcile pass, as the app makes every few minutes: git (the branches on GitHub) against AWS
(the stacks branchline's tags mark). Stacks of deleted branches are deleted (buckets emptied first),
branches without a stack or with a stuck one are deployed, runs left in progress are taken up.
Production is never deployed and staging and production are never deleted from here.

With --dry-run nothing changes: the pass only reports what it would do.

A repository the App was uninstalled from (or that was removed from its installation, or whose
installation is suspended) has its stacks tagged unowned, and the app deletes nothing of it.
\`gc --repo OWNER/NAME\` naming such a repository removes its branch environments without asking
GitHub; staging and production are kept (termination protection) and listed.

Needs AWS (as for the app) and GitHub: the App's APP_ID and PRIVATE_KEY (or PRIVATE_KEY_PATH) to
see every installation, or GITHUB_TOKEN with --repo for one repository.

Options:
  --dry-run           report only; change nothing
  --repo OWNER/NAME   only this repository
  --wait              after applying, also wait for started runs to end and report them on GitHub
  --json              print the result as JSON
  -h, --help          show this help

Exit codes: 0 converged (or applied without errors), 1 errors, or with --dry-run actions pending,
2 usage error or missing credentials.`,

  async run(args: ParsedArgs, io: Io) {
    const dryRun = args.values["dry-run"] === true;
    const repoOption = stringOption(args, "repo");
    const only = repoOption ? parseRepoOption(repoOption) : null;
    const aws = await requireAws(io.env);
    const github = await githubFromEnv(io);
    if (github.auth === "token" && !only) {
      throw new UsageError(
        "with GITHUB_TOKEN, gc needs --repo OWNER/NAME; to pass over every installation, use the App's APP_ID and PRIVATE_KEY",
      );
    }
    if (github.appId === undefined) {
      // Check runs say which runs were reported and which branches were warned idle; anyone can write one by branchline's name.
      throw new UsageError(
        "with GITHUB_TOKEN, gc needs APP_ID (branchline's App id, as the App's .env has it, or GitHub → Settings → GitHub Apps → the App → App ID): without it gc cannot tell branchline's check runs from another App's of the same name, and would act on them; nothing was done",
      );
    }
    // The SDK, Probot and the engine load only for a pass, not for --help.
    const { runPass } = await import("./gc-pass.js");
    return runPass({ io, aws, github, only, dryRun, wait: args.values.wait === true });
  },

  render(data, out) {
    const p = out.paint;
    if (data.actions.length > 0) {
      out.lines(
        table(
          data.actions,
          [
            { header: "REPOSITORY", value: (a) => a.repository },
            {
              header: "ACTION",
              value: (a) => a.kind,
              style: (a) => (a.kind === "destroy" || a.kind === "retire" ? "red" : "cyan"),
            },
            { header: "TARGET", value: (a) => a.target },
            {
              header: "OUTCOME",
              value: (a) => (a.outcome === "planned" ? "would do" : a.outcome),
              style: (a) => (a.outcome === "failed" ? "red" : a.outcome === "done" ? "green" : "yellow"),
            },
            { header: "WHY", value: (a) => (a.error ? `${a.reason}; failed: ${a.error}` : a.reason) },
          ],
          p,
        ),
      );
    }
    for (const error of data.errors) out.line(p.paint("red", `${error.repository}: ${error.message}`));
    const planned = data.repositories.filter((r) => r.state === "planned").length;
    const skipped = data.repositories.filter((r) => r.state === "skipped").length;
    const counts = (["deploy", "destroy", "retire", "resume", "mark", "keep"] as const)
      .map((kind) => [kind, data.actions.filter((a) => a.kind === kind).length] as const)
      .filter(([, n]) => n > 0)
      .map(([kind, n]) => `${n} ${kind}`)
      .join(", ");
    const summary = `${data.dryRun ? "Dry run: " : ""}${planned} repositor${planned === 1 ? "y" : "ies"} checked${skipped > 0 ? ` (${skipped} without a valid config skipped)` : ""}, ${data.managedStacks} managed stack${data.managedStacks === 1 ? "" : "s"} in ${data.region}; `;
    if (data.actions.length === 0) out.line(`${summary}${p.paint("green", "nothing to do: AWS agrees with git")}.`);
    else if (data.dryRun) out.line(`${summary}${p.paint("yellow", `would ${counts}`)}; nothing was changed.`);
    else {
      const failed = data.actions.filter((a) => a.outcome === "failed").length;
      out.line(
        `${summary}${counts}${failed > 0 ? p.paint("red", `; ${failed} failed`) : p.paint("green", "; all done")}.`,
      );
    }
    if (data.errors.length > 0)
      out.line(
        p.paint(
          "red",
          `${data.errors.length} repositor${data.errors.length === 1 ? "y" : "ies"} could not be checked.`,
        ),
      );
  },
};
