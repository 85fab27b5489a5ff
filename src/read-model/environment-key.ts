import type { Environment } from "../core/environment.js";

/**
 * An environment as one URL path segment: its label (`staging`, `production`, `branch/NAME`),
 * percent-encoded whole, so a branch's slashes stay inside the segment.
 */
export function environmentKey(label: string): string {
  return encodeURIComponent(label);
}

/** The environment a decoded label names; null for anything else. The default branch names staging. */
export function environmentFromLabel(label: string, defaultBranch: string): Environment | null {
  if (label === "staging") return { kind: "staging", branch: defaultBranch };
  if (label === "production") return { kind: "production", tag: "" };
  if (label.startsWith("branch/") && label.length > "branch/".length)
    return { kind: "branch", branch: label.slice("branch/".length) };
  return null;
}
