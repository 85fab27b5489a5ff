/** Where GitHub is, as Probot reads it: github.com, or GitHub Enterprise Server at GHE_HOST. */
export interface GitHubUrls {
  /** The REST API root. */
  readonly api: string;
  /** The web root: login pages and links people follow. */
  readonly web: string;
}

export function githubUrls(env: Readonly<Record<string, string | undefined>> = process.env): GitHubUrls {
  const host = env.GHE_HOST;
  if (!host) return { api: "https://api.github.com", web: "https://github.com" };
  const protocol = env.GHE_PROTOCOL === "http" ? "http" : "https";
  return { api: `${protocol}://${host}/api/v3`, web: `${protocol}://${host}` };
}
