import { escapeXml, members, node, text } from "../protocols/xml.js";
import type { ChangeSet } from "./changesets.js";
import type { ResourceChange } from "./diff.js";
import type { ResourceState, Stack, StackEvent, Tag } from "./model.js";
import type { ResolvedParameter } from "./parameters.js";

/** CloudFormation response members, with the element names of the SDK's awsQuery schemas. */

function parametersXml(parameters: readonly ResolvedParameter[] | undefined): string {
  return members(
    "Parameters",
    parameters,
    (p) => text("ParameterKey", p.key) + text("ParameterValue", p.noEcho ? "****" : p.value),
  );
}

function tagsXml(tags: readonly Tag[] | undefined): string {
  return members("Tags", tags, (t) => text("Key", t.key) + text("Value", t.value));
}

function strings(name: string, values: readonly string[] | undefined): string {
  return members(name, values, escapeXml);
}

export function stackXml(stack: Stack): string {
  const d = stack.deployment;
  return (
    text("StackId", stack.stackId) +
    text("StackName", stack.stackName) +
    text("ChangeSetId", stack.changeSetId) +
    text("Description", d?.template.Description) +
    parametersXml(d?.parameters ?? []) +
    text("CreationTime", stack.creationTime) +
    text("DeletionTime", stack.deletionTime) +
    text("LastUpdatedTime", stack.lastUpdatedTime) +
    text("StackStatus", stack.status) +
    text("StackStatusReason", stack.statusReason) +
    text("DisableRollback", d?.disableRollback ?? false) +
    strings("NotificationARNs", d?.notificationArns ?? []) +
    strings("Capabilities", d?.capabilities.length ? d.capabilities : undefined) +
    members(
      "Outputs",
      stack.outputs.length > 0 ? stack.outputs : undefined,
      (o) =>
        text("OutputKey", o.key) +
        text("OutputValue", o.value) +
        text("Description", o.description) +
        text("ExportName", o.exportName),
    ) +
    text("RoleARN", d?.roleArn) +
    tagsXml(d?.tags ?? []) +
    text("EnableTerminationProtection", stack.terminationProtection) +
    node("DriftInformation", text("StackDriftStatus", "NOT_CHECKED"))
  );
}

export function eventXml(event: StackEvent): string {
  return (
    text("StackId", event.stackId) +
    text("EventId", event.eventId) +
    text("StackName", event.stackName) +
    text("LogicalResourceId", event.logicalId) +
    text("PhysicalResourceId", event.physicalId ?? "") +
    text("ResourceType", event.resourceType) +
    text("Timestamp", event.timestamp) +
    text("ResourceStatus", event.status) +
    text("ResourceStatusReason", event.reason) +
    text("ResourceProperties", event.properties) +
    text("ClientRequestToken", event.clientRequestToken)
  );
}

const DRIFT = node("DriftInformation", text("StackResourceDriftStatus", "NOT_CHECKED"));

export function stackResourceXml(stack: Stack, resource: ResourceState): string {
  return (
    text("StackName", stack.stackName) +
    text("StackId", stack.stackId) +
    text("LogicalResourceId", resource.logicalId) +
    text("PhysicalResourceId", resource.physicalId) +
    text("ResourceType", resource.type) +
    text("Timestamp", resource.updatedAt) +
    text("ResourceStatus", resource.status) +
    text("ResourceStatusReason", resource.statusReason) +
    DRIFT
  );
}

export function resourceSummaryXml(resource: ResourceState): string {
  return (
    text("LogicalResourceId", resource.logicalId) +
    text("PhysicalResourceId", resource.physicalId) +
    text("ResourceType", resource.type) +
    text("LastUpdatedTimestamp", resource.updatedAt) +
    text("ResourceStatus", resource.status) +
    text("ResourceStatusReason", resource.statusReason) +
    DRIFT
  );
}

function changeXml(change: ResourceChange): string {
  const details = change.changedProperties.map((name) =>
    node(
      "member",
      node(
        "Target",
        text("Attribute", "Properties"),
        text("Name", name),
        text("RequiresRecreation", change.replacement === "True" ? "Always" : "Never"),
      ),
      text("Evaluation", "Static"),
      text("ChangeSource", "DirectModification"),
    ),
  );
  return (
    text("Type", "Resource") +
    node(
      "ResourceChange",
      text("Action", change.action),
      text("LogicalResourceId", change.logicalId),
      text("PhysicalResourceId", change.physicalId),
      text("ResourceType", change.resourceType),
      text("Replacement", change.replacement),
      strings("Scope", change.scope),
      node("Details", ...details),
    )
  );
}

/** A change set as DescribeChangeSet answers it: its changes a page at a time, as AWS pages them. */
export function changeSetXml(
  changeSet: ChangeSet,
  page: { readonly changes: readonly ChangeSet["changes"][number][]; readonly next: string | undefined } = {
    changes: changeSet.changes,
    next: undefined,
  },
): string {
  const showChanges = changeSet.status === "CREATE_COMPLETE";
  return (
    text("ChangeSetName", changeSet.name) +
    text("ChangeSetId", changeSet.id) +
    text("StackId", changeSet.stackId) +
    text("StackName", changeSet.stackName) +
    text("Description", changeSet.description) +
    parametersXml(changeSet.deployment.parameters) +
    text("CreationTime", changeSet.creationTime) +
    text("ExecutionStatus", changeSet.executionStatus) +
    text("Status", changeSet.status) +
    text("StatusReason", changeSet.statusReason) +
    strings("NotificationARNs", changeSet.deployment.notificationArns) +
    strings("Capabilities", changeSet.deployment.capabilities) +
    tagsXml(changeSet.deployment.tags) +
    members("Changes", showChanges ? page.changes : [], changeXml) +
    text("NextToken", showChanges ? page.next : undefined) +
    text("IncludeNestedStacks", false)
  );
}

export function changeSetSummaryXml(changeSet: ChangeSet): string {
  return (
    text("StackId", changeSet.stackId) +
    text("StackName", changeSet.stackName) +
    text("ChangeSetId", changeSet.id) +
    text("ChangeSetName", changeSet.name) +
    text("ExecutionStatus", changeSet.executionStatus) +
    text("Status", changeSet.status) +
    text("StatusReason", changeSet.statusReason) +
    text("CreationTime", changeSet.creationTime) +
    text("Description", changeSet.description) +
    text("IncludeNestedStacks", false)
  );
}
