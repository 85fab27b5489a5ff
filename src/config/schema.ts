import { z } from "zod";
import { DURATION_PATTERN, parseDuration } from "../core/duration.js";
import type { IdleRules } from "../core/idle-policy.js";
import { STACK_PREFIX_PATTERN, STACK_PREFIX_RULE } from "../core/naming.js";
import type { EnvironmentKind } from "../core/environment.js";
import { PERMISSION_LEVELS } from "../core/permissions.js";
import type { SetupRules } from "../core/setup-plan.js";
import { NOTIFICATION_EVENTS } from "../core/notification-events.js";
import { SINK_VARIABLE_PATTERN } from "../core/sink-env.js";
import { isLoopbackHost } from "../core/sink-url.js";

/** Where the repository's branchline config lives, read from the default branch. */
export const CONFIG_PATH = ".github/branchline.yml";
export const DEFAULT_TEMPLATE_PATH = ".github/branchline/pipeline.yml";

const parameterName = z
  .string()
  .regex(/^[A-Za-z0-9]+$/, "a CloudFormation parameter name has only letters and digits")
  .refine((name) => !name.startsWith("Branchline"), {
    message: "parameters named Branchline* are set by branchline itself and cannot be configured",
  });

/** CloudFormation takes every parameter value as a string; YAML numbers and booleans are written as such. */
const parameterValue = z
  .union([z.string(), z.number(), z.boolean()], { error: "a string, number or boolean" })
  .transform(String)
  .refine((value) => Buffer.byteLength(value, "utf8") <= 4096, { message: "a parameter value is at most 4,096 bytes" });

const parameterSet = z.record(parameterName, parameterValue).prefault({});

const roleArn = z
  .string()
  .regex(
    /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/,
    "an IAM role ARN looks like arn:aws:iam::123456789012:role/name",
  );

const glob = z.string().min(1, "a pattern cannot be empty");
/** One pattern or a list of them. */
const globs = z.union([glob.transform((one) => [one]), z.array(glob)], { error: "a pattern, or a list of patterns" });

/** A GitHub login: letters, digits and single hyphens, at most 39 characters. */
const login = z
  .string()
  .regex(/^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/, "a GitHub login (letters, digits and hyphens)")
  .transform((name) => name.toLowerCase());
/** A team: its slug in the repository owner's organisation, or `org/slug`. */
const team = z
  .string()
  .regex(
    /^(?:[A-Za-z0-9][A-Za-z0-9-]*\/)?[A-Za-z0-9][A-Za-z0-9_.-]*$/,
    "a team slug (`release-managers`) or `org/team-slug`",
  )
  .transform((name) => name.toLowerCase());
/** Listed people; a list left out is empty. (No default for the whole: unset means "no restriction".) */
const people = z.strictObject({
  users: z.array(login).default([]),
  teams: z.array(team).default([]),
});

/**
 * External verification that must be `success` on the release's commit: a check run by name and the
 * App that must have written it (slug or id), or a commit status by context (optionally, who posts it).
 */
const requiredCheck = z.union(
  [
    z.strictObject({
      checkRun: z.string().min(1, "a check run name"),
      app: z
        .union([
          z.string().regex(/^[a-z0-9][a-z0-9-]*$/i, "an App's slug (`github-actions`) or id"),
          z.number().int().positive(),
        ])
        .transform(String),
    }),
    z.strictObject({ status: z.string().min(1, "a status context"), creator: login.optional() }),
  ],
  { error: "`{checkRun: NAME, app: APP-SLUG}` or `{status: CONTEXT}`" },
);

/**
 * Production's promotion rules: when a release tag may deploy, and who may answer the pipeline's
 * manual approval. Evaluated by src/core/promotion.ts; every field has a safe default.
 */
export const productionSchema = z.strictObject({
  /** The tag's commit must be reachable from the default branch (merged, not on a side branch). */
  requireOnDefaultBranch: z.boolean().default(true),
  /** Staging must have run exactly this commit, successfully (its `branchline: staging` check run). */
  requireStagingSuccess: z.boolean().default(true),
  /** Globs the tag must also match; a tag that routes to production but matches none is refused visibly. */
  allowedTags: globs.optional(),
  /** Who may promote (the person who pushed the tag, or pressed Re-run): listed users or team members. Unset: anyone. */
  allowedActors: people.optional(),
  /** Check runs (by name and App) or commit statuses (by context) that must be success on the commit. */
  requireChecks: z.array(requiredCheck).default([]),
  approval: z
    .strictObject({
      /** Refuse to run a production pipeline that has no manual approval action. */
      required: z.boolean().default(false),
      /**
       * Who may press Approve or Reject: listed users, members of listed teams, and people whose role
       * is at least `minimumPermission`. That role defaults to `maintain` when no one is listed, and to
       * none (only the listed people) when someone is.
       */
      approvers: z
        .strictObject({
          users: z.array(login).default([]),
          teams: z.array(team).default([]),
          minimumPermission: z.enum(PERMISSION_LEVELS).optional(),
        })
        .prefault({}),
    })
    .prefault({}),
});
export type ProductionPolicy = z.output<typeof productionSchema>;

export const FAILURE_POLICIES = ["record", "webhook", "redeploy-last-good"] as const;
export type FailurePolicy = (typeof FAILURE_POLICIES)[number];
const failurePolicy = z.enum(FAILURE_POLICIES);
const onFailureSchema = z.strictObject({
  branch: failurePolicy.default("record"),
  staging: failurePolicy.default("webhook"),
  production: failurePolicy.default("webhook"),
});

/**
 * An environment variable's name: where a secret comes from, so it never sits in the repository.
 * Only the operator's `BRANCHLINE_SINK_…` variables, never the App's own secrets (src/core/sink-env.ts).
 */
const envName = z
  .string()
  .regex(
    SINK_VARIABLE_PATTERN,
    "the name of an environment variable the operator set for sinks: BRANCHLINE_SINK_ then upper-case letters, digits and _",
  );
const sinkUrl = z
  .string()
  .refine((value) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol), {
    message: "an https:// URL (http:// only to 127.0.0.1 or localhost, for tests)",
  })
  .refine(
    (value) => !URL.canParse(value) || new URL(value).protocol === "https:" || isLoopbackHost(new URL(value).hostname),
    {
      message:
        "sinks must use https:// (plain http:// is allowed only to a loopback address, for tests and the sandbox)",
    },
  );
const sinkCommon = {
  /** A name for logs and the check run; defaults to the sink's type and position. */
  name: z.string().min(1).max(64).optional(),
  /** Which events it receives; all by default. */
  events: z.array(z.enum(NOTIFICATION_EVENTS)).min(1, "list at least one event").optional(),
  /** Which kinds of environment it hears about; all by default. */
  environments: z
    .array(z.enum(["branch", "staging", "production"]))
    .min(1, "list at least one kind")
    .optional(),
};
const slackSink = z.strictObject({
  type: z.literal("slack"),
  /** The incoming webhook URL, or (better: the URL is a credential) `urlEnv`, the variable holding it. */
  url: sinkUrl.optional(),
  urlEnv: envName.optional(),
  ...sinkCommon,
});
const webhookSink = z.strictObject({
  type: z.literal("webhook"),
  url: sinkUrl,
  /** The environment variable holding the HMAC-SHA256 secret; required, the secret itself never is in the repository. */
  secretEnv: envName,
  ...sinkCommon,
});
const sink = z
  .discriminatedUnion("type", [slackSink, webhookSink], { error: "a sink has `type: slack` or `type: webhook`" })
  .refine((s) => s.type !== "slack" || (s.url === undefined) !== (s.urlEnv === undefined), {
    message: "a slack sink needs exactly one of `url` and `urlEnv`",
  });
export type SinkConfig = z.output<typeof sink>;

export const configSchema = z.strictObject({
  /** Path of the pipeline template in the repository. */
  template: z
    .string()
    .regex(/^[^/].*\.(ya?ml|json|template)$/, "a repository path to a .yml, .yaml, .json or .template file")
    .default(DEFAULT_TEMPLATE_PATH),
  /** First part of every stack and pipeline name (STACK_PREFIX_RULE). */
  stackPrefix: z.string().regex(STACK_PREFIX_PATTERN, STACK_PREFIX_RULE).default("branchline"),
  /** Which branches get an environment of their own (the default branch always feeds staging). */
  branches: z
    .strictObject({
      include: globs.default(["**"]),
      exclude: globs.default([]),
      /** How long a branch environment may go without a push before it is hibernated or torn down (`7d`). */
      ttl: z.string().regex(DURATION_PATTERN, "a duration: a whole number and m, h, d or w (`7d`, `36h`)").optional(),
      /** With a ttl, a branch with an open pull request never expires. */
      keepOpenPullRequests: z.boolean().optional(),
      /** At most this many branch environments per repository; past it the least recently pushed idle one goes. */
      maxEnvironments: z.number().int("a whole number").min(1, "at least 1").optional(),
    })
    .prefault({}),
  /** Tags that deploy to production: globs over the tag name. */
  releaseTags: globs.pipe(z.array(z.string()).min(1, "list at least one pattern")).default(["v[0-9]*"]),
  /** CloudFormation parameters: `all` first, then the environment kind's own. */
  parameters: z
    .strictObject({
      all: parameterSet,
      branch: parameterSet,
      staging: parameterSet,
      production: parameterSet,
    })
    .prefault({}),
  /** CloudFormation service role per environment kind (see templates/branchline-iam.yml). */
  roles: z
    .strictObject({
      branch: roleArn.optional(),
      staging: roleArn.optional(),
      production: roleArn.optional(),
    })
    .prefault({}),
  /** Who may press branchline's buttons: the least repository role, read from GitHub at the click. */
  permissions: z
    .strictObject({
      redeploy: z.enum(PERMISSION_LEVELS).default("write"),
    })
    .prefault({}),
  /** Promotion to production: criteria for a release tag, and who may approve. Defaults: `productionPolicy`. */
  production: productionSchema.optional(),
  /** Per environment kind: `record`, `webhook` (notify the sinks) or `redeploy-last-good`. Defaults: `failurePolicyFor`. */
  onFailure: onFailureSchema.optional(),
  /** Previews of pull requests into the default branch (the `branchline: staging preview` check run). */
  preview: z
    .strictObject({
      /** Replacing a stateful resource (a database, bucket, table, file system) needs an Acknowledge. */
      requireAcknowledgement: z.boolean().default(false),
      /**
       * The repository file the pipeline's build hands to the deploy action unchanged as the
       * application template (templates/pipeline.yml deploys `BuildOutput::<ApplicationTemplatePath>`,
       * which only the build makes): the preview reads it at the pull request's head instead.
       */
      applicationTemplate: z
        .string()
        .regex(
          /^(?!\/)(?!.*(?:^|\/)\.\.(?:\/|$))[^\0\\]+$/,
          "a path in the repository, like template.yml (no leading /, no ..)",
        )
        .optional(),
    })
    .optional(),
  /** Where run events are sent. */
  notifications: z
    .strictObject({
      sinks: z.array(sink).max(10, "at most 10 sinks").default([]),
    })
    .optional(),
});

export type BranchlineConfig = z.output<typeof configSchema>;

/** What production's promotion rules are when `production:` is left out. */
export function productionPolicy(config: BranchlineConfig): ProductionPolicy {
  return config.production ?? productionSchema.parse({});
}

/** The first config's rules as setup planning reads them (core/setup-plan.ts). */
export function setupRules(config: BranchlineConfig): SetupRules {
  return {
    stackPrefix: config.stackPrefix,
    branches: config.branches,
    releaseTags: config.releaseTags,
    approvalRequired: productionPolicy(config).approval.required,
    productionConfigured: config.production !== undefined,
  };
}

/** What happens when a run of this kind of environment fails (`onFailure.<kind>`, with its default). */
export function failurePolicyFor(config: BranchlineConfig, kind: EnvironmentKind): FailurePolicy {
  return (config.onFailure ?? onFailureSchema.parse({}))[kind];
}

/** The idle-environment rules of `branches`, in the form the policy reads. */
export function idleRules(config: BranchlineConfig): IdleRules {
  const ttl = config.branches.ttl === undefined ? null : parseDuration(config.branches.ttl);
  return {
    ttlMs: ttl,
    maxEnvironments: config.branches.maxEnvironments ?? null,
    keepOpenPullRequests: config.branches.keepOpenPullRequests ?? false,
  };
}

/** Whether idle environments are looked after at all (a ttl or a cap is set). */
export function idleRulesActive(rules: IdleRules): boolean {
  return rules.ttlMs !== null || rules.maxEnvironments !== null;
}

/** The configured notification sinks (none by default). */
export function notificationSinks(config: BranchlineConfig): readonly SinkConfig[] {
  return config.notifications?.sinks ?? [];
}

export function parametersFor(config: BranchlineConfig, kind: EnvironmentKind): Readonly<Record<string, string>> {
  return { ...config.parameters.all, ...config.parameters[kind] };
}

export function roleFor(config: BranchlineConfig, kind: EnvironmentKind): string | undefined {
  return config.roles[kind];
}
