/**
 * The CloudFormation parameters branchline passes to every pipeline template, beside the ones the
 * repository's config adds. templates/pipeline.yml declares exactly these (a test keeps them in step).
 *
 * The commit is deliberately not a parameter: a parameter that changes on every push would force a
 * stack update on every push. The commit reaches the pipeline as a source revision override when
 * branchline starts the run.
 */
export const BRANCHLINE_PARAMETERS = {
  /** `owner/name` of the GitHub repository. */
  BranchlineRepository: "owner/name of the GitHub repository",
  /**
   * The ref the environment follows: `refs/heads/feature/x` for a branch, `refs/heads/main` for
   * staging, `refs/tags/` for production (every release tag is a run of the same stack).
   */
  BranchlineRef: "the git ref the environment follows",
  /**
   * The branch the source action names. For a branch environment, the branch; for staging, the
   * default branch; for production, the default branch (the run is pinned to the tag's commit).
   */
  BranchlineSourceBranch: "the branch the source action reads from",
  /** `branch`, `staging` or `production`. */
  BranchlineEnvironmentKind: "branch, staging or production",
  /** A short, lower-case, DNS- and S3-safe name of the environment, unique within the repository. */
  BranchlineEnvironment: "a short lower-case name of the environment, safe for resource names",
  /** The name the pipeline must have; valid for CodePipeline (at most 100 of [A-Za-z0-9.@_-]). */
  BranchlinePipelineName: "the name of the pipeline",
} as const;

export type BranchlineParameterName = keyof typeof BRANCHLINE_PARAMETERS;

/**
 * Optional: a template that declares it can scale its environment to zero. branchline passes `false`
 * on every deploy and `true` when an idle branch environment is hibernated (`branches.ttl`); the next
 * push passes `false` again, which wakes it. A template without it is torn down instead.
 */
export const HIBERNATE_PARAMETER = "BranchlineHibernate";

/**
 * Outputs branchline reads from a pipeline stack. `PipelineName` is required; `SourceActionName`
 * defaults to `Source`; `EnvironmentUrl` becomes the GitHub deployment's environment_url.
 */
export const PIPELINE_OUTPUTS = {
  PipelineName: "required: the pipeline's name",
  SourceActionName: "optional (default `Source`): the action whose revision branchline pins",
  EnvironmentUrl: "optional: the URL of the deployed environment",
} as const;

export const DEFAULT_SOURCE_ACTION_NAME = "Source";
