import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import type { KindRoleArns } from "./aws/kind-clients.js";

/** Where AWS calls go: AWS itself (the SDK's own credential chain and region), or the in-process emulator. */
export type AwsMode =
  | { readonly kind: "aws"; readonly region: string; readonly endpoint?: string }
  | { readonly kind: "sandbox"; readonly region: string };

export interface Settings {
  readonly aws: AwsMode;
  readonly concurrency: number;
  /** Seconds a repository's config is kept before it is read from GitHub again (0: every job). */
  readonly configCacheSeconds: number;
  /** Milliseconds a job waits for a newer push to the same environment before it starts. */
  readonly debounceMs: number;
  readonly stackWaitMaxSeconds: number;
  /** Seconds between looks at a stack operation: AWS's take minutes; an emulator's, moments. */
  readonly stackPollSeconds: number;
  readonly runPollSeconds: number;
  /** The shared secret of templates/events.yml; unset leaves the pipeline events route off (polling only). */
  readonly eventsSecret: string | undefined;
  /** Minutes between reconcile passes (0: none), and whether passes only report. */
  readonly reconcileMinutes: number;
  readonly reconcileReportOnly: boolean;
  /** The bucket for templates over CloudFormation's inline limit (TemplateBucketName of templates/branchline-iam.yml). */
  readonly templateBucket: string | undefined;
  /** The work queue: in-process (the default), or SQS FIFO (BRANCHLINE_QUEUE_URL). */
  readonly queue: QueueSetting;
  /** What this process does: receive webhooks and work (all), only receive, or only work. */
  readonly role: Role;
  /**
   * TEST ONLY: BRANCHLINE_TEST_CLOCK_FILE, a file holding how many milliseconds branchline's idle
   * clock runs ahead (src/test-clock.ts), so process tests can age environments. Refused in production.
   */
  readonly testClockFile: string | undefined;
  /**
   * The roles the App changes each kind's stacks and pipelines with (BRANCHLINE_APP_BRANCH_ROLE_ARN,
   * …_STAGING_…, …_PRODUCTION_…: templates/branchline-iam.yml's App*RoleArn outputs), assumed from
   * the process's own credentials; unset, the process's credentials do everything.
   */
  readonly appKindRoles: KindRoleArns | undefined;
  /** Where this process's engine runs: see EngineLayout. */
  readonly engine: EngineLayout;
}

/**
 * The single-process install (role `all`, in-process queue, an App configured) runs as two
 * processes by default: a front that verifies each webhook, answers GitHub and relays it, and the
 * engine behind it on a loopback port, at a lower CPU priority, so no job work ever holds an
 * acknowledgement. BRANCHLINE_ENGINE_PROCESS=0 keeps it one process. Probot's set-up flow, the
 * receiver and the worker roles, and role `all` on an SQS queue stay one process; so does an App
 * without WEBHOOK_SECRET (Probot's own behaviour, which has no front to verify with), unless
 * BRANCHLINE_ENGINE_PROCESS=1 asks for the front, which is then an error that says what to set.
 */
export type EngineLayout =
  | { readonly kind: "front"; readonly webhookSecret: string; readonly nice: number }
  | { readonly kind: "in-line" }
  /** This process is the engine behind a front (BRANCHLINE_ENGINE_CHILD=<port>, set by the front). */
  | { readonly kind: "engine-child"; readonly port: number; readonly nice: number };

/** Set by the front in the engine process's environment: the loopback port it serves on. */
export const ENGINE_CHILD = "BRANCHLINE_ENGINE_CHILD";

export type QueueSetting =
  | { readonly kind: "in-process" }
  | {
      readonly kind: "sqs";
      readonly url: string;
      /** AWS_ENDPOINT_URL_SQS, e.g. a loopback moto_server; unset, the SDK's own (AWS_ENDPOINT_URL, or AWS). */
      readonly endpoint?: string;
      /** How long a worker's look stays hidden without a heartbeat: how soon a killed worker's work returns. */
      readonly visibilitySeconds: number;
    };

export type Role = "all" | "receiver" | "worker";

/** A setting that cannot work, said so the operator knows what to set. */
export class SettingsError extends Error {
  override readonly name = "SettingsError";
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads the process environment. Without any AWS configuration, development gets the sandbox; in
 * production that is an error, never a silent sandbox.
 */
export function readSettings(env: Env = process.env, home: string = homedir()): Settings {
  const aws = awsMode(env, home);
  const { queue, role } = queueAndRole(env);
  return {
    aws,
    concurrency: positiveInteger(env, "BRANCHLINE_CONCURRENCY", 8),
    debounceMs: env.BRANCHLINE_DEBOUNCE_MS === "0" ? 0 : positiveInteger(env, "BRANCHLINE_DEBOUNCE_MS", 2000),
    configCacheSeconds:
      env.BRANCHLINE_CONFIG_CACHE_SECONDS === "0" ? 0 : positiveInteger(env, "BRANCHLINE_CONFIG_CACHE_SECONDS", 60),
    stackWaitMaxSeconds: positiveInteger(env, "BRANCHLINE_STACK_WAIT_SECONDS", 3600),
    stackPollSeconds: positiveInteger(
      env,
      "BRANCHLINE_STACK_POLL_SECONDS",
      aws.kind === "aws" && !aws.endpoint ? 10 : 1,
    ),
    runPollSeconds: positiveInteger(env, "BRANCHLINE_RUN_POLL_SECONDS", 30),
    eventsSecret: eventsSecret(env),
    reconcileMinutes:
      env.BRANCHLINE_RECONCILE_MINUTES === "0" ? 0 : positiveInteger(env, "BRANCHLINE_RECONCILE_MINUTES", 10),
    reconcileReportOnly: reconcileMode(env) === "report",
    templateBucket: env.BRANCHLINE_TEMPLATE_BUCKET || undefined,
    queue,
    role,
    testClockFile: testClockFile(env),
    appKindRoles: appKindRoles(env),
    engine: engineLayout(env, queue, role),
  };
}

/** Whether Probot has an App to run (otherwise it serves its set-up flow): the same test Probot's `run` makes. */
export function appConfigured(env: Env = process.env): boolean {
  return Boolean(env.APP_ID && (env.PRIVATE_KEY || env.PRIVATE_KEY_PATH));
}

function engineLayout(env: Env, queue: QueueSetting, role: Role): EngineLayout {
  const child = env[ENGINE_CHILD];
  if (child) {
    const port = Number(child);
    if (!Number.isInteger(port) || port < 1 || port > 65_535)
      throw new SettingsError(`${ENGINE_CHILD} is "${child}"; the front sets it to its engine's port: unset it`);
    return { kind: "engine-child", port, nice: engineNiceness(env.BRANCHLINE_ENGINE_NICE) };
  }
  const asked = env.BRANCHLINE_ENGINE_PROCESS;
  if (asked !== undefined && asked !== "" && asked !== "0" && asked !== "1")
    throw new SettingsError(
      `BRANCHLINE_ENGINE_PROCESS is "${asked}"; set it to "0" (one process) or "1" (the default: the engine in a process of its own)`,
    );
  const nice = engineNiceness(env.BRANCHLINE_ENGINE_NICE);
  const singleProcessInstall = role === "all" && queue.kind === "in-process";
  if (asked === "0" || !singleProcessInstall || !appConfigured(env)) return { kind: "in-line" };
  const webhookSecret = env.WEBHOOK_SECRET;
  if (!webhookSecret) {
    if (asked === "1")
      throw new SettingsError(
        "BRANCHLINE_ENGINE_PROCESS=1 needs WEBHOOK_SECRET: the front verifies every webhook before it answers; set it to the App's webhook secret",
      );
    return { kind: "in-line" };
  }
  return { kind: "front", webhookSecret, nice };
}

/**
 * How much lower than the front's the engine's CPU priority is (BRANCHLINE_ENGINE_NICE, default 10).
 * On a machine with few CPUs the engine working through a backlog would otherwise take the CPU the
 * front needs to answer the next webhook; with a lower priority the scheduler answers first, and
 * the engine gets all the time the front leaves.
 */
function engineNiceness(value: string | undefined): number {
  if (value === undefined || value.trim() === "") return 10;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 19)
    throw new SettingsError(`BRANCHLINE_ENGINE_NICE must be a whole number from 0 to 19, not ${JSON.stringify(value)}`);
  return n;
}

function testClockFile(env: Env): string | undefined {
  const file = env.BRANCHLINE_TEST_CLOCK_FILE || undefined;
  if (file && env.NODE_ENV === "production") {
    throw new SettingsError(
      "BRANCHLINE_TEST_CLOCK_FILE is for tests only (it moves the clock that decides when idle environments are torn down): unset it; production runs on the real clock",
    );
  }
  return file;
}

const KIND_ROLE_VARIABLES = {
  branch: "BRANCHLINE_APP_BRANCH_ROLE_ARN",
  staging: "BRANCHLINE_APP_STAGING_ROLE_ARN",
  production: "BRANCHLINE_APP_PRODUCTION_ROLE_ARN",
} as const;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::[0-9]{12}:role\/[\w+=,.@/-]+$/;

/** All three or none: one kind left on the process's own role would undo the separation for it. */
function appKindRoles(env: Env): KindRoleArns | undefined {
  const given = Object.entries(KIND_ROLE_VARIABLES).filter(([, name]) => env[name]);
  if (given.length === 0) return undefined;
  const missing = Object.values(KIND_ROLE_VARIABLES).filter((name) => !env[name]);
  if (missing.length > 0)
    throw new SettingsError(
      `${given.map(([, name]) => name).join(" and ")} ${given.length === 1 ? "is" : "are"} set but ${missing.join(" and ")} ${missing.length === 1 ? "is" : "are"} not: set all three (templates/branchline-iam.yml's AppBranchRoleArn, AppStagingRoleArn and AppProductionRoleArn outputs), or none`,
    );
  for (const name of Object.values(KIND_ROLE_VARIABLES)) {
    if (!ROLE_ARN.test(env[name]!))
      throw new SettingsError(
        `${name} is "${env[name]}"; it must be an IAM role ARN (arn:aws:iam::123456789012:role/branchline/app/...)`,
      );
  }
  return {
    branch: env[KIND_ROLE_VARIABLES.branch]!,
    staging: env[KIND_ROLE_VARIABLES.staging]!,
    production: env[KIND_ROLE_VARIABLES.production]!,
  };
}

function queueAndRole(env: Env): { queue: QueueSetting; role: Role } {
  const role = env.BRANCHLINE_ROLE ?? "all";
  if (role !== "all" && role !== "receiver" && role !== "worker")
    throw new SettingsError(`BRANCHLINE_ROLE is "${role}"; set it to "all", "receiver" or "worker"`);
  const url = env.BRANCHLINE_QUEUE_URL || undefined;
  if (!url) {
    if (role !== "all")
      throw new SettingsError(
        `BRANCHLINE_ROLE is "${role}", which needs a shared queue: set BRANCHLINE_QUEUE_URL to the SQS FIFO queue (templates/branchline-service.yml's WorkQueueUrl)`,
      );
    return { queue: { kind: "in-process" }, role };
  }
  if (!/^https?:\/\/\S+\.fifo$/.test(url)) {
    throw new SettingsError(
      `BRANCHLINE_QUEUE_URL is "${url}"; it must be the URL of an SQS FIFO queue (ending in .fifo): message groups are what keep one environment to one worker`,
    );
  }
  const visibilitySeconds = positiveInteger(env, "BRANCHLINE_QUEUE_VISIBILITY_SECONDS", 60);
  if (visibilitySeconds < 3 || visibilitySeconds > 43_200)
    throw new SettingsError(
      `BRANCHLINE_QUEUE_VISIBILITY_SECONDS is ${visibilitySeconds}; SQS takes 3 to 43200 here (a heartbeat every third of it)`,
    );
  const endpoint = env.AWS_ENDPOINT_URL_SQS || undefined;
  return { queue: { kind: "sqs", url, visibilitySeconds, ...(endpoint ? { endpoint } : {}) }, role };
}

function awsMode(env: Env, home: string): AwsMode {
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  const forced = env.BRANCHLINE_AWS;
  if (forced !== undefined && forced !== "aws" && forced !== "sandbox") {
    throw new SettingsError(`BRANCHLINE_AWS is "${forced}"; set it to "aws" or "sandbox", or leave it unset`);
  }
  if (forced === "sandbox" && env.NODE_ENV === "production") {
    throw new SettingsError(
      'BRANCHLINE_AWS is "sandbox" but NODE_ENV is production: unset BRANCHLINE_AWS (or set it to "aws"); production never runs on the sandbox',
    );
  }
  const configured = forced === "aws" || (forced === undefined && hasAwsConfiguration(env, home));
  if (!configured) {
    if (env.NODE_ENV === "production") {
      throw new SettingsError(
        "no AWS configuration found and NODE_ENV is production: set AWS credentials (environment variables, AWS_PROFILE, or a role) and AWS_REGION; branchline never falls back to its sandbox in production",
      );
    }
    if (forced === undefined || forced === "sandbox") return { kind: "sandbox", region: region ?? "us-east-1" };
  }
  if (!region)
    throw new SettingsError(
      "AWS_REGION is not set: set it to the region branchline's stacks live in, e.g. AWS_REGION=eu-west-1",
    );
  const endpoint = env.AWS_ENDPOINT_URL;
  return endpoint ? { kind: "aws", region, endpoint } : { kind: "aws", region };
}

/**
 * Whether the SDK's credential chain has something to find, judged without calling anything: the
 * instance metadata service is not probed, so a laptop never waits on it.
 */
function hasAwsConfiguration(env: Env, home: string): boolean {
  return Boolean(
    env.AWS_ACCESS_KEY_ID ||
    env.AWS_PROFILE ||
    env.AWS_WEB_IDENTITY_TOKEN_FILE ||
    env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI ||
    env.AWS_CONTAINER_CREDENTIALS_FULL_URI ||
    env.AWS_ENDPOINT_URL ||
    existsSync(env.AWS_SHARED_CREDENTIALS_FILE ?? join(home, ".aws", "credentials")),
  );
}

function reconcileMode(env: Env): "apply" | "report" {
  const mode = env.BRANCHLINE_RECONCILE_MODE ?? "apply";
  if (mode !== "apply" && mode !== "report")
    throw new SettingsError(`BRANCHLINE_RECONCILE_MODE is "${mode}"; set it to "apply" or "report"`);
  return mode;
}

function eventsSecret(env: Env): string | undefined {
  const secret = env.BRANCHLINE_EVENTS_SECRET;
  if (secret === undefined || secret === "") return undefined;
  // templates/events.yml refuses shorter ones too: a short shared secret is guessable.
  if (secret.length < 32)
    throw new SettingsError(
      "BRANCHLINE_EVENTS_SECRET must be at least 32 characters (use the SharedSecret given to templates/events.yml)",
    );
  return secret;
}

function positiveInteger(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1)
    throw new SettingsError(`${name} is "${raw}"; it must be a whole number of at least 1`);
  return value;
}

/** How the engine paces its work, as the settings say: shared by the server, the CLI and the benchmarks. */
export interface EnginePacing {
  readonly concurrency: number;
  readonly configCacheMs: number;
  readonly debounce: { readonly quietMs: number; readonly maxMs: number };
  readonly stackWait: {
    readonly maxWaitSeconds: number;
    readonly minDelaySeconds: number;
    readonly maxDelaySeconds: number;
  };
  readonly runPoll: { readonly intervalMs: number; readonly maxMs: number };
}

export function enginePacing(settings: Settings): EnginePacing {
  return {
    concurrency: settings.concurrency,
    configCacheMs: settings.configCacheSeconds * 1000,
    // Quiet for the setting, but never held more than five times it: a steady stream still deploys.
    debounce: { quietMs: settings.debounceMs, maxMs: settings.debounceMs * 5 },
    stackWait: {
      maxWaitSeconds: settings.stackWaitMaxSeconds,
      minDelaySeconds: settings.stackPollSeconds,
      maxDelaySeconds: Math.max(30, settings.stackPollSeconds),
    },
    // A run is followed for at most six hours; the reconciler reports one that outlives that.
    runPoll: { intervalMs: settings.runPollSeconds * 1000, maxMs: 6 * 3600 * 1000 },
  };
}
