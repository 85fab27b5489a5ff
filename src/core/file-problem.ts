/**
 * A problem with a file in the repository, where the user will find it: what the config loader
 * finds, and what the config check run and the setup preview show. Plain data, so the report reads
 * it without the loader.
 */
export interface FileProblem {
  readonly file: string;
  /** 1-based, as editors count (the YAML reader's SourcePosition has this shape). */
  readonly position: { readonly line: number; readonly column: number };
  /** The config field, when the problem is about one (`branches.include[1]`). */
  readonly field?: string;
  readonly message: string;
}
