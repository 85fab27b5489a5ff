import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import { createServer as createTcpServer, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { afterEach, expect, it } from "vitest";
import { verify } from "../../src/notifications/signature.js";
import { pushToBranch } from "../support/payloads.js";
import { A, closeScene, CONFIG, givenRepository, openScene, type Scene } from "../support/scenario.js";

/**
 * Point 5: a repository's notification sinks are the repository's input. A sink must not hold a
 * delivery forever, reach addresses of the machine or its network, or read the App's secrets.
 */
let scene: Scene | undefined;
const servers: (Server | HttpServer)[] = [];
const sockets = new Set<Socket>();

afterEach(async () => {
  for (const socket of sockets) socket.destroy();
  sockets.clear();
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  if (scene) await closeScene(scene);
  scene = undefined;
});

/** A TCP listener on loopback that counts who connects (and answers nothing). */
async function listener(
  onSocket: (socket: Socket) => void = () => {},
): Promise<{ port: number; connections: () => number }> {
  let connections = 0;
  const server = createTcpServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on("error", () => {});
    onSocket(socket);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { port: (server.address() as AddressInfo).port, connections: () => connections };
}

function sinksConfig(lines: string[]): string {
  return `${CONFIG}notifications:\n  sinks:\n${lines.map((l) => `    - ${l}`).join("\n")}\n`;
}

it("gives up on a sink that answers one byte at a time: a hard deadline per attempt and per delivery", async () => {
  // Starts an HTTP answer and then trickles a byte every 50 ms, for ever: never idle, never done.
  const slow = await listener((socket) => {
    socket.once("data", () => {
      const timer = setInterval(() => socket.write("X-Slow: 1\r\n".slice(0, 1)), 50);
      socket.on("close", () => clearInterval(timer));
      socket.write("HTTP/1.1 200 OK\r\n");
    });
  });
  scene = await openScene({
    notifications: {
      allowLoopbackHttp: true,
      budget: { attempts: 2, backoffMs: [10], attemptTimeoutMs: 300, totalMs: 1000 },
    },
  });
  givenRepository(scene.github, {
    config: sinksConfig([`{ type: slack, url: "http://127.0.0.1:${slow.port}/hook", events: [run.started] }`]),
  });

  await scene.app.deliver("push", pushToBranch("feature/x", A, { created: true }));
  await scene.app.settle();

  await expect.poll(() => scene!.app.notifier.outcomes.length, { timeout: 20_000 }).toBe(1);
  expect(scene.app.notifier.outcomes[0]!.result).toMatchObject({
    ok: false,
    error: expect.stringContaining("timed out"),
  });
});

it("never connects, in production, to the machine itself however its address is spelled", async () => {
  const local = await listener();
  scene = await openScene({
    notifications: {
      allowLoopbackHttp: false,
      budget: { attempts: 1, backoffMs: [], attemptTimeoutMs: 1000, totalMs: 2000 },
    },
  });
  const spellings = [
    `https://0.0.0.0:${local.port}/x`,
    `https://[::ffff:127.0.0.1]:${local.port}/x`,
    `https://[::ffff:7f00:1]:${local.port}/x`,
    `https://127.1:${local.port}/x`,
  ];
  givenRepository(scene.github, {
    config: sinksConfig(spellings.map((url) => `{ type: slack, url: "${url}", events: [run.started] }`)),
  });

  await scene.app.deliver("push", pushToBranch("feature/x", A, { created: true }));
  await scene.app.settle();
  await scene.app.notifier.idle();

  expect(local.connections()).toBe(0);
});

it("never signs a body with the App's own secrets: sink variables come only from BRANCHLINE_SINK_*", async () => {
  const received: { body: string; signature: string }[] = [];
  const capture = createHttpServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      received.push({ body, signature: String(req.headers["x-branchline-signature-256"] ?? "") });
      res.end("ok");
    });
  });
  servers.push(capture);
  await new Promise<void>((resolve) => capture.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(capture.address() as AddressInfo).port}/hook`;
  const env = {
    WEBHOOK_SECRET: "the-apps-github-webhook-secret",
    BRANCHLINE_SINK_HOOK_SECRET: "an-operator-sink-secret",
  };
  scene = await openScene({ notifications: { allowLoopbackHttp: true, env } });
  givenRepository(scene.github, {
    config: sinksConfig([`{ type: webhook, url: "${url}", secretEnv: WEBHOOK_SECRET, events: [run.started] }`]),
  });

  await scene.app.deliver("push", pushToBranch("feature/x", A, { created: true }));
  await scene.app.settle();
  await scene.app.notifier.idle();

  expect(received.filter((r) => verify(r.body, env.WEBHOOK_SECRET, r.signature))).toEqual([]);
  const config = scene.github.checkRunsFor(A).find((c) => c.name === "branchline: config");
  expect(config?.conclusion).toBe("failure");
  expect(config?.output.summary).toContain("BRANCHLINE_SINK_");
});
