import type { EnvironmentNames } from "../core/naming.js";

/**
 * Links into the AWS console for an environment's stack, pipeline and runs. They need only where the
 * environment lives (an EnvironmentTarget is one), so this module needs nothing of the report.
 */
export interface ConsoleTarget {
  readonly region: string;
  readonly names: EnvironmentNames;
}

function consoleBase(region: string): string {
  return `https://${region}.console.aws.amazon.com`;
}

export function stackUrl(target: ConsoleTarget): string {
  return `${consoleBase(target.region)}/cloudformation/home?region=${target.region}#/stacks?filteringText=${encodeURIComponent(target.names.stack)}`;
}

export function pipelineUrl(target: ConsoleTarget): string {
  return `${consoleBase(target.region)}/codesuite/codepipeline/pipelines/${encodeURIComponent(target.names.pipeline)}/view?region=${target.region}`;
}

export function executionUrl(target: ConsoleTarget, pipeline: string, executionId: string): string {
  return `${consoleBase(target.region)}/codesuite/codepipeline/pipelines/${encodeURIComponent(pipeline)}/executions/${encodeURIComponent(executionId)}/timeline?region=${target.region}`;
}
