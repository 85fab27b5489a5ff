/**
 * A CloudFormation stack as branchline reads it: the shapes the AWS adapters (aws/stacks,
 * aws/change-sets) produce and the engine, the report and the read model consume. Plain data.
 */

/** A stack as DescribeStacks shows it, flattened to what branchline reads. */
export interface StackSnapshot {
  readonly name: string;
  readonly status: string;
  readonly statusReason: string | undefined;
  readonly tags: Readonly<Record<string, string>>;
  readonly outputs: Readonly<Record<string, string>>;
  readonly parameters: Readonly<Record<string, string>>;
  readonly terminationProtection: boolean;
  /** When the stack was created: an environment's age. */
  readonly createdAt?: Date;
  /** When the stack last changed (created, if never updated), for "since when" in the web view. */
  readonly updatedAt?: string | undefined;
}

/** One resource a change set adds, changes or removes. */
export interface ResourceChange {
  readonly action: "Add" | "Modify" | "Remove" | "Import" | "Dynamic";
  readonly logicalId: string;
  readonly resourceType: string;
  readonly replacement: "True" | "False" | "Conditional" | undefined;
}

/** One failure event of a stack operation: what a person needs to read. */
export interface StackEventSummary {
  readonly timestamp: Date | undefined;
  readonly logicalId: string;
  readonly resourceType: string;
  readonly status: string;
  readonly reason: string;
}
