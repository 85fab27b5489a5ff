import { uuid } from "../ids.js";
import type { ActionRun, Execution } from "./model.js";

/**
 * What a finished action reports (external execution id, URL, summary), shaped like the
 * provider's own: a CodeBuild build, a source commit, a CloudFormation stack, an approval.
 */
export function recordSuccess(run: ActionRun, execution: Execution, region: string, summary: string | undefined): void {
  const config = run.configuration;
  switch (run.actionTypeId.provider) {
    case "CodeBuild": {
      // Given when the build started, if it wrote logs: the log stream is named after it.
      const buildId = run.externalExecutionId ?? `${config.ProjectName ?? "project"}:${uuid()}`;
      run.externalExecutionId = buildId;
      run.externalExecutionUrl = `https://console.aws.amazon.com/codebuild/home?region=${region}#/builds/${encodeURIComponent(buildId)}/view/new`;
      run.summary = summary ?? "Build succeeded";
      return;
    }
    case "CodeStarSourceConnection":
    case "CodeCommit":
    case "GitHub": {
      const revision = execution.artifactRevisions.find((r) => r.actionName === run.actionName);
      run.externalExecutionId = revision?.revisionId;
      run.externalExecutionUrl = revision?.revisionUrl;
      run.summary = summary ?? revision?.revisionSummary;
      return;
    }
    case "CloudFormation": {
      const stackName = config.StackName ?? "stack";
      run.externalExecutionId = stackName;
      run.externalExecutionUrl = `https://console.aws.amazon.com/cloudformation/home?region=${region}#/stacks/stackinfo?stackId=${encodeURIComponent(stackName)}`;
      run.summary = summary ?? `Stack ${stackName} was updated.`;
      return;
    }
    default:
      run.summary = summary;
  }
}

export function recordFailure(run: ActionRun, message: string): void {
  if (run.actionTypeId.provider === "CodeBuild" && run.externalExecutionId === undefined) {
    run.externalExecutionId = `${run.configuration.ProjectName ?? "project"}:${uuid()}`;
  }
  run.summary = message;
  run.errorDetails = { code: "JobFailed", message };
}
