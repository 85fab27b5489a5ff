import { generateKeyPairSync } from "node:crypto";

/**
 * What a Lambda cold start pays before it can handle a webhook: import Probot (and, for
 * branchline, the built app and its AWS clients), then `new Probot(...)` and `await
 * probot.load(app)`, as a ten-line ESM handler does (REFERENCE.md). No HTTP server is started.
 *
 * `node dist/bench/lambda-load.js branchline|bare` prints one JSON line of timings (ms) and memory.
 */
const which = process.argv[2] === "bare" ? "bare" : "branchline";
const privateKey = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  privateKeyEncoding: { type: "pkcs1", format: "pem" },
  publicKeyEncoding: { type: "spki", format: "pem" },
}).privateKey;

const t0 = performance.now();
const { Probot } = await import("probot");
const t1 = performance.now();
let app: Parameters<InstanceType<typeof Probot>["load"]>[0] = () => {};
if (which === "branchline") {
  const [{ branchline }, { createAwsClients }] = await Promise.all([
    import("../src/index.js"),
    import("../src/aws/clients.js"),
  ]);
  app = branchline({
    aws: createAwsClients({
      region: "us-east-1",
      endpoint: "http://127.0.0.1:9",
      credentials: { accessKeyId: "bench", secretAccessKey: "bench" },
    }),
    sandbox: false,
    concurrency: 8,
    stackWait: { maxWaitSeconds: 3600, minDelaySeconds: 10, maxDelaySeconds: 30 },
    runPoll: { intervalMs: 30_000, maxMs: 6 * 3600_000 },
  });
}
const t2 = performance.now();
const probot = new Probot({ appId: 1, privateKey, secret: "bench-secret", logLevel: "warn" });
await probot.load(app);
const t3 = performance.now();
const memory = process.memoryUsage();
process.stdout.write(
  `${JSON.stringify({
    which,
    importProbotMs: t1 - t0,
    importAppMs: t2 - t1,
    loadMs: t3 - t2,
    totalMs: t3 - t0,
    // From the process's own start (performance.timeOrigin): includes Node's boot and key generation.
    sinceProcessStartMs: t3,
    keygenMs: t0,
    rssMiB: memory.rss / 2 ** 20,
    heapUsedMiB: memory.heapUsed / 2 ** 20,
  })}\n`,
);
process.exit(0);
