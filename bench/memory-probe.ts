import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/**
 * Preloaded into a server under test (`NODE_OPTIONS=--import=.../memory-probe.js`), so its memory
 * can be read without touching its code: on SIGUSR2 it runs a full garbage collection and writes
 * one line to stderr, `BENCH_MEMORY {"rss":…,"heapUsed":…,"heapTotal":…,"external":…}` (bytes).
 */
setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as (() => void) | undefined;

process.on("SIGUSR2", () => {
  gc?.();
  gc?.();
  const memory = process.memoryUsage();
  process.stderr.write(
    `BENCH_MEMORY ${JSON.stringify({ rss: memory.rss, heapUsed: memory.heapUsed, heapTotal: memory.heapTotal, external: memory.external, gc: gc !== undefined })}\n`,
  );
});
