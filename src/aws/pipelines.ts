import { StartPipelineExecutionCommand, type CodePipelineClient } from "@aws-sdk/client-codepipeline";
import type { PipelineName } from "../core/naming.js";

export interface RunRequest {
  readonly pipeline: PipelineName;
  /** The source action whose revision is pinned. */
  readonly sourceAction: string;
  readonly commit: string;
  /** Same token, same execution: a redelivered webhook starts nothing twice. */
  readonly token: string;
}

/** Starts one execution for exactly the given commit; returns its id. */
export async function startRun(codepipeline: CodePipelineClient, request: RunRequest): Promise<string> {
  const result = await codepipeline.send(
    new StartPipelineExecutionCommand({
      name: request.pipeline,
      clientRequestToken: request.token,
      sourceRevisions: [{ actionName: request.sourceAction, revisionType: "COMMIT_ID", revisionValue: request.commit }],
    }),
  );
  if (!result.pipelineExecutionId) throw new Error(`CodePipeline started ${request.pipeline} without an execution id`);
  return result.pipelineExecutionId;
}
