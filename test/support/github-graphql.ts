/**
 * The slice of GitHub's GraphQL API branchline asks (`POST /graphql`): commits of one repository by
 * object id, each under an alias, with the Commit fields GitHub's schema has that branchline reads.
 * The query is held to GitHub's schema for that slice: `repository(owner:, name:)`,
 * `object(oid: GitObjectID)`, an inline fragment `... on Commit`, and only fields the Commit type
 * has; any other shape is answered with GraphQL errors, as GitHub answers an invalid query.
 */
export interface GraphqlCommit {
  readonly messageHeadline: string;
  readonly message: string;
}

export interface GraphqlRepository {
  /** The commit by its full id; undefined when the repository has no such commit. */
  commit(oid: string): GraphqlCommit | undefined;
}

const COMMIT_FIELDS = new Set(["messageHeadline", "message", "oid"]);
const OBJECT_FIELD =
  /^(\w+)\s*:\s*object\s*\(\s*oid\s*:\s*\$(\w+)\s*\)\s*\{\s*\.\.\.\s*on\s+Commit\s*\{([^{}]*)\}\s*\}/;

type Errors = { errors: { message: string }[] };

/** The `data` GitHub would answer, or its `errors`. `find` resolves a repository the token may read. */
export function answerGraphql(
  body: unknown,
  find: (owner: string, name: string) => GraphqlRepository | undefined,
): { data: Record<string, unknown> } | Errors {
  const { query, variables = {} } = (body ?? {}) as { query?: unknown; variables?: Record<string, unknown> };
  if (typeof query !== "string")
    return { errors: [{ message: "A query attribute must be specified and must be a string." }] };
  const text = query.replace(/\s+/g, " ").trim();
  const header =
    /^query(?: \w+)? ?\(([^)]*)\) ?\{ ?repository ?\( ?owner ?: ?\$owner ?, ?name ?: ?\$name ?\) ?\{(.*)\} ?\}$/.exec(
      text,
    );
  if (!header)
    return {
      errors: [
        {
          message:
            "the fake GitHub answers only repository(owner: $owner, name: $name) { alias: object(oid: $var) { ... on Commit { fields } } }",
        },
      ],
    };
  const declared = new Map(
    header[1]!
      .split(",")
      .map((d) => d.trim())
      .filter(Boolean)
      .map((d) => {
        const [name = "", type = ""] = d.split(":").map((p) => p.trim());
        return [name.replace(/^\$/, ""), type] as const;
      }),
  );
  if (declared.get("owner") !== "String!" || declared.get("name") !== "String!")
    return { errors: [{ message: "Variables $owner and $name must be declared String!" }] };
  let rest = header[2]!.trim();
  const selections: { alias: string; variable: string; fields: string[] }[] = [];
  while (rest.length > 0) {
    const match = OBJECT_FIELD.exec(rest);
    if (!match) return { errors: [{ message: `Parse error near "${rest.slice(0, 40)}"` }] };
    const fields = match[3]!
      .trim()
      .split(/[\s,]+/)
      .filter(Boolean);
    const unknown = fields.find((f) => !COMMIT_FIELDS.has(f));
    if (unknown) return { errors: [{ message: `Field '${unknown}' doesn't exist on type 'Commit'` }] };
    if (declared.get(match[2]!) !== "GitObjectID!" && declared.get(match[2]!) !== "GitObjectID")
      return { errors: [{ message: `Variable $${match[2]} is used by object(oid:) but not declared as GitObjectID` }] };
    selections.push({ alias: match[1]!, variable: match[2]!, fields });
    rest = rest.slice(match[0].length).trim();
  }
  const owner = variables.owner;
  const name = variables.name;
  if (typeof owner !== "string" || typeof name !== "string")
    return { errors: [{ message: "Variable $owner and $name of type String! were provided invalid values" }] };
  const repository = find(owner, name);
  if (!repository)
    return {
      data: { repository: null },
      errors: [{ message: `Could not resolve to a Repository with the name '${owner}/${name}'.` }],
    } as unknown as Errors;
  const data: Record<string, unknown> = {};
  for (const selection of selections) {
    const oid = variables[selection.variable];
    if (typeof oid !== "string" || !/^[0-9a-f]{40}$/.test(oid))
      return {
        errors: [{ message: `Variable $${selection.variable} of type GitObjectID! was provided an invalid value` }],
      };
    const commit = repository.commit(oid);
    data[selection.alias] = commit
      ? Object.fromEntries(selection.fields.map((f) => [f, f === "oid" ? oid : commit[f as keyof GraphqlCommit]]))
      : null;
  }
  return { data: { repository: data } };
}
