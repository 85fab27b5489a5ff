/**
 * Stack tags are branchline's database (DESIGN principle 3): they say which repository and
 * environment a stack belongs to, so the reconciler finds managed stacks without memory.
 */
export const TAG = {
  managedBy: "branchline:managed-by",
  repository: "branchline:repository",
  environment: "branchline:environment",
  ref: "branchline:ref",
  templateHash: "branchline:template-hash",
  parametersHash: "branchline:parameters-hash",
} as const;

export const MANAGED_BY_VALUE = "branchline";

/** AWS's limits on tag values; the ref is kept whole where it fits, and git refs are at most 255 bytes. */
export const TAG_VALUE_MAX = 256;
