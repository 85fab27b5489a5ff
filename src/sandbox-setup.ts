import { Probot, Server, type Logger } from "probot";
import type { AwsClients } from "./aws/clients.js";
import { pipelineEventsRoute } from "./http/pipeline-events-route.js";
import { seedSandboxDemo } from "./web/sandbox-demo.js";
import { sandboxWebView } from "./web/web-view.js";

type HandlerFactory = Parameters<Server["loadHandlerFactory"]>[0];

/**
 * `npm start` with neither an App nor AWS: Probot's set-up flow (register an App from app.yml), as
 * Probot's `run` serves it, and beside it the web view on the sandbox's state (a demo repository's
 * environments in the emulator), marked as the sandbox, so a newcomer sees what branchline does
 * before connecting anything. Probot does not export its set-up app, so it is loaded from Probot's
 * own file (probot is pinned exactly in package.json).
 */
export async function serveSetupWithSandbox(
  aws: AwsClients,
  eventsSecret: string | undefined,
  log: Logger,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<void> {
  const setupModule = new URL("./apps/setup.js", import.meta.resolve("probot"));
  const { setupAppFactory } = (await import(setupModule.href)) as {
    setupAppFactory: (options: { host: string; port: number; log: Logger }) => HandlerFactory;
  };
  const server = new Server({
    host: env.HOST ?? "localhost",
    port: Number(env.PORT ?? 3000),
    // No webhook relay: in set-up mode there is no App whose webhooks could arrive.
    log,
    // As Probot's own set-up mode does (probot#1512): the instance is never used to call GitHub.
    Probot: Probot.defaults({ appId: 1, privateKey: "dummy value for setup, see #1512", log }),
  });
  await server.loadHandlerFactory(
    setupAppFactory({ host: server.host, port: server.port, log: log.child({ name: "setup" }) }),
  );
  await seedSandboxDemo(aws);
  const web = sandboxWebView(aws, log);
  // The emulator's pipeline events keep the pages current, as they do the app's.
  server.addHandler(
    pipelineEventsRoute({ secret: eventsSecret, log, onEvent: (event) => web.pipelineChanged(event.pipeline) }),
  );
  server.addHandler(web.handler);
  await server.start();
  console.warn(
    `branchline: no GitHub App yet. Register one at http://${server.host}:${server.port}/ ; meanwhile the sandbox's web view is at http://${server.host}:${server.port}/branchline/`,
  );
}
