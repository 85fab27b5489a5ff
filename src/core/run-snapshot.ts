/**
 * One pipeline execution as branchline reads it: the words the AWS adapters produce (aws/pipelines,
 * aws/run-details) and the report, the ledger and the promotion rules consume. Plain data, so the
 * report layer never imports an AWS adapter to know what a run is.
 */

/** An execution's state as the API names it: InProgress, Stopped, Stopping, Succeeded, Superseded, Failed, Cancelled. */
export type RunStatus = "InProgress" | "Stopped" | "Stopping" | "Succeeded" | "Superseded" | "Failed" | "Cancelled";

/** One action of one execution: what a reader of the check run wants to see. */
export interface ActionView {
  readonly name: string;
  readonly category: string | undefined;
  /** The API's words: InProgress, Succeeded, Failed, Abandoned; `NotStarted` where it has not run yet. */
  readonly status: string;
  readonly startedAt: Date | undefined;
  readonly endedAt: Date | undefined;
  /** Where its logs are (a CodeBuild build, a CloudFormation stack...), when the action says. */
  readonly externalUrl: string | undefined;
  readonly summary: string | undefined;
}

export interface StageView {
  readonly name: string;
  readonly actions: readonly ActionView[];
}

export interface RunDetails {
  readonly status: RunStatus;
  readonly summary: string | undefined;
  /** The commit the run's source action fetched. */
  readonly commit: string | undefined;
  /** What started it: StartPipelineExecution for branchline's runs. */
  readonly trigger: string | undefined;
  readonly stages: readonly StageView[];
}
