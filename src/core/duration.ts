/**
 * Durations in config (`branches.ttl: 7d`): a whole number and one unit, m(inutes), h(ours), d(ays)
 * or w(eeks). Nothing smaller than a minute: the reconcile pass that acts on them runs every few.
 */
export const DURATION_PATTERN = /^([1-9]\d{0,5})(m|h|d|w)$/;

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

/** Milliseconds of a duration, or null for text that is not one. */
export function parseDuration(text: string): number | null {
  const match = DURATION_PATTERN.exec(text.trim());
  if (!match) return null;
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

/** A span as people read it: the largest unit or two (`6d 23h`, `45m`, `0m`). */
export function formatSpan(ms: number): string {
  const minutes = Math.floor(Math.abs(ms) / 60_000);
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  const text =
    days > 0
      ? `${days}d${hours > 0 ? ` ${hours}h` : ""}`
      : hours > 0
        ? `${hours}h${mins > 0 ? ` ${mins}m` : ""}`
        : `${mins}m`;
  return ms < 0 ? `-${text}` : text;
}
