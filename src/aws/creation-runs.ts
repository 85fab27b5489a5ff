import {
  ListPipelineExecutionsCommand,
  StopPipelineExecutionCommand,
  type CodePipelineClient,
} from "@aws-sdk/client-codepipeline";

/**
 * CodePipeline starts an execution by itself when a pipeline is created, of whatever the source
 * branch holds, pinned to nothing. branchline starts every run itself, so that one is abandoned:
 * left alone it could deploy an unreleased commit, and in a SUPERSEDED pipeline it would hold a
 * manual approval stage forever, with branchline's own run queued behind it. Returns the ids stopped.
 */
export async function abandonCreationRuns(codepipeline: CodePipelineClient, pipeline: string): Promise<string[]> {
  const listed = await codepipeline.send(new ListPipelineExecutionsCommand({ pipelineName: pipeline, maxResults: 10 }));
  const stopped: string[] = [];
  for (const execution of listed.pipelineExecutionSummaries ?? []) {
    if (
      execution.status !== "InProgress" ||
      execution.trigger?.triggerType !== "CreatePipeline" ||
      !execution.pipelineExecutionId
    )
      continue;
    try {
      await codepipeline.send(
        new StopPipelineExecutionCommand({
          pipelineName: pipeline,
          pipelineExecutionId: execution.pipelineExecutionId,
          abandon: true,
          reason: "branchline starts every run itself, pinned to one commit",
        }),
      );
      stopped.push(execution.pipelineExecutionId);
    } catch (error) {
      // It ended, or is stopping already: either way it no longer stands in the way.
      const name = (error as { name?: string } | null)?.name ?? "";
      if (name !== "PipelineExecutionNotStoppableException" && name !== "DuplicatedStopRequestException") throw error;
    }
  }
  return stopped;
}
