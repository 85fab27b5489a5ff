import type { RequiredCheckResult } from "../core/required-checks.js";

/**
 * Production's check run lists every `production.requireChecks` entry, met or unmet, with who
 * reported the result that counted and a link to it: a release manager reads there what verified
 * the release (or what is missing), whether the promotion passed or not. Pure.
 */
export function requiredChecksSection(results: readonly RequiredCheckResult[] | undefined): string {
  if (results === undefined || results.length === 0) return "";
  const lines = results.map((r) => {
    const by = r.reportedBy ? `, reported by ${r.reportedBy}` : "";
    const link = r.url ? ` ([details](${r.url}))` : "";
    return `- ${r.met ? "✅ **met**" : "❌ **unmet**"}: ${r.label}: ${r.detail}${by}${link}`;
  });
  return ["", "### Required checks (`production.requireChecks`)", ...lines].join("\n");
}
