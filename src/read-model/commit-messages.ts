/**
 * Commit messages as state this process holds: a commit's message never changes, so once read it
 * is kept (up to a bound, oldest forgotten first), and a repository page asks GitHub only for the
 * commits it has not seen, in one round. A commit GitHub did not know is asked about again after
 * `unknownMs` (it may have been pushed since).
 */
export class CommitMessages {
  private readonly known = new Map<string, { message: string | null; at: number }>();

  constructor(
    private readonly options: { readonly max?: number; readonly unknownMs?: number; readonly now?: () => number } = {},
  ) {}

  /** The messages of `commits` of one repository (`scope`); `read` is asked once, for the unknown ones only. */
  async messages(
    scope: string,
    commits: readonly string[],
    read: (unknown: readonly string[]) => Promise<ReadonlyMap<string, string | null>>,
  ): Promise<Map<string, string | null>> {
    const now = this.now();
    const unknownMs = this.options.unknownMs ?? 60_000;
    const missing = [...new Set(commits)].filter((c) => {
      const entry = this.known.get(`${scope}:${c}`);
      return entry === undefined || (entry.message === null && now - entry.at > unknownMs);
    });
    if (missing.length > 0) {
      const answer = await read(missing);
      for (const commit of missing) this.remember(`${scope}:${commit}`, answer.get(commit) ?? null, now);
    }
    return new Map(commits.map((c) => [c, this.known.get(`${scope}:${c}`)?.message ?? null]));
  }

  private remember(key: string, message: string | null, at: number): void {
    this.known.delete(key);
    this.known.set(key, { message, at });
    const max = this.options.max ?? 20_000;
    while (this.known.size > max) this.known.delete(this.known.keys().next().value!);
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }
}
