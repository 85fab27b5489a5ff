/**
 * Where a repository's notification sinks may point: the URL rules the config schema checks when
 * the file is read, and the notifier again before each call.
 */

/** 127.0.0.1 and the rest of 127/8, ::1 and localhost: the only hosts a sink may reach over plain http. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  return host === "localhost" || host === "::1" || /^127(?:\.\d{1,3}){3}$/.test(host);
}

export interface SinkUrlRules {
  /** Plain http to a loopback address: tests and the sandbox only. */
  readonly allowLoopbackHttp: boolean;
}

/**
 * Why a sink URL may not be called, or null when it may. https is required; http only to a loopback
 * address and only when allowed (never in production). In production a sink may not point at the
 * machine branchline runs on, either: a repository's config must not reach local services.
 */
export function sinkUrlProblem(url: string, rules: SinkUrlRules): string | null {
  if (!URL.canParse(url)) return "not a URL";
  const parsed = new URL(url);
  if (parsed.username || parsed.password)
    return "credentials in the URL are not allowed; use a secret environment variable";
  const loopback = isLoopbackHost(parsed.hostname);
  if (parsed.protocol === "https:")
    return loopback && !rules.allowLoopbackHttp ? "a loopback address is not allowed in production" : null;
  if (parsed.protocol === "http:") {
    if (!loopback) return "plain http is not allowed; use https";
    return rules.allowLoopbackHttp
      ? null
      : "plain http is allowed only to loopback in tests and the sandbox, not in production";
  }
  return `the ${parsed.protocol} scheme is not allowed; use https`;
}
