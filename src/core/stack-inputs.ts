import { createHash } from "node:crypto";
import { followedRef, repositoryFullName, type Environment, type RepositoryRef } from "./environment.js";
import type { EnvironmentNames } from "./naming.js";
import { didYouMean } from "./did-you-mean.js";
import { parameterValueProblem } from "./parameter-values.js";
import { BRANCHLINE_PARAMETERS, HIBERNATE_PARAMETER, type BranchlineParameterName } from "./parameters.js";
import { MANAGED_BY_VALUE, TAG, refTags, repositoryTags } from "./tags.js";
import type { CfnTemplate } from "@branchline/cloudformation-template";

export interface StackInputs {
  readonly templateBody: string;
  readonly parameters: Readonly<Record<string, string>>;
  readonly roleArn: string | undefined;
  readonly tags: Readonly<Record<string, string>>;
  readonly templateHash: string;
  readonly parametersHash: string;
}

export interface StackInputsRequest {
  readonly repo: RepositoryRef;
  readonly environment: Environment;
  readonly names: EnvironmentNames;
  /** The branch the pipeline's source action reads: the branch itself, or the default branch. */
  readonly sourceBranch: string;
  readonly templateBody: string;
  readonly template: CfnTemplate;
  /** From the repository's config, for this environment's kind. */
  readonly configuredParameters: Readonly<Record<string, string>>;
  readonly roleArn: string | undefined;
  /** Build the hibernated stack (`BranchlineHibernate: true`, where the template declares it). */
  readonly hibernate?: boolean;
}

export type ParameterProblem =
  /** Configured, not declared; `suggestion` is the declared name it was probably meant to be. */
  | { readonly kind: "unknown"; readonly name: string; readonly suggestion: string | undefined }
  | { readonly kind: "missing"; readonly name: string }
  /** Declared and configured, with a value CloudFormation would refuse; `secret` when NoEcho (never echo it). */
  | {
      readonly kind: "invalid";
      readonly name: string;
      readonly value: string;
      readonly why: string;
      readonly secret: boolean;
    };

export type StackInputsResult =
  | { readonly ok: true; readonly inputs: StackInputs }
  | { readonly ok: false; readonly problems: readonly ParameterProblem[] };

/**
 * Everything a stack is built from, with the hashes its tags record so that an unchanged push is
 * recognised without asking CloudFormation. Parameter mismatches are found here, before AWS is
 * touched, so the check run can say which config entry to fix.
 */
export function stackInputs(request: StackInputsRequest): StackInputsResult {
  const declared = request.template.Parameters ?? {};
  const supplied = branchlineParameters(request);
  const problems: ParameterProblem[] = [];
  const parameters: Record<string, string> = {};
  for (const [name, value] of Object.entries(supplied)) {
    // A template may leave out branchline's parameters it has no use for.
    if (Object.hasOwn(declared, name)) parameters[name] = value;
  }
  if (Object.hasOwn(declared, HIBERNATE_PARAMETER))
    parameters[HIBERNATE_PARAMETER] = request.hibernate === true ? "true" : "false";
  const configurable = Object.keys(declared).filter((name) => !Object.hasOwn(BRANCHLINE_PARAMETERS, name));
  for (const [name, value] of Object.entries(request.configuredParameters)) {
    const declaration = Object.hasOwn(declared, name) ? declared[name] : undefined;
    if (!declaration) {
      problems.push({ kind: "unknown", name, suggestion: didYouMean(name, configurable) });
      continue;
    }
    parameters[name] = value;
    const why = parameterValueProblem(declaration, value);
    if (why) problems.push({ kind: "invalid", name, value, why, secret: String(declaration.NoEcho) === "true" });
  }
  for (const [name, declaration] of Object.entries(declared)) {
    if (!Object.hasOwn(parameters, name) && declaration?.Default === undefined)
      problems.push({ kind: "missing", name });
  }
  if (problems.length > 0) return { ok: false, problems };

  const templateHash = sha256(request.templateBody);
  const parametersHash = sha256(
    JSON.stringify({ parameters: sortedEntries(parameters), roleArn: request.roleArn ?? null }),
  );
  return {
    ok: true,
    inputs: {
      templateBody: request.templateBody,
      parameters,
      roleArn: request.roleArn,
      templateHash,
      parametersHash,
      tags: stackTags(request.repo, request.environment, templateHash, parametersHash),
    },
  };
}

function branchlineParameters(request: StackInputsRequest): Record<BranchlineParameterName, string> {
  const values: Record<BranchlineParameterName, string> = {
    BranchlineRepository: repositoryFullName(request.repo),
    BranchlineRef: followedRef(request.environment),
    BranchlineSourceBranch: request.sourceBranch,
    BranchlineEnvironmentKind: request.environment.kind,
    BranchlineEnvironment: request.names.slug,
    BranchlinePipelineName: request.names.pipeline,
  };
  // Keeps this function and the documented contract in step at compile time and at run time.
  for (const name of Object.keys(BRANCHLINE_PARAMETERS)) {
    if (!Object.hasOwn(values, name)) throw new Error(`branchline parameter ${name} has no value`);
  }
  return values;
}

/** Ref-derived values are encoded to AWS's tag character set (core/tags.ts), spread over parts when long. */
function stackTags(
  repo: RepositoryRef,
  environment: Environment,
  templateHash: string,
  parametersHash: string,
): Record<string, string> {
  return {
    [TAG.managedBy]: MANAGED_BY_VALUE,
    ...repositoryTags(repo),
    [TAG.environment]: environment.kind,
    ...refTags(environment),
    [TAG.templateHash]: templateHash,
    [TAG.parametersHash]: parametersHash,
  };
}

function sortedEntries(record: Readonly<Record<string, string>>): [string, string][] {
  return Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function sha256(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}
