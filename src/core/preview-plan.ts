/**
 * A preview: what merging a pull request would do to staging, from the change sets of its stacks.
 * Pure: change sets in, an ordered, categorized report out. What can lose data or widen access is
 * called out first: replacements of stateful resources (a replaced database is a new, empty one),
 * then IAM and security-group changes, then the rest.
 */

export interface PreviewChange {
  readonly action: "Add" | "Modify" | "Remove" | "Import" | "Dynamic";
  readonly logicalId: string;
  readonly resourceType: string;
  readonly replacement: "True" | "False" | "Conditional" | undefined;
}

/** Resource types that hold data: replacing or removing one loses what it holds. */
const STATEFUL_TYPES = new Set([
  "AWS::RDS::DBInstance",
  "AWS::RDS::DBCluster",
  "AWS::DynamoDB::Table",
  "AWS::DynamoDB::GlobalTable",
  "AWS::S3::Bucket",
  "AWS::EFS::FileSystem",
  "AWS::FSx::FileSystem",
  "AWS::EC2::Volume",
  "AWS::ElastiCache::CacheCluster",
  "AWS::ElastiCache::ReplicationGroup",
  "AWS::DocDB::DBCluster",
  "AWS::Neptune::DBCluster",
  "AWS::Redshift::Cluster",
  "AWS::OpenSearchService::Domain",
  "AWS::Elasticsearch::Domain",
  "AWS::Kinesis::Stream",
  "AWS::SQS::Queue",
  "AWS::KMS::Key",
  "AWS::Backup::BackupVault",
  "AWS::Timestream::Table",
]);

/** Who may do what: roles, policies, security groups and resource policies. */
function isSecurityType(type: string): boolean {
  return (
    type.startsWith("AWS::IAM::") ||
    type.startsWith("AWS::EC2::SecurityGroup") ||
    /^AWS::[A-Za-z0-9]+::[A-Za-z0-9]*Policy$/.test(type) ||
    type === "AWS::Lambda::Permission" ||
    type === "AWS::KMS::Key"
  );
}

export function isStateful(type: string): boolean {
  return STATEFUL_TYPES.has(type);
}

/** The order a preview lists changes in: most dangerous first. */
export const CATEGORIES = [
  "stateful-replacement",
  "stateful-removal",
  "security",
  "replacement",
  "removal",
  "modification",
  "addition",
] as const;
export type ChangeCategory = (typeof CATEGORIES)[number];

export type ChangeVerb = "added" | "modified" | "replaced" | "may be replaced" | "removed" | "imported" | "dynamic";

export interface CategorizedChange extends PreviewChange {
  readonly category: ChangeCategory;
  readonly verb: ChangeVerb;
  readonly stateful: boolean;
  readonly security: boolean;
}

function verbOf(change: PreviewChange): ChangeVerb {
  switch (change.action) {
    case "Add":
      return "added";
    case "Remove":
      return "removed";
    case "Import":
      return "imported";
    case "Dynamic":
      return "dynamic";
    case "Modify":
      return change.replacement === "True"
        ? "replaced"
        : change.replacement === "Conditional"
          ? "may be replaced"
          : "modified";
  }
}

function categoryOf(change: PreviewChange, stateful: boolean, security: boolean): ChangeCategory {
  const replaced =
    change.action === "Modify" && (change.replacement === "True" || change.replacement === "Conditional");
  if (stateful && replaced) return "stateful-replacement";
  if (stateful && change.action === "Remove") return "stateful-removal";
  if (security) return "security";
  if (replaced) return "replacement";
  if (change.action === "Remove") return "removal";
  if (change.action === "Add") return "addition";
  return "modification";
}

/** Every change with its category, most dangerous first; within a category in the change set's order. */
export function categorize(changes: readonly PreviewChange[]): CategorizedChange[] {
  return changes
    .map((change, index) => {
      const stateful = isStateful(change.resourceType);
      const security = isSecurityType(change.resourceType);
      return {
        index,
        change: {
          ...change,
          stateful,
          security,
          verb: verbOf(change),
          category: categoryOf(change, stateful, security),
        },
      };
    })
    .sort((a, b) => CATEGORIES.indexOf(a.change.category) - CATEGORIES.indexOf(b.change.category) || a.index - b.index)
    .map(({ change }) => change);
}

/** One stack of the preview; `source` says where its template was read when that is not plain. */
export type StackPreview = StackPreviewKind & { readonly source?: string };

type StackPreviewKind =
  | {
      readonly kind: "changes";
      readonly role: StackRole;
      readonly stack: string;
      readonly changes: readonly CategorizedChange[];
    }
  | { readonly kind: "no-changes"; readonly role: StackRole; readonly stack: string; readonly why: string }
  /** No stack yet: merging creates it with every resource of its template. */
  | {
      readonly kind: "new";
      readonly role: StackRole;
      readonly stack: string;
      readonly changes: readonly CategorizedChange[];
    }
  | { readonly kind: "failed"; readonly role: StackRole; readonly stack: string; readonly why: string }
  /** Not previewed, and why (an application template only a build produces...). */
  | { readonly kind: "skipped"; readonly role: StackRole; readonly stack: string; readonly why: string };

export type StackRole = "pipeline" | "application";

/** The resources of a template a new stack would get, as the additions a change set would list. */
export function additionsOf(
  resources: Readonly<Record<string, { readonly Type?: unknown } | undefined>>,
): PreviewChange[] {
  return Object.entries(resources).map(([logicalId, resource]) => ({
    action: "Add" as const,
    logicalId,
    resourceType: typeof resource?.Type === "string" ? resource.Type : "?",
    replacement: undefined,
  }));
}

export interface PreviewVerdict {
  /** Replacements and removals of stateful resources, across the stacks. */
  readonly dataLoss: readonly (CategorizedChange & { readonly stack: string })[];
  readonly security: readonly (CategorizedChange & { readonly stack: string })[];
  readonly total: number;
  readonly failed: boolean;
}

/** What a preview amounts to: the changes a person must look at, and whether any part failed. */
export function verdict(stacks: readonly StackPreview[]): PreviewVerdict {
  const all = stacks.flatMap((s) =>
    s.kind === "changes" || s.kind === "new" ? s.changes.map((c) => ({ ...c, stack: s.stack })) : [],
  );
  return {
    dataLoss: all.filter((c) => c.category === "stateful-replacement" || c.category === "stateful-removal"),
    security: all.filter((c) => c.category === "security"),
    total: all.length,
    failed: stacks.some((s) => s.kind === "failed"),
  };
}
