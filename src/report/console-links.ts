import type { EnvironmentTarget } from "./environment-report.js";

/** Links into the AWS console for an environment's stack, pipeline and runs. */
function consoleBase(region: string): string {
  return `https://${region}.console.aws.amazon.com`;
}

export function stackUrl(target: EnvironmentTarget): string {
  return `${consoleBase(target.region)}/cloudformation/home?region=${target.region}#/stacks?filteringText=${encodeURIComponent(target.names.stack)}`;
}

export function pipelineUrl(target: EnvironmentTarget): string {
  return `${consoleBase(target.region)}/codesuite/codepipeline/pipelines/${encodeURIComponent(target.names.pipeline)}/view?region=${target.region}`;
}

export function executionUrl(target: EnvironmentTarget, pipeline: string, executionId: string): string {
  return `${consoleBase(target.region)}/codesuite/codepipeline/pipelines/${encodeURIComponent(pipeline)}/executions/${encodeURIComponent(executionId)}/timeline?region=${target.region}`;
}
