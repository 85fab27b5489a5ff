/** GitHub's repository roles, weakest first. */
export const PERMISSION_LEVELS = ["read", "triage", "write", "maintain", "admin"] as const;
export type PermissionLevel = (typeof PERMISSION_LEVELS)[number];

/**
 * Whether a user's role on the repository is at least the required one. GitHub answers with a role
 * name (read, triage, write, maintain, admin, or a custom role's base) or "none".
 */
export function hasPermission(role: string, required: PermissionLevel): boolean {
  const held = PERMISSION_LEVELS.indexOf(role as PermissionLevel);
  return held >= 0 && held >= PERMISSION_LEVELS.indexOf(required);
}
