import { z } from "zod";
import { STACK_PREFIX_PATTERN } from "../core/naming.js";
import type { EnvironmentKind } from "../core/environment.js";
import { PERMISSION_LEVELS } from "../core/permissions.js";

/** Where the repository's branchline config lives, read from the default branch. */
export const CONFIG_PATH = ".github/branchline.yml";
/** Probot's loader takes the path relative to `.github/`. */
export const CONFIG_FILE_NAME = "branchline.yml";
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
  .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/, "an IAM role ARN looks like arn:aws:iam::123456789012:role/name");

const glob = z.string().min(1, "a pattern cannot be empty");
/** One pattern or a list of them. */
const globs = z.union([glob.transform((one) => [one]), z.array(glob)], { error: "a pattern, or a list of patterns" });

export const configSchema = z.strictObject({
  /** Path of the pipeline template in the repository. */
  template: z
    .string()
    .regex(/^[^/].*\.(ya?ml|json|template)$/, "a repository path to a .yml, .yaml, .json or .template file")
    .default(DEFAULT_TEMPLATE_PATH),
  /** First part of every stack and pipeline name: a letter, then up to 19 letters or digits. */
  stackPrefix: z
    .string()
    .regex(STACK_PREFIX_PATTERN, "a letter, then at most 19 letters or digits")
    .default("branchline"),
  /** Which branches get an environment of their own (the default branch always feeds staging). */
  branches: z
    .strictObject({
      include: globs.default(["**"]),
      exclude: globs.default([]),
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
});

export type BranchlineConfig = z.output<typeof configSchema>;

export function parametersFor(config: BranchlineConfig, kind: EnvironmentKind): Readonly<Record<string, string>> {
  return { ...config.parameters.all, ...config.parameters[kind] };
}

export function roleFor(config: BranchlineConfig, kind: EnvironmentKind): string | undefined {
  return config.roles[kind];
}
