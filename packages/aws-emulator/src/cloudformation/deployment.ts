import { validationError } from "../errors.js";
import type { S3Store } from "../s3/store.js";
import type { Deployment, Tag } from "./model.js";
import { resolveParameters, type ParameterInput } from "./parameters.js";
import { checkCapabilities, parseTemplate } from "./template.js";
import { templateBodyFrom } from "./template-source.js";

/** The template, parameters, tags, role and capabilities of a CreateStack, UpdateStack or CreateChangeSet call. */
export interface DeploymentInput {
  readonly templateBody?: string;
  readonly templateUrl?: string;
  readonly usePreviousTemplate?: boolean;
  readonly parameters?: readonly ParameterInput[];
  readonly tags?: readonly Tag[];
  readonly roleArn?: string;
  readonly capabilities?: readonly string[];
  readonly notificationArns?: readonly string[];
  readonly disableRollback?: boolean;
}

const STACK_NAME = /^[a-zA-Z][-a-zA-Z0-9]*$/;

export function checkStackName(name: string): void {
  if (!STACK_NAME.test(name) || name.length > 128) {
    throw validationError(
      `1 validation error detected: Value '${name}' at 'stackName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*|arn:[-a-zA-Z0-9:/._+]*`,
    );
  }
}

const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

function checkTags(tags: readonly Tag[]): void {
  if (tags.length > 50)
    throw validationError(
      "1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50",
    );
  for (const tag of tags) {
    if (tag.key.toLowerCase().startsWith("aws:"))
      throw validationError("Invalid tag key: aws: prefixed tag key names are not allowed for external use.");
    if (tag.key.length < 1 || tag.key.length > 128)
      throw validationError(
        `1 validation error detected: Value '${tag.key}' at 'tags.1.member.key' failed to satisfy constraint: Member must have length less than or equal to 128`,
      );
    if (tag.value.length > 256)
      throw validationError(
        `1 validation error detected: Value '${tag.value}' at 'tags.1.member.value' failed to satisfy constraint: Member must have length less than or equal to 256`,
      );
    // AWS's tag value pattern: git allows `#`, `!`, `,`, `(` in ref names, AWS does not in tag values.
    if (!TAG_VALUE.test(tag.value))
      throw validationError(
        `1 validation error detected: Value '${tag.value}' at 'tags.1.member.value' failed to satisfy constraint: Member must satisfy regular expression pattern: ^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$`,
      );
  }
}

/**
 * Settles a deployment as CloudFormation does: an update without Tags keeps the stack's tags,
 * and a stack's RoleARN sticks to later operations that name none.
 */
export function buildDeployment(input: DeploymentInput, s3: S3Store, previous?: Deployment): Deployment {
  let body: string;
  if (input.usePreviousTemplate) {
    if (!previous) throw validationError("UsePreviousTemplate is only allowed for an existing stack");
    body = previous.body;
  } else {
    body = templateBodyFrom({ body: input.templateBody, url: input.templateUrl }, s3);
  }
  const template = parseTemplate(body);
  const capabilities = input.capabilities ?? [];
  checkCapabilities(template, capabilities);
  const parameters = resolveParameters(template, input.parameters ?? [], previous?.parameters);
  const tags = input.tags ?? previous?.tags ?? [];
  checkTags(tags);
  return {
    template,
    body,
    parameters,
    tags,
    roleArn: input.roleArn ?? previous?.roleArn,
    capabilities,
    notificationArns: input.notificationArns ?? previous?.notificationArns ?? [],
    disableRollback: input.disableRollback ?? false,
  };
}
