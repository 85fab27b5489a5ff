// The app's tests use this one too (test/support/processes.ts re-exports it): a package reads nothing of the app.

/**
 * Polls `check` every 100 ms until it gives a value (not undefined) or `timeoutMs` passes; the failure
 * names `what` and appends `context()` (e.g. a process's output) so a timeout explains itself.
 */
export async function eventually<T>(
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 30_000,
  what = "a condition",
  context?: () => string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ""}${context ? `\n${context()}` : ""}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
