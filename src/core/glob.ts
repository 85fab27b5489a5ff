import picomatch from "picomatch";

/**
 * The one glob matching of branchline's config: `branches.include` and `exclude`, `releaseTags`,
 * `production.allowedTags`, over branch and tag names. picomatch with `dot: true`, so a name with a
 * dot-segment (`feature/.x`) is matched like any other: git allows it, and a branch must not slip
 * past `exclude` by its spelling. Case-sensitive, as git's names are. Nothing matches an empty name
 * or an empty list of patterns.
 */
export function matchesAny(name: string, patterns: readonly string[]): boolean {
  return name.length > 0 && patterns.length > 0 && picomatch.isMatch(name, [...patterns], { dot: true });
}
