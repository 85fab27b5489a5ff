import { generateKeyPairSync, randomUUID } from "node:crypto";
import { Writable } from "node:stream";
import { pino } from "pino";
import { Probot, ProbotOctokit, type ApplicationFunctionOptions } from "probot";
import type { AwsClients } from "../../src/aws/clients.js";
import type { KindClients } from "../../src/aws/kind-clients.js";
import type { TemplateStore } from "../../src/aws/template-store.js";
import type { Engine } from "../../src/engine/engine.js";
import type { Reconciler } from "../../src/engine/reconciler.js";
import { branchline, type AppOptions } from "../../src/index.js";
import type { Notifier } from "../../src/notifications/notifier.js";
import type { WebOptions } from "../../src/web/web-view.js";
import { logOptions } from "../../src/log.js";
import { activeGitHubModel, applyWebhook } from "./webhook-effects.js";

let key: string | undefined;
/** A real RSA key, made once per test file: Probot signs real app JWTs with it. */
export function testPrivateKey(): string {
  key ??= generateKeyPairSync("rsa", {
    modulusLength: 2048,
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  }).privateKey;
  return key;
}

export interface RunningApp {
  readonly probot: Probot;
  readonly engine: Engine;
  readonly reconciler: Reconciler;
  readonly notifier: Notifier;
  /** HTTP handlers the app added to Probot's server (there is none here): tests can call them directly. */
  readonly handlers: ApplicationFunctionOptions["addHandler"] extends (handler: infer H) => void ? H[] : never;
  /** Every log line, as JSON: tests read what operators would. */
  readonly logs: string[];
  /**
   * Delivers a webhook through Probot's real receive path, after making its change at the fake
   * GitHub (a push moves its ref), as GitHub does; returns the delivery id.
   */
  deliver(name: string, payload: unknown, id?: string): Promise<string>;
  /** Delivers a webhook again (or late) without changing anything at GitHub: a redelivery. */
  redeliver(name: string, payload: unknown, id?: string): Promise<string>;
  /** Waits until every job is worked and every followed run has ended. */
  settle(): Promise<void>;
}

export interface BranchlineTestOptions {
  readonly sandbox?: boolean;
  /** As against AWS itself: deploys need the kind's service role. */
  readonly requireRoles?: boolean;
  readonly concurrency?: number;
  /** How often followed runs are polled; a long interval leaves progress to pipeline events. */
  readonly runPollMs?: number;
  readonly eventsSecret?: string;
  readonly templates?: TemplateStore;
  /** How long configs are kept (none by default: tests change configs between deliveries). */
  readonly configCacheMs?: number;
  /** A quiet period for the lanes (none by default, so tests see each job at once). */
  readonly debounce?: { quietMs: number; maxMs: number };
  /** Notification delivery as the app is told it (loopback http, retry budget, where variables come from). */
  readonly notifications?: AppOptions["notifications"];
  /** The clock idle environments are judged by (the system's by default). */
  readonly clock?: () => Date;
  /** GitHub's API root for the App (a loopback fake GitHub server); default api.github.com (nock). */
  readonly baseUrl?: string;
  /** The clients each kind is changed with (the App's kind roles); default: `aws` for every kind. */
  readonly kindAws?: KindClients;
  /** The web view's settings; default: none of the environment's (no OAuth client, a random session key). */
  readonly web?: WebOptions;
}

export async function startBranchline(aws: AwsClients, options: BranchlineTestOptions = {}): Promise<RunningApp> {
  const logs: string[] = [];
  const log = pino(
    logOptions("debug"),
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        logs.push(chunk.toString());
        done();
      },
    }),
  );
  const probot = new Probot({
    appId: 12345,
    privateKey: testPrivateKey(),
    secret: "webhook-secret-for-tests",
    log,
    ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}),
    // Probot's throttling spaces writes a second apart; the fake GitHub needs no protecting. A
    // function default, because Probot wraps this class and an object default would lose to its own.
    Octokit: ProbotOctokit.defaults((options: Record<string, unknown>) => ({
      ...options,
      throttle: { enabled: false },
      retry: { enabled: false },
    })),
  });
  let engine: Engine | undefined;
  let reconciler: Reconciler | undefined;
  let notifier: Notifier | undefined;
  const handlers: RunningApp["handlers"] = [];
  await probot.load(
    branchline({
      aws,
      ...(options.kindAws ? { kindAws: options.kindAws } : {}),
      sandbox: options.sandbox ?? false,
      ...(options.requireRoles ? { requireRoles: true } : {}),
      concurrency: options.concurrency ?? 4,
      stackWait: { maxWaitSeconds: 30, minDelaySeconds: 0.02, maxDelaySeconds: 0.1 },
      runPoll: { intervalMs: options.runPollMs ?? 20, maxMs: 20_000 },
      ...(options.eventsSecret ? { eventsSecret: options.eventsSecret } : {}),
      ...(options.templates ? { templates: options.templates } : {}),
      ...(options.debounce ? { debounce: options.debounce } : {}),
      ...(options.configCacheMs ? { configCacheMs: options.configCacheMs } : {}),
      ...(options.clock ? { clock: options.clock } : {}),
      web: options.web ?? {},
      onEngine: (made) => (engine = made),
      onReconciler: (made) => (reconciler = made),
      onNotifier: (made) => (notifier = made),
      ...(options.notifications ? { notifications: options.notifications } : {}),
    }),
    { cwd: process.cwd(), addHandler: (handler) => handlers.push(handler) },
  );
  if (!engine || !reconciler || !notifier)
    throw new Error("branchline did not hand over its engine, reconciler and notifier");
  const running = engine;
  const looking = reconciler;
  return {
    probot,
    engine: running,
    reconciler,
    notifier,
    handlers,
    logs,
    async deliver(name, payload, id = randomUUID()) {
      const model = activeGitHubModel();
      if (model) applyWebhook(model, name, payload);
      await probot.receive({ id, name, payload } as Parameters<Probot["receive"]>[0]);
      return id;
    },
    async redeliver(name, payload, id = randomUUID()) {
      await probot.receive({ id, name, payload } as Parameters<Probot["receive"]>[0]);
      return id;
    },
    async settle() {
      // A look started by a webhook submits jobs as it goes: wait for both to be quiet.
      do {
        await looking.idle();
        await running.idle();
      } while (running.pending.running + running.pending.waiting > 0);
    },
  };
}
