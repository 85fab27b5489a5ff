import type { FileProblem } from "../core/file-problem.js";
import type { PlannedEnvironment, SetupPlan } from "../core/setup-plan.js";
import type { CheckRunContent } from "../github/check-runs.js";

/**
 * What a repository's first config would do, as the check run its pull request gets: either what
 * merging it sets up, or why it cannot (a problem in the file, where it is and what to do).
 */
export type SetupReport =
  | { readonly kind: "plan"; readonly plan: SetupPlan; readonly sandbox: boolean }
  | {
      readonly kind: "invalid";
      readonly problems: readonly FileProblem[];
      readonly hint?: string;
      readonly sandbox: boolean;
    };

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function row(environment: PlannedEnvironment): string {
  return `| ${environment.label} | \`${environment.branch}\` | \`${environment.names.stack}\` | \`${environment.names.pipeline}\` |`;
}

export function renderSetup(report: SetupReport): CheckRunContent {
  const sandbox = report.sandbox ? ["> **Sandbox**: AWS is the in-process emulator, not a real account.", ""] : [];
  switch (report.kind) {
    case "invalid":
      return {
        status: "completed",
        conclusion: "failure",
        title: `The .github/branchline.yml this pull request adds cannot be used: ${plural(report.problems.length, "problem")}`,
        summary: [
          ...sandbox,
          "Merged as it is, branchline could set up nothing in this repository: its config, or the pipeline template it names, cannot be used.",
          "",
          ...report.problems.map(
            (p) =>
              `- \`${p.file}:${p.position.line}:${p.position.column}\`${p.field ? ` \`${p.field}\`` : ""}: ${p.message}`,
          ),
          "",
          ...(report.hint ? [report.hint, ""] : []),
          "Fix it in this pull request; the next push to it previews again. The README's config reference lists every field.",
        ].join("\n"),
      };
    case "plan": {
      const { plan } = report;
      const production = plan.production;
      return {
        status: "completed",
        conclusion: "success",
        title: `Merging sets up branchline: staging and ${plural(plan.branches.length, "branch environment")}`,
        summary: [
          ...sandbox,
          "This repository has no `.github/branchline.yml` yet, so branchline has created nothing here. Merging this pull request creates, in AWS:",
          "",
          "| environment | deploys | stack | pipeline |",
          "| --- | --- | --- | --- |",
          row(plan.staging),
          ...plan.branches.map(row),
          "",
          "Staging is created by the merge's push to the default branch; each branch environment at its branch's next push, or the next reconcile pass at the latest.",
          ...(plan.cap !== null
            ? [
                "",
                `\`branches.maxEnvironments\` allows ${plan.cap} at once: the least recently pushed branches wait for room.`,
              ]
            : []),
          ...(plan.left.length > 0
            ? ["", "Branches that get no environment:", ...plan.left.map((b) => `- \`${b.branch}\`: ${b.why}`)]
            : []),
          "",
          `**production** (\`${production.names.stack}\`) is not created by the merge: the first release tag matching ${production.releaseTags.map((t) => `\`${t}\``).join(", ")} creates it` +
            `${production.approvalRequired ? ", and its pipeline must have a manual approval" : ""}` +
            `${production.configured ? " (promotion rules as `production:` sets them)." : " (the default promotion rules: the tag's commit on the default branch, staging green on it)."}`,
          "",
          "Nothing was created for this preview.",
        ].join("\n"),
      };
    }
  }
}
