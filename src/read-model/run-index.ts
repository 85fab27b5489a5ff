import {
  ListPipelineExecutionsCommand,
  type CodePipelineClient,
  type PipelineExecutionSummary,
} from "@aws-sdk/client-codepipeline";

/** A pipeline's newest run, as the repository page shows it. */
export interface RunSummary {
  readonly executionId: string;
  readonly status: string;
  readonly commit: string | null;
  readonly trigger: string | null;
  readonly startedAt: string | null;
  readonly updatedAt: string | null;
}

export function runSummary(summary: PipelineExecutionSummary): RunSummary {
  return {
    executionId: summary.pipelineExecutionId ?? "",
    status: summary.status ?? "Unknown",
    commit: summary.sourceRevisions?.[0]?.revisionId ?? null,
    trigger: summary.trigger?.triggerType ?? null,
    startedAt: summary.startTime?.toISOString() ?? null,
    updatedAt: summary.lastUpdateTime?.toISOString() ?? null,
  };
}

function isLive(run: RunSummary | null): boolean {
  return run?.status === "InProgress" || run?.status === "Stopping";
}

interface Entry {
  at: number;
  value: Promise<RunSummary | null>;
  refreshing: boolean;
}

/**
 * The newest run of each pipeline, as state this process holds: filled once per pipeline (one round
 * of reads, bounded), kept fresh by pipeline events (`touch`); a run in flight is read again when
 * older than `maxAgeMs`, a finished one in the background after `idleMaxAgeMs`, so a page view never
 * waits on one call per environment once it is warm.
 */
export class RunIndex {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly codepipeline: CodePipelineClient,
    private readonly options: {
      readonly maxAgeMs: number;
      readonly idleMaxAgeMs?: number;
      readonly concurrency: number;
      readonly now?: () => number;
    },
  ) {}

  /** The newest runs of these pipelines; unknown ones are read now, in one bounded round. */
  async latest(pipelines: readonly string[]): Promise<Map<string, RunSummary | null>> {
    const now = this.now();
    const unknown = pipelines.filter((p) => !this.entries.has(p));
    await this.fill(unknown);
    const answer = new Map<string, RunSummary | null>();
    const waits: Promise<unknown>[] = [];
    for (const pipeline of pipelines) {
      const entry = this.entries.get(pipeline)!;
      if (entry.refreshing) continue;
      // A run in flight is what people watch: its news is waited for. A finished one changes only
      // when a new run starts (which a pipeline event announces at once), so it is looked at again
      // rarely, and in the background.
      const live = isLive(await entry.value.catch(() => null));
      if (now - entry.at <= (live ? this.options.maxAgeMs : (this.options.idleMaxAgeMs ?? this.options.maxAgeMs * 12)))
        continue;
      const refreshed = this.refreshLater(pipeline, entry);
      if (live) waits.push(refreshed);
    }
    await Promise.all(waits);
    for (const pipeline of pipelines) answer.set(pipeline, await this.entries.get(pipeline)!.value.catch(() => null));
    return answer;
  }

  /** A pipeline event arrived: read its newest run again (the next view shows it). */
  touch(pipeline: string): void {
    const entry = this.entries.get(pipeline);
    if (entry) void this.refreshLater(pipeline, entry);
  }

  private async fill(pipelines: readonly string[]): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (next < pipelines.length) {
        const pipeline = pipelines[next++]!;
        const value = this.read(pipeline);
        this.entries.set(pipeline, { at: this.now(), value, refreshing: false });
        await value.catch(() => this.entries.delete(pipeline));
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.options.concurrency, pipelines.length) }, worker));
  }

  private refreshLater(pipeline: string, entry: Entry): Promise<void> {
    entry.refreshing = true;
    const value = this.read(pipeline);
    return value
      .then(() => {
        entry.value = value;
        entry.at = this.now();
      })
      .catch(() => {})
      .finally(() => {
        entry.refreshing = false;
      });
  }

  private async read(pipeline: string): Promise<RunSummary | null> {
    try {
      const result = await this.codepipeline.send(
        new ListPipelineExecutionsCommand({ pipelineName: pipeline, maxResults: 1 }),
      );
      const newest = result.pipelineExecutionSummaries?.[0];
      return newest ? runSummary(newest) : null;
    } catch (error) {
      if ((error as { name?: string }).name === "PipelineNotFoundException") return null;
      throw error;
    }
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }
}
