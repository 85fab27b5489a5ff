import type { ActionView, RunDetails } from "../core/run-snapshot.js";

/**
 * A run, stage by stage, as markdown: each action with its state, how long it took and where its
 * logs are. `now` is passed in so durations of running actions are testable.
 */
export function renderRunTable(run: RunDetails, now: Date): string {
  const lines = ["| Stage | Action | State | Duration | Logs |", "| --- | --- | --- | --- | --- |"];
  for (const stage of run.stages) {
    for (const action of stage.actions) {
      lines.push(
        `| ${escape(stage.name)} | ${escape(action.name)} | ${stateWord(action.status)} | ${duration(action, now)} | ${logs(action)} |`,
      );
    }
  }
  const failed = run.stages.flatMap((s) =>
    s.actions
      .filter((a) => a.status === "Failed" && a.summary)
      .map((a) => `- **${escape(s.name)} / ${escape(a.name)}**: ${escape(a.summary ?? "")}`),
  );
  return failed.length > 0 ? `${lines.join("\n")}\n\n${failed.join("\n")}` : lines.join("\n");
}

function stateWord(status: string): string {
  switch (status) {
    case "Succeeded":
      return "✅ succeeded";
    case "Failed":
      return "❌ failed";
    case "InProgress":
      return "⏳ in progress";
    case "Abandoned":
      return "⏹️ abandoned";
    case "NotStarted":
      return "· not started";
    default:
      return escape(status);
  }
}

function duration(action: ActionView, now: Date): string {
  if (!action.startedAt) return "";
  const end = action.endedAt ?? now;
  const seconds = Math.max(0, Math.round((end.getTime() - action.startedAt.getTime()) / 1000));
  const text = seconds < 60 ? `${seconds} s` : `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
  return action.endedAt ? text : `${text} so far`;
}

function logs(action: ActionView): string {
  return action.externalUrl && /^https?:\/\//.test(action.externalUrl) ? `[logs](${action.externalUrl})` : "";
}

/** Table cells: a `|` or a newline in a name or message would break the table. */
function escape(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}
