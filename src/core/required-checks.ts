/**
 * External verification as promotion evidence (`production.requireChecks`): check runs named by
 * name and App, or commit statuses named by context (and, optionally, who posts them), that must be
 * `success` on the release's commit. Only the named App's (or context's) own results count: a check
 * run of the same name from another App is not evidence. Pure; the facts come from
 * src/github/required-check-facts.ts.
 */
export type RequiredCheck =
  | { readonly kind: "check-run"; readonly name: string; readonly app: string }
  | { readonly kind: "status"; readonly context: string; readonly creator?: string | undefined };

export interface ObservedCheckRun {
  readonly name: string;
  readonly appSlug: string | null;
  readonly appId: number | null;
  readonly status: string;
  readonly conclusion: string | null;
  readonly url: string | null;
}

export interface ObservedStatus {
  readonly context: string;
  readonly state: string;
  readonly creator: string | null;
  readonly url: string | null;
}

/** What GitHub holds on the commit, newest first within each list. */
export interface ObservedChecks {
  readonly checkRuns: readonly ObservedCheckRun[];
  readonly statuses: readonly ObservedStatus[];
}

export interface RequiredCheckResult {
  readonly check: RequiredCheck;
  /** `check run "ci / test" by github-actions`, `status "jenkins/build"` */
  readonly label: string;
  readonly met: boolean;
  readonly detail: string;
  /** Who reported the result that counted (`App \`ci-app\``, `@jenkins-bot`); null when none did. */
  readonly reportedBy: string | null;
  readonly url: string | null;
}

export function requiredCheckLabel(check: RequiredCheck): string {
  switch (check.kind) {
    case "check-run":
      return `check run \`${check.name}\` by App \`${check.app}\``;
    case "status":
      return `status \`${check.context}\`${check.creator ? ` from @${check.creator}` : ""}`;
  }
}

function appMatches(run: ObservedCheckRun, app: string): boolean {
  const wanted = app.toLowerCase();
  return (
    (run.appSlug !== null && run.appSlug.toLowerCase() === wanted) ||
    (run.appId !== null && String(run.appId) === wanted)
  );
}

export function evaluateRequiredChecks(
  required: readonly RequiredCheck[],
  observed: ObservedChecks,
): RequiredCheckResult[] {
  return required.map((check) => {
    const label = requiredCheckLabel(check);
    switch (check.kind) {
      case "check-run": {
        const named = observed.checkRuns.filter((r) => r.name === check.name);
        const own = named.find((r) => appMatches(r, check.app));
        if (!own) {
          const others = named.filter((r) => !appMatches(r, check.app)).map((r) => r.appSlug ?? String(r.appId ?? "?"));
          return {
            check,
            label,
            met: false,
            detail:
              others.length > 0
                ? `no result from App \`${check.app}\`; the one from ${others.map((o) => `\`${o}\``).join(", ")} does not count`
                : "has not run on this commit",
            reportedBy: null,
            url: null,
          };
        }
        const reportedBy = `App \`${own.appSlug ?? String(own.appId)}\``;
        if (own.status !== "completed")
          return { check, label, met: false, detail: "is still running", reportedBy, url: own.url };
        return own.conclusion === "success"
          ? { check, label, met: true, detail: "succeeded", reportedBy, url: own.url }
          : {
              check,
              label,
              met: false,
              detail: `concluded \`${own.conclusion ?? "unknown"}\`, not success`,
              reportedBy,
              url: own.url,
            };
      }
      case "status": {
        const creator = check.creator?.toLowerCase();
        const own = observed.statuses.find(
          (s) => s.context === check.context && (creator === undefined || s.creator?.toLowerCase() === creator),
        );
        if (!own) {
          const other = creator !== undefined && observed.statuses.some((s) => s.context === check.context);
          return {
            check,
            label,
            met: false,
            detail: other
              ? `only others than @${creator} posted it, which does not count`
              : "has not been reported on this commit",
            reportedBy: null,
            url: null,
          };
        }
        const reportedBy = own.creator ? `@${own.creator}` : null;
        return own.state === "success"
          ? { check, label, met: true, detail: "succeeded", reportedBy, url: own.url }
          : { check, label, met: false, detail: `is \`${own.state}\`, not success`, reportedBy, url: own.url };
      }
    }
  });
}
