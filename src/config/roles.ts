import type { EnvironmentKind } from "../core/environment.js";
import { CONFIG_PATH, roleFor, type BranchlineConfig } from "./schema.js";

/** The output of templates/branchline-iam.yml that holds each kind's CloudFormation service role. */
const ROLE_OUTPUT: Record<EnvironmentKind, string> = {
  branch: "BranchServiceRoleArn",
  staging: "StagingServiceRoleArn",
  production: "ProductionServiceRoleArn",
};

/**
 * On AWS the App's policy (templates/branchline-iam.yml) allows stack operations only with one of the
 * three service roles, so an environment kind without `roles.<kind>` could never deploy: every change
 * set would be AccessDenied. Said before AWS is asked, with what to set. (An emulator needs no role.)
 */
export function missingRoleMessage(config: BranchlineConfig, kind: EnvironmentKind): string | null {
  if (roleFor(config, kind) !== undefined) return null;
  return `roles.${kind} is not set: on AWS, branchline deploys ${kind} environments only with their CloudFormation service role; set roles.${kind} in ${CONFIG_PATH} to the ${ROLE_OUTPUT[kind]} output of templates/branchline-iam.yml`;
}
