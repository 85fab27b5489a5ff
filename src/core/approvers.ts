import { hasPermission, type PermissionLevel } from "./permissions.js";

/**
 * Who may answer a pipeline's manual approval (`<kind>.approval.approvers`), as a pure decision over
 * what GitHub says of the person now (src/engine/approvals.ts gathers it).
 */

export interface ApproverRules {
  readonly users: readonly string[];
  readonly teams: readonly string[];
  readonly minimumPermission?: PermissionLevel | undefined;
}

/** The role that qualifies by itself: as configured, else `maintain` when no one is listed, else none. */
export function effectiveMinimumPermission(rules: ApproverRules): PermissionLevel | null {
  if (rules.minimumPermission !== undefined) return rules.minimumPermission;
  return rules.users.length === 0 && rules.teams.length === 0 ? "maintain" : null;
}

export interface ApproverFacts {
  readonly user: string;
  /** The user's role on the repository as GitHub says now (`none` without access). */
  readonly role: string;
  /** The configured approver teams the user is an active member of. */
  readonly teams: readonly string[];
}

export type ApprovalVerdict =
  { readonly allowed: true; readonly as: string } | { readonly allowed: false; readonly why: string };

/** May this person answer the approval? Listed user, member of a listed team, or role at least the minimum. */
export function mayApprove(rules: ApproverRules, facts: ApproverFacts): ApprovalVerdict {
  const user = facts.user.toLowerCase();
  // Without read access no one answers for a repository, whatever a list says.
  if (!hasPermission(facts.role, "read"))
    return { allowed: false, why: `@${facts.user} has no access to this repository` };
  if (rules.users.includes(user)) return { allowed: true, as: "a listed approver" };
  const team = facts.teams.find((t) => rules.teams.includes(t.toLowerCase()));
  if (team !== undefined) return { allowed: true, as: `a member of team \`${team}\`` };
  const minimum = effectiveMinimumPermission(rules);
  if (minimum !== null && hasPermission(facts.role, minimum))
    return { allowed: true, as: `a person with the ${facts.role} role` };
  return {
    allowed: false,
    why: `@${facts.user} is not an approver: ${describeApprovers(rules)} (they have the ${facts.role} role)`,
  };
}

/** "approvers are @a, team `t`, or anyone with the maintain role or higher" */
export function describeApprovers(rules: ApproverRules): string {
  const minimum = effectiveMinimumPermission(rules);
  const parts = [...rules.users.map((u) => `@${u}`), ...rules.teams.map((t) => `team \`${t}\``)];
  if (minimum !== null) parts.push(`anyone with the **${minimum}** role or higher`);
  return parts.length === 0 ? "no one may approve" : `approvers are ${joinOr(parts)}`;
}

function joinOr(parts: readonly string[]): string {
  if (parts.length <= 1) return parts.join("");
  return `${parts.slice(0, -1).join(", ")} or ${parts.at(-1)}`;
}
