/**
 * One run's aggregated log: the lines of every tool that ran, in time order. Pure: the adapters in
 * run-view.ts gather the three sources; this merges them.
 */
export type LogSource = "pipeline" | "build" | "stack";

export interface LogLine {
  /** ISO timestamp. */
  readonly at: string;
  readonly source: LogSource;
  /** Where the line comes from: `Build / Compile`, a stack's name, a build id. */
  readonly origin: string;
  readonly text: string;
  readonly level: "info" | "error";
}

export interface ActionRecord {
  readonly stage: string;
  readonly action: string;
  readonly provider: string | undefined;
  readonly status: string;
  readonly startedAt: Date | undefined;
  readonly updatedAt: Date | undefined;
  readonly summary: string | undefined;
  readonly error: string | undefined;
}

export interface StackEventRecord {
  readonly stack: string;
  readonly at: Date | undefined;
  readonly logicalId: string;
  readonly resourceType: string;
  readonly status: string;
  readonly reason: string | undefined;
  /** The ClientRequestToken of the stack operation the event is part of (CloudFormation echoes it). */
  readonly token?: string | undefined;
}

export interface BuildLineRecord {
  readonly origin: string;
  readonly at: Date;
  readonly text: string;
}

/** CodePipeline's own messages: each action's start, and its end with the summary or error it gave. */
export function pipelineLines(actions: readonly ActionRecord[]): LogLine[] {
  return actions.flatMap((a) => {
    const origin = `${a.stage} / ${a.action}`;
    const lines: LogLine[] = [];
    if (a.startedAt)
      lines.push({
        at: a.startedAt.toISOString(),
        source: "pipeline",
        origin,
        text: `${a.provider ?? "action"} started`,
        level: "info",
      });
    if (a.status !== "InProgress" && a.updatedAt) {
      const detail = a.error ?? a.summary;
      lines.push({
        at: a.updatedAt.toISOString(),
        source: "pipeline",
        origin,
        text: `${a.status}${detail ? `: ${detail}` : ""}`,
        level: a.status === "Failed" ? "error" : "info",
      });
    }
    return lines;
  });
}

export function stackLines(events: readonly StackEventRecord[]): LogLine[] {
  return events.flatMap((e) =>
    e.at
      ? [
          {
            at: e.at.toISOString(),
            source: "stack" as const,
            origin: e.stack,
            text: `${e.logicalId} (${e.resourceType}) ${e.status}${e.reason ? `: ${e.reason}` : ""}`,
            level: /FAILED|ROLLBACK/.test(e.status) ? ("error" as const) : ("info" as const),
          },
        ]
      : [],
  );
}

export function buildLines(lines: readonly BuildLineRecord[]): LogLine[] {
  return lines.map((l) => ({
    at: l.at.toISOString(),
    source: "build" as const,
    origin: l.origin,
    text: l.text,
    level: /FAILED|ERR!|error|exit status [1-9]/i.test(l.text) ? ("error" as const) : ("info" as const),
  }));
}

const SOURCE_ORDER: readonly LogSource[] = ["pipeline", "stack", "build"];

/**
 * Merged in time order. Lines of one instant keep their source's own order (a build's lines stay
 * in the order it wrote them), and a pipeline's "started" comes before what the tool wrote then.
 */
export function aggregateLog(...sources: readonly (readonly LogLine[])[]): LogLine[] {
  const tagged = sources.flatMap((lines) => lines.map((line, index) => ({ line, index })));
  tagged.sort(
    (a, b) =>
      (a.line.at < b.line.at ? -1 : a.line.at > b.line.at ? 1 : 0) ||
      SOURCE_ORDER.indexOf(a.line.source) - SOURCE_ORDER.indexOf(b.line.source) ||
      a.index - b.index,
  );
  return tagged.map((t) => t.line);
}
