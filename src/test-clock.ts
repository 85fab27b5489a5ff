import { readFileSync } from "node:fs";

/**
 * TEST ONLY (BRANCHLINE_TEST_CLOCK_FILE; readSettings refuses it in production): the clock idle
 * environments are judged by, running as many milliseconds ahead of the real one as the file holds
 * (none while it is missing or empty). It is read at every look, so a process test moves the built
 * server's time by rewriting the file, while the AWS emulator stamps pipeline runs with real time,
 * as AWS would. An offset rather than a time: everything else in the process keeps real time.
 */
export function fileClock(path: string): () => Date {
  return () => {
    let text: string;
    try {
      text = readFileSync(path, "utf8").trim();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return new Date();
      throw error;
    }
    if (text === "") return new Date();
    const offset = Number(text);
    if (!Number.isSafeInteger(offset))
      throw new Error(
        `BRANCHLINE_TEST_CLOCK_FILE ${path} must hold a whole number of milliseconds (how far ahead of the real clock), not "${text.slice(0, 40)}"`,
      );
    return new Date(Date.now() + offset);
  };
}
