import { uuid } from "../ids.js";
import type { LogStore } from "../logs/store.js";
import type { ActionRun } from "./model.js";

/** CodeBuild's log group for a project, as CodeBuild names it when the project sets none. */
export function buildLogGroup(project: string): string {
  return `/aws/codebuild/${project}`;
}

/** A build id is `PROJECT:UUID`; CodeBuild names the log stream after the UUID. */
export function buildLogStream(buildId: string): string {
  return buildId.slice(buildId.indexOf(":") + 1);
}

/**
 * What a CodeBuild action writes to CloudWatch Logs, shaped like CodeBuild's own container lines:
 * the phases as they start, and the outcome (with the failure's message) as the build ends.
 */
export class BuildLogWriter {
  constructor(
    private readonly logs: LogStore,
    private readonly now: () => Date,
  ) {}

  /** Gives the run its build id (kept for the action's result) and writes the opening lines. */
  started(run: ActionRun, commit: string | undefined): void {
    const project = run.configuration.ProjectName ?? "project";
    run.externalExecutionId ??= `${project}:${uuid()}`;
    this.write(run, [
      `[Container] ${stamp(this.now())} Running on CodeBuild On-demand`,
      `[Container] ${stamp(this.now())} Waiting for agent ping`,
      `[Container] ${stamp(this.now())} Phase complete: DOWNLOAD_SOURCE State: SUCCEEDED`,
      ...(commit ? [`[Container] ${stamp(this.now())} Source version: ${commit}`] : []),
      `[Container] ${stamp(this.now())} Entering phase BUILD`,
      `[Container] ${stamp(this.now())} Running command ./build.sh (${run.stageName} / ${run.actionName})`,
    ]);
  }

  finished(
    run: ActionRun,
    outcome:
      | { readonly succeeded: true; readonly message?: string | undefined }
      | { readonly succeeded: false; readonly message: string },
  ): void {
    if (!run.externalExecutionId) return;
    const state = outcome.succeeded ? "SUCCEEDED" : "FAILED";
    this.write(run, [
      ...(outcome.message ? [outcome.message] : []),
      ...(outcome.succeeded
        ? []
        : [`[Container] ${stamp(this.now())} Command did not exit successfully ./build.sh exit status 1`]),
      `[Container] ${stamp(this.now())} Phase complete: BUILD State: ${state}`,
      `[Container] ${stamp(this.now())} Phase context status code: ${outcome.succeeded ? "" : "COMMAND_EXECUTION_ERROR "}Message: ${outcome.succeeded ? "" : outcome.message}`.trimEnd(),
    ]);
  }

  private write(run: ActionRun, messages: readonly string[]): void {
    const project = run.configuration.ProjectName ?? "project";
    const at = this.now().getTime();
    this.logs.write(
      buildLogGroup(project),
      buildLogStream(run.externalExecutionId!),
      messages.map((message) => ({ timestamp: at, message })),
    );
  }
}

function stamp(date: Date): string {
  return date.toISOString().replace("T", " ").replace("Z", "");
}
