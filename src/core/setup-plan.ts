import { environmentLabel, type Environment, type RepositoryRef } from "./environment.js";
import { environmentNames, type EnvironmentNames } from "./naming.js";
import { branchIncluded } from "./routing.js";

/**
 * What a first config says, in the words planning reads: config/schema.ts's `setupRules` gives it
 * (defaults applied), so this module stays pure and needs nothing of the config layer.
 */
export interface SetupRules {
  readonly stackPrefix: string;
  readonly branches: {
    readonly include: readonly string[];
    readonly exclude: readonly string[];
    readonly maxEnvironments?: number | undefined;
  };
  readonly releaseTags: readonly string[];
  /** `production.approval.required`, with its default. */
  readonly approvalRequired: boolean;
  /** Whether the config sets `production:` at all (left out: the defaults). */
  readonly productionConfigured: boolean;
}

/** One environment merging the first config would bring: its name and the AWS names it gets. */
export interface PlannedEnvironment {
  readonly label: string;
  /** The branch it deploys (staging: the default branch). */
  readonly branch: string;
  readonly names: EnvironmentNames;
}

/** What setting branchline up in a repository would create, before any of it exists. */
export interface SetupPlan {
  readonly staging: PlannedEnvironment;
  readonly branches: readonly PlannedEnvironment[];
  /** Branches that would get nothing, and the rule that says so. */
  readonly left: readonly { readonly branch: string; readonly why: string }[];
  /** `branches.maxEnvironments`, when the included branches are more than it allows at once. */
  readonly cap: number | null;
  readonly production: {
    readonly names: EnvironmentNames;
    readonly releaseTags: readonly string[];
    readonly approvalRequired: boolean;
    /** The rules a release must pass, as the config sets them (`production:` left out: the defaults). */
    readonly configured: boolean;
  };
}

/**
 * A repository's first config, and its branches now → the environments merging it would set up.
 * The same rules as routing (core/routing.ts) and naming (core/naming.ts), so the preview and the
 * first reconcile after the merge agree. Production comes only with a release tag, never from a merge.
 */
export function planSetup(
  config: SetupRules,
  repo: RepositoryRef,
  defaultBranch: string,
  branches: readonly string[],
): SetupPlan {
  const planned = (environment: Environment, branch: string): PlannedEnvironment => ({
    label: environmentLabel(environment),
    branch,
    names: environmentNames(config.stackPrefix, repo, environment),
  });
  const included: PlannedEnvironment[] = [];
  const left: { branch: string; why: string }[] = [];
  for (const branch of [...branches].sort()) {
    if (branch === defaultBranch) continue;
    const why = leftOut(branch, config.branches);
    if (why) left.push({ branch, why });
    else included.push(planned({ kind: "branch", branch }, branch));
  }
  const cap = config.branches.maxEnvironments ?? null;
  return {
    staging: planned({ kind: "staging", branch: defaultBranch }, defaultBranch),
    branches: included,
    left,
    cap: cap !== null && included.length > cap ? cap : null,
    production: {
      names: environmentNames(config.stackPrefix, repo, { kind: "production", tag: config.releaseTags[0] ?? "" }),
      releaseTags: config.releaseTags,
      approvalRequired: config.approvalRequired,
      configured: config.productionConfigured,
    },
  };
}

/** Why a branch gets no environment of its own, or null when it gets one. */
function leftOut(branch: string, rules: SetupRules["branches"]): string | null {
  if (!branchIncluded(branch, { branches: { include: rules.include, exclude: [] }, releaseTags: [] }))
    return "not matched by `branches.include`";
  if (!branchIncluded(branch, { branches: rules, releaseTags: [] })) return "excluded by `branches.exclude`";
  return null;
}
