import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { EmulatedAws } from "./aws.js";
import type { RunningApp } from "./branchline.js";

/** The secret app tests give the pipeline events route. */
export const EVENTS_SECRET = "events-secret-for-tests-0123456789abcdef";

/**
 * The app's pipeline events route on a loopback server, fed by the emulator as EventBridge feeds it:
 * unkindly (an event for every change, many twice, some late, in an order `seed` decides). Close
 * the server it returns when the test ends.
 */
export async function unkindPipelineEvents(app: () => RunningApp, aws: EmulatedAws, seed: number): Promise<Server> {
  const server = createServer(async (req, res) => {
    for (const handler of app().handlers) if (await handler(req, res)) return;
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/branchline/events`;
  aws.emulator.control.setEventSink({
    url,
    headers: { "x-branchline-secret": EVENTS_SECRET },
    unkind: { seed, duplicateRate: 0.7, lateRate: 0.4, lateMs: 400 },
  });
  return server;
}

/**
 * Ends such a scene: the app settled, every late event delivered and settled again (a late event
 * can take up a run), nothing unexpected asked of GitHub, the emulator and the events server closed.
 */
export async function closeEventScene(
  scene: { app: RunningApp; aws: EmulatedAws; github: { assertClean(): void } },
  server: Server | undefined,
): Promise<void> {
  await scene.app.settle();
  await scene.aws.emulator.control.drainEvents();
  await scene.app.settle();
  scene.github.assertClean();
  await scene.aws.close();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
}
