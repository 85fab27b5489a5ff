import { isActionName, type ActionName } from "./actions.js";

/** A request under /branchline/ (a page) or /branchline/api/v1/ (the API), as one union. */
export type WebRoute =
  | { readonly kind: "repos" }
  | { readonly kind: "me" }
  | { readonly kind: "environments"; readonly owner: string; readonly name: string }
  | { readonly kind: "history"; readonly owner: string; readonly name: string; readonly label: string }
  | {
      readonly kind: "run";
      readonly owner: string;
      readonly name: string;
      readonly label: string;
      readonly executionId: string;
    }
  | {
      readonly kind: "action";
      readonly owner: string;
      readonly name: string;
      readonly label: string;
      readonly executionId: string;
      readonly action: ActionName;
    }
  | { readonly kind: "readiness"; readonly owner: string; readonly name: string }
  | { readonly kind: "events"; readonly owner: string; readonly name: string };

/**
 * Segments after the prefix, decoded: `repos/OWNER/NAME/environments/ENV/runs/ID/ACTION`. The
 * environment is one segment (its slashes percent-encoded). Pages and the API share the shapes;
 * `me` and `events` are the API's only.
 */
export function matchRoute(parts: readonly string[], api: boolean): WebRoute | null {
  if (parts.length === 0) return api ? null : { kind: "repos" };
  const [first, owner, name, section, label, runs, executionId, action, ...rest] = parts;
  if (parts.length === 1 && first === "repos") return { kind: "repos" };
  if (parts.length === 1 && first === "me" && api) return { kind: "me" };
  if (first !== "repos" || !owner || !name) return null;
  if (parts.length === 3) return api ? null : { kind: "environments", owner, name };
  if (section === "environments" && parts.length === 4) return { kind: "environments", owner, name };
  if (section === "readiness" && parts.length === 4) return { kind: "readiness", owner, name };
  if (section === "events" && parts.length === 4 && api) return { kind: "events", owner, name };
  if (section !== "environments" || !label || rest.length > 0) return null;
  if (parts.length === 5) return api ? null : { kind: "history", owner, name, label };
  if (runs !== "runs") return null;
  if (parts.length === 6) return { kind: "history", owner, name, label };
  if (!executionId) return null;
  if (parts.length === 7) return { kind: "run", owner, name, label, executionId };
  return action && isActionName(action) ? { kind: "action", owner, name, label, executionId, action } : null;
}
