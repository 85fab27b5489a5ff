import { spawn, type ChildProcess } from "node:child_process";
import { createHmac, generateKeyPairSync, randomUUID } from "node:crypto";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

/**
 * Process-level test support: the built server (`dist/src/main.js`) and the AWS emulator
 * (`packages/aws-emulator/dist/main.js`) as child processes, and webhooks signed and sent as GitHub sends
 * them. Every child started here is tracked; `stopAllProcesses()` (call it in afterEach/afterAll)
 * kills what is left, and a process `exit` hook SIGKILLs stragglers so a crashed test run leaves
 * no orphans.
 */

export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const BUILT_SERVER = fileURLToPath(new URL("../../dist/src/main.js", import.meta.url));
export const BUILT_EMULATOR = fileURLToPath(new URL("../../packages/aws-emulator/dist/main.js", import.meta.url));
export const WEBHOOK_PATH = "/api/github/webhooks";

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface OutputLine {
  readonly stream: "stdout" | "stderr";
  readonly text: string;
}

export type Env = Readonly<Record<string, string | undefined>>;

const live = new Set<ManagedProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const managed of live) managed.killNow("SIGKILL");
  });
}

/**
 * One child process (`node SCRIPT ARGS`), restartable with the same command, env and cwd. Output is
 * kept line by line, across restarts, in `output`.
 */
export class ManagedProcess {
  readonly output: OutputLine[] = [];
  private child: ChildProcess | undefined;
  private exited: Promise<Exit> | undefined;
  private lastExit: Exit | null = null;
  private readonly waiters = new Set<() => void>();

  constructor(
    readonly name: string,
    readonly script: string,
    readonly args: readonly string[],
    readonly env: Env,
    readonly cwd: string = REPO_ROOT,
  ) {}

  /** Spawns the process; throws if it is already running. */
  start(): this {
    if (this.running) throw new Error(`${this.name} is already running (pid ${this.pid})`);
    installExitHook();
    const env = Object.fromEntries(
      Object.entries(this.env).filter((entry): entry is [string, string] => entry[1] !== undefined),
    );
    const child = spawn(process.execPath, [this.script, ...this.args], {
      cwd: this.cwd,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child = child;
    this.lastExit = null;
    live.add(this);
    for (const stream of ["stdout", "stderr"] as const) {
      let pending = "";
      child[stream]!.setEncoding("utf8");
      child[stream]!.on("data", (chunk: string) => {
        pending += chunk;
        const lines = pending.split("\n");
        pending = lines.pop() ?? "";
        for (const text of lines) this.push({ stream, text });
      });
      child[stream]!.on("end", () => {
        if (pending) this.push({ stream, text: pending });
        pending = "";
      });
    }
    this.exited = new Promise<Exit>((resolve) => {
      child.once("error", (error) => {
        this.push({ stream: "stderr", text: `[spawn error] ${String(error)}` });
      });
      child.once("close", (code, signal) => {
        this.lastExit = { code, signal };
        live.delete(this);
        this.notify();
        resolve(this.lastExit);
      });
    });
    return this;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Spawned and not yet exited. */
  get running(): boolean {
    return this.child !== undefined && this.lastExit === null;
  }

  /** How the last run ended; null while running or never started. */
  get exit(): Exit | null {
    return this.lastExit;
  }

  lines(stream?: "stdout" | "stderr"): string[] {
    return this.output.filter((l) => stream === undefined || l.stream === stream).map((l) => l.text);
  }

  /** Output lines that are JSON objects (pino's LOG_FORMAT=json), parsed. */
  jsonLines(): Record<string, unknown>[] {
    return this.lines().flatMap((line) => {
      if (!line.startsWith("{")) return [];
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
  }

  /** All output as one text, for failure messages. */
  text(): string {
    return this.output.map((l) => `[${this.name} ${l.stream}] ${l.text}`).join("\n");
  }

  /** Resolves with the first line (from `from`, default the start) that matches; rejects on exit or timeout. */
  waitForLine(match: RegExp | ((line: string) => boolean), timeoutMs = 15_000, from = 0): Promise<string> {
    const test = typeof match === "function" ? match : (line: string) => match.test(line);
    return this.waitFor(
      () => this.output.slice(from).find((l) => test(l.text))?.text,
      timeoutMs,
      `a line matching ${String(match)}`,
      true,
    );
  }

  /** Resolves with `check()`'s first defined value, checked at every output line; rejects on exit or timeout. */
  waitForOutput<T>(check: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    return this.waitFor(check, timeoutMs, what, true);
  }

  /** Resolves when the process has exited (immediately if it has). */
  waitForExit(timeoutMs = 15_000): Promise<Exit> {
    return this.waitFor(() => this.lastExit ?? undefined, timeoutMs, "the process to exit", false);
  }

  /**
   * Sends `signal` and waits for the exit. If the process outlives `graceMs` after a gentle signal,
   * it is SIGKILLed and the returned promise rejects, so a hanging shutdown fails the test.
   */
  async kill(signal: NodeJS.Signals = "SIGTERM", graceMs = 10_000): Promise<Exit> {
    if (!this.running || !this.exited) return this.lastExit ?? { code: null, signal: null };
    this.child!.kill(signal);
    const timer = new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), graceMs).unref());
    const outcome = await Promise.race([this.exited, timer]);
    if (outcome !== "timeout") return outcome;
    this.child!.kill("SIGKILL");
    await this.exited;
    throw new Error(
      `${this.name} (pid ${this.pid}) did not exit within ${graceMs} ms of ${signal}; it was SIGKILLed\n${this.text()}`,
    );
  }

  /** Synchronous SIGKILL, for the exit hook. */
  killNow(signal: NodeJS.Signals): void {
    if (this.running) this.child?.kill(signal);
  }

  private push(line: OutputLine): void {
    this.output.push(line);
    this.notify();
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  private waitFor<T>(check: () => T | undefined, timeoutMs: number, what: string, failOnExit: boolean): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(poll);
      };
      const poll = () => {
        const value = check();
        if (value !== undefined) {
          done();
          resolve(value);
        } else if (failOnExit && this.lastExit !== null) {
          done();
          reject(new Error(`${this.name} exited (${describeExit(this.lastExit)}) before ${what}\n${this.text()}`));
        }
      };
      const timer = setTimeout(() => {
        this.waiters.delete(poll);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what} from ${this.name}\n${this.text()}`));
      }, timeoutMs);
      this.waiters.add(poll);
      poll();
    });
  }
}

export function describeExit(exit: Exit): string {
  return exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`;
}

/** Kills every child still running (SIGKILL) and waits for each to exit. */
export async function stopAllProcesses(): Promise<void> {
  await Promise.all([...live].map((managed) => managed.kill("SIGKILL").catch(() => undefined)));
}

/** Children started through this module that have not exited. */
export function runningProcesses(): readonly ManagedProcess[] {
  return [...live];
}

/** Whether a pid is still a live process (signal 0 probes without signalling). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// The emulator package's tests poll the same way; one helper, theirs (a package reads nothing of the app).
export { eventually } from "../../packages/aws-emulator/test/eventually.js";

/** A free loopback TCP port (asked of the OS, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A fresh RSA key pair: the app signs its JWTs with `privateKey`; a fake GitHub can check with `publicKey`. */
export function generateAppKeyPair(): { privateKey: string; publicKey: string } {
  return generateKeyPairSync("rsa", {
    modulusLength: 2048,
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  });
}

/** The minimum a child needs from this process's environment; nothing else leaks in (no AWS_*, no NODE_OPTIONS). */
export function baseEnv(): Record<string, string | undefined> {
  return { PATH: process.env.PATH, HOME: process.env.HOME, TMPDIR: process.env.TMPDIR, LANG: process.env.LANG };
}

// ---- the app --------------------------------------------------------------------------------------

export interface AppCredentials {
  readonly appId: number;
  readonly privateKey: string;
  readonly webhookSecret: string;
}

export interface AppServerOptions {
  /** The fake GitHub's GHE_HOST (`127.0.0.1:PORT`), addressed over http. */
  readonly githubHost: string;
  /** AWS_ENDPOINT_URL: the emulator's URL. */
  readonly awsEndpoint: string;
  readonly credentials: AppCredentials;
  readonly region?: string;
  /** Default: a free port, kept across restarts. */
  readonly port?: number;
  readonly logLevel?: string;
  /** Added last: overrides, or `undefined` to remove a variable. */
  readonly env?: Env;
  readonly cwd?: string;
  readonly readyTimeoutMs?: number;
}

/** The environment the built server gets to run against a fake GitHub and an emulator. */
export function appServerEnv(options: AppServerOptions & { port: number }): Record<string, string | undefined> {
  return {
    ...baseEnv(),
    APP_ID: String(options.credentials.appId),
    PRIVATE_KEY: options.credentials.privateKey,
    WEBHOOK_SECRET: options.credentials.webhookSecret,
    GHE_HOST: options.githubHost,
    GHE_PROTOCOL: "http",
    HOST: "127.0.0.1",
    PORT: String(options.port),
    AWS_ENDPOINT_URL: options.awsEndpoint,
    AWS_REGION: options.region ?? "us-east-1",
    AWS_ACCESS_KEY_ID: "AKIDPROCESSTEST",
    AWS_SECRET_ACCESS_KEY: "process-test-secret-access-key",
    AWS_EC2_METADATA_DISABLED: "true",
    BRANCHLINE_RUN_POLL_SECONDS: "1",
    BRANCHLINE_STACK_WAIT_SECONDS: "60",
    LOG_LEVEL: options.logLevel ?? "debug",
    LOG_FORMAT: "json",
    // Probot's setup mode would otherwise try to fetch smee-client; these tests stay on loopback.
    NO_SMEE_SETUP: "true",
    ...options.env,
  };
}

/** The built server as a child process, reachable on 127.0.0.1:port; restartable on the same port. */
export class AppServer {
  constructor(
    readonly process: ManagedProcess,
    readonly port: number,
    private readonly readyTimeoutMs: number,
  ) {}

  /** `http://127.0.0.1:PORT` */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get webhookUrl(): string {
    return `${this.url}${WEBHOOK_PATH}`;
  }

  /** Starts (again) with the same env and port, and waits until `GET /ping` answers PONG. */
  async start(): Promise<this> {
    this.process.start();
    await waitUntilServing(this.url, this.process, this.readyTimeoutMs);
    return this;
  }

  /** Sends `signal` (SIGKILL for a crash) and waits for the exit. */
  kill(signal: NodeJS.Signals = "SIGTERM"): Promise<Exit> {
    return this.process.kill(signal);
  }

  /** Kills (SIGKILL unless told otherwise) and starts again on the same port with the same env. */
  async restart(signal: NodeJS.Signals = "SIGKILL"): Promise<this> {
    await this.kill(signal);
    return this.start();
  }

  /** pino's JSON log lines from every run so far. */
  logs(): Record<string, unknown>[] {
    return this.process.jsonLines();
  }

  /** The engine process behind the front, as the front's start-up line names it (latest run); none in one process. */
  engine(): { readonly pid: number; readonly port: number } | undefined {
    const line = this.logs().findLast((l) => typeof l.enginePid === "number" && typeof l.enginePort === "number");
    return line ? { pid: line.enginePid as number, port: line.enginePort as number } : undefined;
  }
}

/** Starts `node dist/src/main.js` against a fake GitHub and an AWS endpoint, and waits until it serves. */
export async function startAppServer(options: AppServerOptions): Promise<AppServer> {
  const port = options.port ?? (await freePort());
  const managed = new ManagedProcess("app", BUILT_SERVER, [], appServerEnv({ ...options, port }), options.cwd);
  return new AppServer(managed, port, options.readyTimeoutMs ?? 20_000).start();
}

/** Polls `GET /ping` (Probot answers PONG) until it does; fails fast if the process exits. */
export async function waitUntilServing(url: string, managed: ManagedProcess, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!managed.running)
      throw new Error(
        `${managed.name} exited (${describeExit(managed.exit!)}) before it served ${url}\n${managed.text()}`,
      );
    try {
      const response = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(1_000) });
      if (response.status === 200 && (await response.text()) === "PONG") return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline)
      throw new Error(`${managed.name} did not answer GET ${url}/ping within ${timeoutMs} ms\n${managed.text()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

// ---- the emulator as a process --------------------------------------------------------------------

export interface EmulatorProcess {
  /** For AWS_ENDPOINT_URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  readonly process: ManagedProcess;
  /** The emulator's control API (`/_emulator/...`), e.g. `control("GET", "stacks")`. */
  control<T = unknown>(method: string, route: string, body?: unknown): Promise<T>;
  /** SIGTERM, and waits for the exit. */
  close(): Promise<Exit>;
}

export interface EmulatorProcessOptions {
  readonly timing?: "test" | "sandbox";
  readonly region?: string;
  readonly port?: number;
  readonly eventUrl?: string;
}

/** `node packages/aws-emulator/dist/main.js --port 0 --host 127.0.0.1`; its first stdout line is its URL. */
export async function startEmulatorProcess(options: EmulatorProcessOptions = {}): Promise<EmulatorProcess> {
  const args = [
    "--port",
    String(options.port ?? 0),
    "--host",
    "127.0.0.1",
    "--timing",
    options.timing ?? "test",
    "--region",
    options.region ?? "us-east-1",
  ];
  if (options.eventUrl) args.push("--event-url", options.eventUrl);
  const managed = new ManagedProcess("emulator", BUILT_EMULATOR, args, baseEnv()).start();
  const url = (await managed.waitForLine((line) => /^http:\/\/\S+$/.test(line), 15_000)).trim();
  return {
    url,
    process: managed,
    async control<T>(method: string, route: string, body?: unknown): Promise<T> {
      const response = await fetch(`${url}/_emulator/${route}`, {
        method,
        ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
      });
      if (!response.ok)
        throw new Error(`emulator control ${method} ${route}: ${response.status} ${await response.text()}`);
      return (await response.json()) as T;
    },
    close: () => managed.kill("SIGTERM"),
  };
}

// ---- webhooks -------------------------------------------------------------------------------------

/** `sha256=` + HMAC-SHA256(secret, raw body), hex: GitHub's X-Hub-Signature-256. */
export function signWebhook(secret: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(body, "utf8").digest("hex")}`;
}

export interface Delivery {
  readonly id: string;
  readonly status: number;
  /** Milliseconds from sending to the full response. */
  readonly ms: number;
  readonly body: string;
}

/**
 * POSTs a webhook as GitHub does: JSON body, `X-GitHub-Event`, `X-GitHub-Delivery`,
 * `X-Hub-Signature-256` over the exact bytes sent. `url` is the webhook URL, or the server's root
 * (then Probot's `/api/github/webhooks` is used). A string payload is sent as it is.
 */
export async function deliverWebhook(
  url: string,
  secret: string,
  name: string,
  payload: unknown,
  id: string = randomUUID(),
): Promise<Delivery> {
  const target = new URL(url);
  if (target.pathname === "/" || target.pathname === "") target.pathname = WEBHOOK_PATH;
  const body = typeof payload === "string" ? payload : JSON.stringify(payload);
  const started = performance.now();
  const response = await fetch(target, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "user-agent": "GitHub-Hookshot/branchline-tests",
      "x-github-event": name,
      "x-github-delivery": id,
      "x-github-hook-id": "1",
      "x-hub-signature-256": signWebhook(secret, body),
    },
    body,
  });
  const text = await response.text();
  return { id, status: response.status, ms: performance.now() - started, body: text };
}
