import { environmentLabel, type Environment } from "./environment.js";

/**
 * The names and button ids of branchline's check runs, in one place: the report writes them, the
 * check_run webhooks and the web view read them back, and the promotion rules look staging's up.
 * A name written one way and parsed another would make a button that does nothing, so the grammar
 * and its reading sit side by side here.
 */

/** Every check run branchline writes starts with this. */
export const CHECK_NAME_PREFIX = "branchline: ";

/** The check run that reports a config file branchline cannot use. */
export const CONFIG_CHECK_NAME = `${CHECK_NAME_PREFIX}config`;

/** The check run a pull request into the default branch gets on its head commit. */
export const PREVIEW_CHECK_NAME = `${CHECK_NAME_PREFIX}staging preview`;

/** Identifiers of the check runs' buttons (GitHub allows 20 characters). */
export const APPROVE_ACTION = "approve";
export const REJECT_ACTION = "reject";
export const REPROVISION_ACTION = "reprovision";
export const ACKNOWLEDGE_ACTION = "acknowledge";

/** `branchline: branch/feature/x`, `branchline: staging`, `branchline: production`. */
export function checkRunName(environment: Environment): string {
  return labelCheckRunName(environmentLabel(environment));
}

/** The check run name for an environment label (`environmentLabel`), as the web view holds it. */
export function labelCheckRunName(label: string): string {
  return `${CHECK_NAME_PREFIX}${label}`;
}

/** Staging's check run, the evidence promotion reads: `checkRunName` of any staging environment. */
export const STAGING_CHECK_NAME = labelCheckRunName("staging");

/**
 * The environment a check run's name is about, the inverse of `checkRunName`. Staging is the default
 * branch's; production's tag is the check suite's head (GitHub's `head_branch` holds the tag). Null
 * for any other name (the config check, the preview, someone else's check run).
 */
export function environmentFromCheckName(
  name: string,
  defaultBranch: string,
  headBranch: string | null,
): Environment | null {
  if (!name.startsWith(CHECK_NAME_PREFIX)) return null;
  const label = name.slice(CHECK_NAME_PREFIX.length);
  if (label === "staging") return { kind: "staging", branch: defaultBranch };
  if (label === "production") return { kind: "production", tag: headBranch ?? "" };
  if (label.startsWith("branch/") && label.length > "branch/".length)
    return { kind: "branch", branch: label.slice("branch/".length) };
  return null;
}
