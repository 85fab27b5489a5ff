import { AwsError, validationError } from "../errors.js";
import { QueryParams, queryErrorResponse, queryResponse } from "../protocols/query.js";
import { members, node, text } from "../protocols/xml.js";
import type { ServiceHandler, ServiceRequest, ServiceResponse } from "../service.js";
import { ChangeSets } from "./changeset-service.js";
import type { ChangeSetType } from "./changesets.js";
import type { DeploymentInput } from "./deployment.js";
import type { Tag } from "./model.js";
import type { ParameterInput } from "./parameters.js";
import {
  changeSetSummaryXml,
  changeSetXml,
  eventXml,
  resourceSummaryXml,
  stackResourceXml,
  stackXml,
} from "./render.js";
import type { Stacks } from "./stacks.js";
import { parseTemplate, requiredCapability } from "./template.js";
import { templateBodyFrom } from "./template-source.js";

const CFN = { xmlns: "http://cloudformation.amazonaws.com/doc/2010-05-15/" };
const XML = { "content-type": "text/xml" };

function deploymentInput(q: QueryParams): DeploymentInput {
  return {
    templateBody: q.string("TemplateBody"),
    templateUrl: q.string("TemplateURL"),
    usePreviousTemplate: q.boolean("UsePreviousTemplate"),
    parameters: q.structs<ParameterInput>("Parameters", (p, at) => ({
      key: p.string(`${at}.ParameterKey`) ?? "",
      value: p.string(`${at}.ParameterValue`),
      usePreviousValue: p.boolean(`${at}.UsePreviousValue`),
    })),
    tags: q.structs<Tag>("Tags", (p, at) => ({
      key: p.string(`${at}.Key`) ?? "",
      value: p.string(`${at}.Value`) ?? "",
    })),
    roleArn: q.string("RoleARN"),
    capabilities: q.strings("Capabilities"),
    notificationArns: q.strings("NotificationARNs"),
    disableRollback: q.boolean("DisableRollback") ?? (q.string("OnFailure") === "DO_NOTHING" ? true : undefined),
  };
}

function required(q: QueryParams, name: string): string {
  const value = q.string(name);
  if (value === undefined || value === "") {
    throw validationError(
      `1 validation error detected: Value null at '${name.charAt(0).toLowerCase() + name.slice(1)}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return value;
}

/** Pages of a list in a stable order; the token is the position to resume at. */
function page<T>(
  items: readonly T[],
  token: string | undefined,
  size: number,
): { items: T[]; next: string | undefined } {
  const start = token ? Number(Buffer.from(token, "base64url").toString("utf8")) : 0;
  if (!Number.isInteger(start) || start < 0) throw validationError("Invalid NextToken");
  const slice = items.slice(start, start + size);
  const more = start + size < items.length;
  return { items: slice, next: more ? Buffer.from(String(start + size)).toString("base64url") : undefined };
}

/** CloudFormation over awsQuery: parse the form, call the stack or change-set operation, render XML. */
export class CloudFormationApi implements ServiceHandler {
  private readonly changeSets: ChangeSets;

  constructor(
    private readonly stacks: Stacks,
    private readonly pageSize: number,
  ) {
    this.changeSets = new ChangeSets(stacks);
  }

  operationOf(request: ServiceRequest): string {
    return QueryParams.fromBody(request.body.toString("utf8")).action || "Unknown";
  }

  async handle(request: ServiceRequest, operation: string): Promise<ServiceResponse> {
    const q = QueryParams.fromBody(request.body.toString("utf8"));
    const result = this.dispatch(operation, q);
    return { status: 200, headers: XML, body: queryResponse(CFN, operation, result, request.requestId) };
  }

  renderError(error: AwsError, request: ServiceRequest): ServiceResponse {
    return { status: error.status, headers: XML, body: queryErrorResponse(CFN, error, request.requestId) };
  }

  faultError(kind: "throttle" | "server-error"): AwsError {
    return kind === "throttle"
      ? new AwsError("Throttling", "Rate exceeded", 400)
      : new AwsError("InternalFailure", "An internal error occurred.", 500);
  }

  private dispatch(operation: string, q: QueryParams): string {
    const stacks = this.stacks;
    switch (operation) {
      case "DescribeStacks": {
        const name = q.string("StackName");
        if (name !== undefined) return members("Stacks", [stacks.describe(name)], stackXml);
        const { items, next } = page(stacks.store.active(), q.string("NextToken"), this.pageSize);
        return members("Stacks", items, stackXml) + text("NextToken", next);
      }
      case "DescribeStackEvents": {
        const stack = stacks.store.require(required(q, "StackName"));
        const { items, next } = page([...stack.events].reverse(), q.string("NextToken"), this.pageSize);
        return members("StackEvents", items, eventXml) + text("NextToken", next);
      }
      case "ListStackResources": {
        const stack = stacks.store.require(required(q, "StackName"));
        const { items, next } = page([...stack.resources.values()], q.string("NextToken"), this.pageSize);
        return members("StackResourceSummaries", items, resourceSummaryXml) + text("NextToken", next);
      }
      case "DescribeStackResources": {
        const stackName = q.string("StackName");
        const physicalId = q.string("PhysicalResourceId");
        const stack =
          stackName !== undefined
            ? stacks.store.require(stackName)
            : stacks.store.all().find((s) => [...s.resources.values()].some((r) => r.physicalId === physicalId));
        if (!stack) throw validationError(`Stack for ${physicalId} does not exist`);
        const logicalId = q.string("LogicalResourceId");
        const resources = [...stack.resources.values()].filter(
          (r) =>
            (logicalId === undefined || r.logicalId === logicalId) &&
            (physicalId === undefined || r.physicalId === physicalId),
        );
        return members("StackResources", resources, (r) => stackResourceXml(stack, r));
      }
      case "CreateStack": {
        const stack = stacks.createStack({
          ...deploymentInput(q),
          stackName: required(q, "StackName"),
          clientRequestToken: q.string("ClientRequestToken"),
          enableTerminationProtection: q.boolean("EnableTerminationProtection"),
        });
        return text("StackId", stack.stackId);
      }
      case "UpdateStack": {
        const stack = stacks.updateStack({
          ...deploymentInput(q),
          stackName: required(q, "StackName"),
          clientRequestToken: q.string("ClientRequestToken"),
        });
        return text("StackId", stack.stackId);
      }
      case "DeleteStack":
        stacks.deleteStack({
          stackName: required(q, "StackName"),
          clientRequestToken: q.string("ClientRequestToken"),
          retainResources: q.strings("RetainResources"),
          ...(q.string("RoleARN") ? { roleArn: q.string("RoleARN")! } : {}),
        });
        return "";
      case "ContinueUpdateRollback":
        stacks.continueUpdateRollback({
          stackName: required(q, "StackName"),
          clientRequestToken: q.string("ClientRequestToken"),
          resourcesToSkip: q.strings("ResourcesToSkip"),
        });
        return "";
      case "UpdateTerminationProtection": {
        const enable = q.boolean("EnableTerminationProtection");
        if (enable === undefined) required(q, "EnableTerminationProtection");
        return text("StackId", stacks.updateTerminationProtection(required(q, "StackName"), enable ?? false).stackId);
      }
      case "CreateChangeSet": {
        const changeSet = this.changeSets.create({
          ...deploymentInput(q),
          stackName: required(q, "StackName"),
          changeSetName: required(q, "ChangeSetName"),
          changeSetType: q.string("ChangeSetType") as ChangeSetType | undefined,
          clientToken: q.string("ClientToken"),
          description: q.string("Description"),
        });
        return text("Id", changeSet.id) + text("StackId", changeSet.stackId);
      }
      case "DescribeChangeSet": {
        const changeSet = this.changeSets.find(required(q, "ChangeSetName"), q.string("StackName"));
        const { items, next } = page(changeSet.changes, q.string("NextToken"), this.pageSize);
        return changeSetXml(changeSet, { changes: items, next });
      }
      case "ExecuteChangeSet":
        this.changeSets.execute({
          changeSetName: required(q, "ChangeSetName"),
          stackName: q.string("StackName"),
          clientRequestToken: q.string("ClientRequestToken"),
        });
        return "";
      case "DeleteChangeSet":
        this.changeSets.delete(required(q, "ChangeSetName"), q.string("StackName"));
        return "";
      case "ListChangeSets": {
        const { items, next } = page(
          this.changeSets.list(required(q, "StackName")),
          q.string("NextToken"),
          this.pageSize,
        );
        return members("Summaries", items, changeSetSummaryXml) + text("NextToken", next);
      }
      case "GetTemplate": {
        const changeSetName = q.string("ChangeSetName");
        const body = changeSetName
          ? this.changeSets.find(changeSetName, q.string("StackName")).deployment.body
          : stacks.store.require(required(q, "StackName")).deployment?.body;
        return text("TemplateBody", body ?? "") + members("StagesAvailable", ["Original", "Processed"], (s) => s);
      }
      case "ValidateTemplate":
        return this.validateTemplate(q);
      default:
        throw new AwsError("InvalidAction", `The action ${operation} is not valid for this web service.`, 400);
    }
  }

  private validateTemplate(q: QueryParams): string {
    const body = templateBodyFrom(
      { body: q.string("TemplateBody"), url: q.string("TemplateURL") },
      this.stacks.deps.s3,
    );
    const template = parseTemplate(body);
    const need = requiredCapability(template);
    const parameters = Object.entries(template.Parameters ?? {});
    return (
      members(
        "Parameters",
        parameters,
        ([key, p]) =>
          text("ParameterKey", key) +
          text("DefaultValue", p.Default === undefined ? undefined : String(p.Default)) +
          text("NoEcho", String(p.NoEcho) === "true") +
          text("Description", p.Description as string | undefined),
      ) +
      text("Description", template.Description) +
      (need.capability
        ? members("Capabilities", [need.capability], (c) => c) +
          text(
            "CapabilitiesReason",
            `The following resource(s) require capabilities: [${need.resourceTypes.join(", ")}]`,
          )
        : "") +
      node("DeclaredTransforms")
    );
  }
}
