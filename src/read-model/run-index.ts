import { ListPipelineExecutionsCommand, type CodePipelineClient, type PipelineExecutionSummary } from "@aws-sdk/client-codepipeline";

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
 * of reads, bounded), kept fresh by pipeline events (`touch`), and refreshed in the background when
 * older than `maxAgeMs`, so a page view never waits on one call per environment once it is warm.
 */
export class RunIndex {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly codepipeline: CodePipelineClient,
    private readonly options: { readonly maxAgeMs: number; readonly concurrency: number; readonly now?: () => number },
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
      if (now - entry.at <= this.options.maxAgeMs || entry.refreshing) continue;
      const refreshed = this.refreshLater(pipeline, entry);
      // A run in flight is what people watch: wait for its news. A finished one changes only when a
      // new run starts (which a pipeline event announces), so its refresh is not waited for.
      if (isLive(await entry.value.catch(() => null))) waits.push(refreshed);
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
      const result = await this.codepipeline.send(new ListPipelineExecutionsCommand({ pipelineName: pipeline, maxResults: 1 }));
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
