import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import { pino } from "pino";
import { Probot, ProbotOctokit } from "probot";
import { createAwsClients, type AwsClients } from "../../src/aws/clients.js";
import type { Engine } from "../../src/engine/engine.js";
import { branchline } from "../../src/index.js";
import { enginePacing, readSettings } from "../../src/settings.js";
import { startEmulator, type Emulator, type EmulatorOptions } from "@branchline/aws-emulator";
import { startFakeGitHubServer, type FakeGitHubServer } from "../../test/support/fake-github-server.js";
import type { RepositoryModel } from "../../test/support/github-model.js";
import { INSTALLATION_ID } from "../../test/support/payloads.js";
import { generateAppKeyPair } from "../../test/support/processes.js";
import { configYaml } from "./common.js";

/**
 * branchline in this process, as test/support/branchline.ts runs it (Probot's real receive path),
 * but against the fake GitHub over loopback HTTP (so its request log is GitHub's side of the
 * ledger) and the AWS emulator (whose call counter is AWS's side). AWS is wired exactly as
 * src/main.ts wires it for an endpoint (createAwsClients: adaptive retries, 8 attempts) and the
 * engine gets the settings src/main.ts derives from the environment (readSettings), so stack
 * waits and run polling pace as in the server. Probot's Octokit throttling (writes spaced 1 s per
 * installation) is off: the fake needs no protecting, and what it costs is reported on its own.
 */

export const OWNER = "octo-org";
export const REPO = "shop";

export interface InProcess {
  readonly github: FakeGitHubServer;
  readonly repo: RepositoryModel;
  readonly emulator: Emulator;
  readonly aws: AwsClients;
  readonly probot: Probot;
  readonly engine: Engine;
  readonly concurrency: number;
  /** Log lines (JSON) at info and above. */
  readonly logs: string[];
  deliver(name: string, payload: unknown, id?: string): Promise<string>;
  close(): Promise<void>;
}

export interface InProcessOptions {
  readonly emulator?: EmulatorOptions;
  /** Environment for readSettings (BRANCHLINE_CONCURRENCY, BRANCHLINE_RUN_POLL_SECONDS...), over an AWS endpoint. */
  readonly env?: Record<string, string>;
  readonly config?: string;
  /**
   * Pipeline events on: the app's routes on a loopback server, and the emulator sending it an event
   * for every stage and action change, as EventBridge does (`unkind`: duplicated and late as well).
   */
  readonly events?: { readonly unkind: boolean };
}

export async function startInProcess(options: InProcessOptions = {}): Promise<InProcess> {
  const keys = generateAppKeyPair();
  const appId = 4242;
  const github = await startFakeGitHubServer({ appId, appPublicKey: keys.publicKey });
  const repo = github.model.repository(OWNER, REPO);
  github.model.install(INSTALLATION_ID, OWNER, [`${OWNER}/${REPO}`]);
  repo.file("main", ".github/branchline.yml", options.config ?? configYaml());
  const emulator = await startEmulator(options.emulator ?? { timing: "test" });
  const settings = readSettings(
    { AWS_ENDPOINT_URL: emulator.url, AWS_REGION: emulator.region, BRANCHLINE_RECONCILE_MINUTES: "0", ...options.env },
    "/nonexistent",
  );
  const aws = createAwsClients({
    region: emulator.region,
    endpoint: emulator.url,
    credentials: { accessKeyId: "AKIDBENCH", secretAccessKey: "bench-secret" },
  });
  const logs: string[] = [];
  const log = pino(
    { level: "info" },
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        logs.push(chunk.toString());
        done();
      },
    }),
  );
  const probot = new Probot({
    appId,
    privateKey: keys.privateKey,
    secret: "bench-webhook-secret",
    baseUrl: github.apiUrl,
    log,
    Octokit: ProbotOctokit.defaults((octokitOptions: Record<string, unknown>) => ({
      ...octokitOptions,
      throttle: { enabled: false },
      retry: { enabled: false },
    })),
  });
  let engine: Engine | undefined;
  const handlers: Handler[] = [];
  await probot.load(
    branchline({
      aws,
      sandbox: false,
      ...enginePacing(settings),
      ...(options.events ? { eventsSecret: EVENTS_SECRET } : {}),
      onEngine: (made) => (engine = made),
    }),
    { cwd: process.cwd(), addHandler: (handler) => handlers.push(handler as Handler) },
  );
  if (!engine) throw new Error("branchline did not hand over its engine");
  const events = options.events ? await serveEvents(handlers, emulator, options.events.unkind) : undefined;
  return {
    github,
    repo,
    emulator,
    aws,
    probot,
    engine,
    concurrency: settings.concurrency,
    logs,
    async deliver(name, payload, id = randomUUID()) {
      await probot.receive({ id, name, payload } as Parameters<Probot["receive"]>[0]);
      return id;
    },
    async close() {
      if (events) await new Promise<void>((resolve) => events.close(() => resolve()));
      await github.close();
      await emulator.close();
    },
  };
}

type Handler = (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>;
const EVENTS_SECRET = "bench-events-secret-0123456789abcdef";

/** The app's routes (the pipeline events route among them) on loopback, fed by the emulator. */
async function serveEvents(handlers: readonly Handler[], emulator: Emulator, unkind: boolean): Promise<Server> {
  const server = createServer(async (req, res) => {
    for (const handler of handlers) if (await handler(req, res)) return;
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/branchline/events`;
  emulator.control.setEventSink({
    url,
    headers: { "x-branchline-secret": EVENTS_SECRET },
    ...(unkind ? { unkind: { seed: 7, duplicateRate: 0.7, lateRate: 0.4, lateMs: 400 } } : {}),
  });
  return server;
}

/** AWS calls answered, per `service.Operation`, minus an earlier report: what one event cost. */
export function awsDiff(
  after: Record<string, Record<string, { calls: number; throttled: number }>>,
  before: Record<string, Record<string, { calls: number; throttled: number }>>,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [service, operations] of Object.entries(after)) {
    for (const [operation, count] of Object.entries(operations)) {
      const diff = count.calls - (before[service]?.[operation]?.calls ?? 0);
      if (diff > 0) out[`${service}.${operation}`] = diff;
    }
  }
  return out;
}

/** A GitHub request as a route: numbers and shas replaced, query dropped, so equal calls group. */
export function routeOf(method: string, path: string): string {
  const bare = path
    .split("?")[0]!
    .replace(/[0-9a-f]{40}/g, "{sha}")
    .replace(/\/\d+(?=\/|$)/g, "/{id}");
  return `${method} ${decodeURIComponent(bare)}`;
}

export function githubDiff(
  requests: readonly { method: string; path: string }[],
  from: number,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of requests.slice(from)) {
    const route = routeOf(r.method, r.path);
    out[route] = (out[route] ?? 0) + 1;
  }
  return out;
}

export function total(counts: Record<string, number>, filter: (key: string) => boolean = () => true): number {
  return Object.entries(counts)
    .filter(([k]) => filter(k))
    .reduce((sum, [, n]) => sum + n, 0);
}

export const isWrite = (route: string) => /^(POST|PATCH|PUT|DELETE) /.test(route);
