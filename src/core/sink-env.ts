/**
 * Which process variables a repository's sink config may read. The config is the repository's (any
 * writer of the default branch), the variables are the operator's: a sink may read only variables
 * named `BRANCHLINE_SINK_…`, never the App's own secrets (WEBHOOK_SECRET, PRIVATE_KEY, AWS keys…).
 * An installation serving several owners scopes a variable to one of them with a double underscore:
 * `BRANCHLINE_SINK_OCTO_ORG__SLACK_URL` is readable only by repositories of `octo-org` (the login
 * upper-cased, every character but letters and digits as `_`); a name without `__` is shared.
 */
export const SINK_VARIABLE_PREFIX = "BRANCHLINE_SINK_";

export const SINK_VARIABLE_PATTERN = /^BRANCHLINE_SINK_[A-Z0-9_]+$/;

/** The owner part of a scoped variable name: `octo-org` → `OCTO_ORG`. */
export function ownerScope(owner: string): string {
  return owner.toUpperCase().replace(/[^A-Z0-9]/g, "_");
}

/** Why the repository of `owner` may not read variable `name`, or null when it may. */
export function sinkVariableProblem(name: string, owner: string): string | null {
  if (!SINK_VARIABLE_PATTERN.test(name))
    return `only variables named ${SINK_VARIABLE_PREFIX}… may be read by a sink (got ${name})`;
  const rest = name.slice(SINK_VARIABLE_PREFIX.length);
  const scoped = rest.indexOf("__");
  if (scoped > 0 && rest.slice(0, scoped) !== ownerScope(owner))
    return `${name} is scoped to another owner than ${owner}`;
  return null;
}
