import type { ConfigChange } from "../core/config-diff.js";
import type { CategorizedChange, StackPreview } from "../core/preview-plan.js";
import { verdict } from "../core/preview-plan.js";
import type { CheckRunAction, CheckRunContent } from "../github/check-runs.js";

import { ACKNOWLEDGE_ACTION } from "../core/check-identity.js";

const ACKNOWLEDGE: CheckRunAction = {
  label: "Acknowledge",
  description: "Accept replacing stateful resources",
  identifier: ACKNOWLEDGE_ACTION,
};

export interface PreviewReport {
  readonly stacks: readonly StackPreview[];
  readonly config:
    | { readonly kind: "unchanged" }
    | { readonly kind: "changed"; readonly changes: readonly ConfigChange[] }
    | { readonly kind: "invalid"; readonly problems: readonly string[] };
  readonly role: string | undefined;
  readonly requireAcknowledgement: boolean;
  readonly sandbox: boolean;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function changeLine(change: CategorizedChange & { stack?: string }): string {
  return `**${change.verb}** \`${change.logicalId}\` (${change.resourceType})${change.stack ? ` in ${change.stack}` : ""}`;
}

function stackSection(stack: StackPreview): string {
  const title = `### ${stack.role === "pipeline" ? "Pipeline stack" : "Application stack"} \`${stack.stack}\``;
  const head = stack.source ? `${title}\nTemplate: ${stack.source}` : title;
  switch (stack.kind) {
    case "no-changes":
      return `${head}\nNo changes: ${stack.why}.`;
    case "failed":
      return `${head}\nCould not be previewed: ${stack.why}`;
    case "skipped":
      return `${head}\nNot previewed: ${stack.why}.`;
    case "new":
    case "changes": {
      const rows = stack.changes.map(
        (c) =>
          `| ${c.verb} | ${c.logicalId} | ${c.resourceType} | ${c.stateful ? "stateful" : ""}${c.stateful && c.security ? ", " : ""}${c.security ? "access" : ""} |`,
      );
      return [
        head,
        stack.kind === "new" ? "Does not exist yet: merging creates it." : "",
        "| change | resource | type | note |",
        "| --- | --- | --- | --- |",
        ...rows,
      ]
        .filter((l) => l !== "")
        .join("\n");
    }
  }
}

/** The preview as a check run: what needs attention first, then each stack, then the config. */
export function renderPreview(report: PreviewReport): CheckRunContent {
  const found = verdict(report.stacks);
  const configInvalid = report.config.kind === "invalid";
  const attention = [
    ...found.dataLoss.map(
      (c) =>
        `- :warning: ${changeLine(c)}: a stateful resource; ${c.verb === "removed" ? "its data goes with it" : "the new one starts empty"}`,
    ),
    ...found.security.map((c) => `- :lock: ${changeLine(c)}: changes who may do what`),
  ];
  const parts = [
    ...(report.sandbox ? ["> **Sandbox**: AWS is the in-process emulator, not a real account.\n"] : []),
    "What merging this pull request would do to **staging**. Change sets were created under staging's own role" +
      `${report.role ? ` (\`${report.role}\`)` : ""}, described, and deleted again; nothing was executed.`,
    ...(attention.length > 0 ? ["", "## Needs attention", ...attention] : []),
    "",
    ...report.stacks.map(stackSection).flatMap((s) => [s, ""]),
  ];
  if (report.config.kind === "changed") {
    parts.push(
      "### Config `.github/branchline.yml`",
      "It takes effect once merged (branchline reads it from the default branch):",
      ...report.config.changes.map((c) => `- ${c.scope}: \`${c.field}\` ${c.change}`),
    );
  } else if (report.config.kind === "invalid") {
    parts.push(
      "### Config `.github/branchline.yml`",
      "Once merged, branchline could not use it:",
      ...report.config.problems.map((p) => `- ${p}`),
    );
  }
  const gate = report.requireAcknowledgement && found.dataLoss.length > 0;
  const title = configInvalid
    ? "The config in this pull request is not valid"
    : found.failed
      ? "Staging could not be previewed in full"
      : found.dataLoss.length > 0
        ? `Replaces or removes ${plural(found.dataLoss.length, "stateful resource")} in staging`
        : found.total === 0
          ? "No changes to staging's stacks"
          : `${plural(found.total, "resource change")} in staging`;
  if (gate)
    parts.push(
      "",
      "`preview.requireAcknowledgement` is set: someone who may press branchline's buttons must **Acknowledge** the above before this check passes.",
    );
  return {
    status: "completed",
    conclusion: configInvalid || found.failed ? "failure" : gate ? "action_required" : "success",
    title,
    summary: parts.join("\n").trim(),
    ...(gate ? { actions: [ACKNOWLEDGE] } : { actions: [] }),
  };
}
