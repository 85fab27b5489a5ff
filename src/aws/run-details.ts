import {
  GetPipelineCommand,
  GetPipelineExecutionCommand,
  paginateListActionExecutions,
  type CodePipelineClient,
} from "@aws-sdk/client-codepipeline";
import type { ActionView, RunDetails, RunStatus } from "../core/run-snapshot.js";

/**
 * Stages and actions of one execution, in the pipeline's own order. The pipeline's structure is
 * read once per pipeline version; the execution's action records on every call.
 */
export class RunReader {
  private readonly structures = new Map<
    string,
    { version: number; stages: { name: string; actions: { name: string; category: string | undefined }[] }[] }
  >();

  constructor(private readonly codepipeline: CodePipelineClient) {}

  async read(pipeline: string, executionId: string): Promise<RunDetails> {
    const execution = (
      await this.codepipeline.send(
        new GetPipelineExecutionCommand({ pipelineName: pipeline, pipelineExecutionId: executionId }),
      )
    ).pipelineExecution;
    const structure = await this.structure(pipeline, execution?.pipelineVersion);
    const records = new Map<string, ActionView>();
    for await (const page of paginateListActionExecutions(
      { client: this.codepipeline },
      { pipelineName: pipeline, filter: { pipelineExecutionId: executionId } },
    )) {
      for (const detail of page.actionExecutionDetails ?? []) {
        const key = `${detail.stageName}/${detail.actionName}`;
        // Newest first: a retried action keeps its latest attempt.
        if (records.has(key)) continue;
        const result = detail.output?.executionResult;
        records.set(key, {
          name: detail.actionName ?? "",
          category: undefined,
          status: detail.status ?? "InProgress",
          startedAt: detail.startTime,
          endedAt: detail.status === "InProgress" ? undefined : detail.lastUpdateTime,
          externalUrl: result?.externalExecutionUrl,
          summary: result?.externalExecutionSummary,
        });
      }
    }
    return {
      status: (execution?.status ?? "InProgress") as RunStatus,
      summary: execution?.statusSummary,
      commit: execution?.artifactRevisions?.[0]?.revisionId,
      trigger: execution?.trigger?.triggerType,
      stages: structure.stages.map((stage) => ({
        name: stage.name,
        actions: stage.actions.map((action) => {
          const record = records.get(`${stage.name}/${action.name}`);
          return record
            ? { ...record, category: action.category }
            : {
                name: action.name,
                category: action.category,
                status: "NotStarted",
                startedAt: undefined,
                endedAt: undefined,
                externalUrl: undefined,
                summary: undefined,
              };
        }),
      })),
    };
  }

  private async structure(pipeline: string, version: number | undefined) {
    const cached = this.structures.get(pipeline);
    if (cached && version !== undefined && cached.version === version) return cached;
    const result = await this.codepipeline.send(
      new GetPipelineCommand({ name: pipeline, ...(version !== undefined ? { version } : {}) }),
    );
    const fresh = {
      version: result.pipeline?.version ?? version ?? 0,
      stages: (result.pipeline?.stages ?? []).map((s) => ({
        name: s.name ?? "",
        actions: (s.actions ?? []).map((a) => ({ name: a.name ?? "", category: a.actionTypeId?.category })),
      })),
    };
    this.structures.set(pipeline, fresh);
    return fresh;
  }
}
