import type { RepositoryRef } from "../core/environment.js";
import type { InstallationOctokit } from "./octokit.js";

/** Aliases per GraphQL query: well inside GitHub's node limits, and 200 environments are two queries. */
const PER_QUERY = 100;
const SHA = /^[0-9a-f]{40}$/;

/**
 * The query for `count` commits of one repository: one alias per commit (`c0`, `c1`, ...), each
 * commit id a variable (never text pasted into the query). Pure.
 */
export function commitHeadlinesQuery(count: number): string {
  const variables = Array.from({ length: count }, (_, i) => `, $c${i}: GitObjectID!`).join("");
  const fields = Array.from(
    { length: count },
    (_, i) => ` c${i}: object(oid: $c${i}) { ... on Commit { messageHeadline } }`,
  ).join("");
  return `query CommitHeadlines($owner: String!, $name: String!${variables}) { repository(owner: $owner, name: $name) {${fields} } }`;
}

type Answer = { repository: Record<string, { messageHeadline?: string } | null> | null };

/**
 * Each commit's first message line, read in one round: one GraphQL query per hundred commits, all
 * at once, instead of a REST call per commit. A commit GitHub does not know maps to null.
 */
export async function commitHeadlines(
  octokit: InstallationOctokit,
  repo: RepositoryRef,
  commits: readonly string[],
): Promise<Map<string, string | null>> {
  const wanted = [...new Set(commits.filter((c) => SHA.test(c)))];
  const chunks: string[][] = [];
  for (let i = 0; i < wanted.length; i += PER_QUERY) chunks.push(wanted.slice(i, i + PER_QUERY));
  const found = new Map<string, string | null>();
  await Promise.all(
    chunks.map(async (chunk) => {
      const variables = Object.fromEntries(chunk.map((sha, i) => [`c${i}`, sha]));
      const answer = await octokit.graphql<Answer>(commitHeadlinesQuery(chunk.length), {
        owner: repo.owner,
        name: repo.name,
        ...variables,
      });
      chunk.forEach((sha, i) => found.set(sha, answer.repository?.[`c${i}`]?.messageHeadline ?? null));
    }),
  );
  return found;
}
