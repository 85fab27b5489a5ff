import { listManagedStacks } from "../aws/managed-stacks.js";
import { describeStack } from "../aws/stacks.js";
import type { Environment, RepositoryRef } from "../core/environment.js";
import {
  environmentNames,
  stackPrefixOf,
  type EnvironmentNames,
  type EnvironmentSlug,
  type PipelineName,
  type StackName,
} from "../core/naming.js";
import { environmentFromTags, repositoryIdFromTags } from "../core/tags.js";
import type { Runtime } from "./runtime.js";

/**
 * The names of an environment's AWS things. A new environment's come from the repository's name
 * (core/naming.ts). A renamed or transferred repository keeps its stacks, since CloudFormation cannot
 * rename one: when no stack has the computed name, a managed stack of the same repository id and
 * environment (and prefix) is the environment's, under the name it was created with.
 */
export async function namesOf(
  runtime: Runtime,
  prefix: string,
  repo: RepositoryRef,
  environment: Environment,
): Promise<EnvironmentNames> {
  const computed = environmentNames(prefix, repo, environment);
  if (repo.id === undefined) return computed;
  const cfn = runtime.aws.cloudformation;
  if (await describeStack(cfn, computed.stack)) return computed;
  // A miss (a new environment, or the first look after a rename) asks the shared directory, which
  // lists the account once for all of them; without one (tools), the account is listed here.
  const candidates = runtime.stacks ? await runtime.stacks.ofRepository(repo.id) : await listManagedStacks(cfn);
  const found = candidates.find(
    (stack) =>
      repositoryIdFromTags(stack.tags) === repo.id &&
      stackPrefixOf(stack.name) === prefix &&
      sameEnvironment(environmentFromTags(stack.tags), environment),
  );
  if (!found) return computed;
  // The directory may be older than a teardown: a stack it names is used only while it exists.
  if (runtime.stacks && !(await describeStack(cfn, found.name as StackName))) return computed;
  return {
    stack: found.name as StackName,
    pipeline: found.name as PipelineName,
    slug: (found.parameters.BranchlineEnvironment ?? computed.slug) as EnvironmentSlug,
  };
}

/** Staging and production are one each per repository; a branch environment is its branch's. */
function sameEnvironment(tagged: Environment | null, wanted: Environment): boolean {
  if (tagged === null || tagged.kind !== wanted.kind) return false;
  return tagged.kind !== "branch" || (wanted.kind === "branch" && tagged.branch === wanted.branch);
}
