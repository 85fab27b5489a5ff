import { readTemplate, type CfnTemplate } from "@branchline/cloudformation-template";
import { AwsError, validationError } from "../errors.js";
import { checkReferences, creationOrder } from "./dependencies.js";

/** Template checks CloudFormation makes before any work: size, format, references, capabilities. */

export const MAX_TEMPLATE_BODY = 51_200;

export function checkBodySize(body: string): void {
  if (Buffer.byteLength(body, "utf8") > MAX_TEMPLATE_BODY) {
    throw validationError(
      `1 validation error detected: Value '${body}' at 'templateBody' failed to satisfy constraint: Member must have length less than or equal to ${MAX_TEMPLATE_BODY}`,
    );
  }
}

export function parseTemplate(body: string): CfnTemplate {
  const looksJson = body.trimStart().startsWith("{");
  const result = readTemplate(body);
  if (!result.ok) {
    const problem = result.problems[0];
    if (problem?.message.includes("Resources")) {
      throw validationError("Template format error: At least one Resources member must be defined.");
    }
    const where = problem ? ` (line ${problem.position.line}, column ${problem.position.column})` : "";
    throw validationError(`Template format error: ${looksJson ? "JSON" : "YAML"} not well-formed.${where}`);
  }
  const template = result.template;
  if (Object.keys(template.Resources).length === 0) {
    throw validationError("Template format error: At least one Resources member must be defined.");
  }
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (typeof resource !== "object" || resource === null || typeof resource.Type !== "string") {
      throw validationError(
        `Template format error: [/Resources/${logicalId}] Every Resources object must contain a Type member.`,
      );
    }
  }
  checkReferences(template);
  creationOrder(template, () => true);
  return template;
}

export type Capability = "CAPABILITY_IAM" | "CAPABILITY_NAMED_IAM" | "CAPABILITY_AUTO_EXPAND";

const NAMED_IAM_PROPERTIES = ["RoleName", "UserName", "GroupName", "ManagedPolicyName", "InstanceProfileName"];

export interface CapabilityNeed {
  readonly capability: Capability | undefined;
  readonly resourceTypes: readonly string[];
}

/** IAM resources need CAPABILITY_IAM; named ones CAPABILITY_NAMED_IAM, as CloudFormation demands. */
export function requiredCapability(template: CfnTemplate): CapabilityNeed {
  const iam = Object.values(template.Resources).filter((r) => r.Type.startsWith("AWS::IAM::"));
  if (iam.length === 0) return { capability: undefined, resourceTypes: [] };
  const named = iam.some((r) => NAMED_IAM_PROPERTIES.some((p) => r.Properties?.[p] !== undefined));
  return {
    capability: named ? "CAPABILITY_NAMED_IAM" : "CAPABILITY_IAM",
    resourceTypes: [...new Set(iam.map((r) => r.Type))],
  };
}

export function checkCapabilities(template: CfnTemplate, granted: readonly string[]): void {
  const { capability } = requiredCapability(template);
  if (!capability) return;
  const ok =
    granted.includes(capability) || (capability === "CAPABILITY_IAM" && granted.includes("CAPABILITY_NAMED_IAM"));
  if (!ok) throw new AwsError("InsufficientCapabilitiesException", `Requires capabilities : [${capability}]`, 400);
}
