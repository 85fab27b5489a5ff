import { ENVIRONMENT_KINDS, type EnvironmentKind } from "./environment.js";

/**
 * What a pull request's change to `.github/branchline.yml` would change, for which environments,
 * once merged (the config is read from the default branch, so nothing changes before). Pure: two
 * parsed configs in, a list of changes out.
 */

/** The parts of a config this compares (a structural subset of BranchlineConfig). */
export interface ComparableConfig {
  readonly template: string;
  readonly stackPrefix: string;
  readonly parameters: Readonly<Record<"all" | EnvironmentKind, Readonly<Record<string, string>>>>;
  readonly roles: Readonly<Partial<Record<EnvironmentKind, string>>>;
  readonly [field: string]: unknown;
}

export interface ConfigChange {
  /** `every environment`, or one kind: who is affected. */
  readonly scope: "every environment" | EnvironmentKind;
  readonly field: string;
  readonly change: string;
}

/** Fields and the environments they reach, beside template, stackPrefix, parameters and roles. */
const SCOPES: readonly [string, ConfigChange["scope"]][] = [
  ["branches", "branch"],
  ["releaseTags", "production"],
  ["production", "production"],
  ["permissions", "every environment"],
  ["onFailure", "every environment"],
  ["notifications", "every environment"],
  ["preview", "staging"],
];

const shown = (value: unknown): string => {
  if (value === undefined) return "unset";
  const text = typeof value === "string" ? `\`${value}\`` : `\`${JSON.stringify(value)}\``;
  return text.length > 120 ? `${text.slice(0, 117)}…\`` : text;
};

export function diffConfig(before: ComparableConfig, after: ComparableConfig): ConfigChange[] {
  const changes: ConfigChange[] = [];
  if (before.stackPrefix !== after.stackPrefix) {
    changes.push({
      scope: "every environment",
      field: "stackPrefix",
      change: `${shown(before.stackPrefix)} → ${shown(after.stackPrefix)}: every stack and pipeline gets a new name, so each environment is created anew (the old stacks stay until removed)`,
    });
  }
  if (before.template !== after.template) {
    changes.push({
      scope: "every environment",
      field: "template",
      change: `${shown(before.template)} → ${shown(after.template)}: the pipeline is built from another file`,
    });
  }
  for (const kind of ENVIRONMENT_KINDS) {
    const old = { ...before.parameters.all, ...before.parameters[kind] };
    const now = { ...after.parameters.all, ...after.parameters[kind] };
    for (const name of [...new Set([...Object.keys(old), ...Object.keys(now)])].sort()) {
      if (old[name] === now[name]) continue;
      changes.push({ scope: kind, field: `parameters.${name}`, change: `${shown(old[name])} → ${shown(now[name])}` });
    }
    if (before.roles[kind] !== after.roles[kind])
      changes.push({
        scope: kind,
        field: `roles.${kind}`,
        change: `${shown(before.roles[kind])} → ${shown(after.roles[kind])}`,
      });
  }
  for (const [field, scope] of SCOPES) {
    if (JSON.stringify(before[field]) !== JSON.stringify(after[field]))
      changes.push({ scope, field, change: `${shown(before[field])} → ${shown(after[field])}` });
  }
  return changes;
}
