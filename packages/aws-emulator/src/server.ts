import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Scheduler } from "./clock.js";
import { CONTROL_PREFIX, handleControl } from "./control-http.js";
import type { EmulatorControl } from "./control.js";
import { AwsError } from "./errors.js";
import type { Faults } from "./faults.js";
import { requestId } from "./ids.js";
import type { CallCounter } from "./metrics.js";
import { callerOf, lookOf, targetOf, type CallRecord } from "./call-log.js";
import type { ServiceHandler, ServiceRequest, ServiceResponse } from "./service.js";
import { isServiceName, type ServiceName } from "./services.js";
import { serviceOf } from "./signing.js";

export interface ServerDeps {
  readonly handlers: Readonly<Record<ServiceName, ServiceHandler>>;
  readonly faults: Faults;
  readonly counter: CallCounter;
  readonly scheduler: Scheduler;
  readonly control: EmulatorControl;
  readonly info: () => Record<string, unknown>;
  readonly onError: (error: unknown) => void;
  /** Every answered call, for a test's AWS call log. */
  readonly onCall?: (call: CallRecord) => void;
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks)));
    request.on("error", reject);
  });
}

function send(response: ServerResponse, reply: ServiceResponse, id: string): void {
  const body = reply.body ?? "";
  const headers: Record<string, string> = { "x-amzn-requestid": id, "x-amz-request-id": id, ...reply.headers };
  if (headers["content-length"] === undefined) headers["content-length"] = String(Buffer.byteLength(body));
  response.writeHead(reply.status, headers);
  response.end(body);
}

/** Answers one AWS call: which service, which operation, faults first, then the service itself. */
async function answer(
  deps: ServerDeps,
  handler: ServiceHandler,
  service: ServiceName,
  request: ServiceRequest,
): Promise<ServiceResponse> {
  let operation = "Unknown";
  try {
    operation = handler.operationOf(request);
  } catch {
    // A request the service cannot even name is counted as Unknown and refused below.
  }
  const decision = deps.faults.decide(service, operation, deps.scheduler.now().getTime());
  deps.counter.record(service, operation, decision.fault);
  if (decision.latencyMs > 0) await deps.scheduler.sleep(decision.latencyMs);
  if (decision.fault) return handler.renderError(handler.faultError(decision.fault), request);
  try {
    return await handler.handle(request, operation);
  } catch (error) {
    if (error instanceof AwsError) return handler.renderError(error, request);
    deps.onError(error);
    return handler.renderError(handler.faultError("server-error"), request);
  }
}

export function createEmulatorServer(deps: ServerDeps): Server {
  return createServer((request, response) => {
    void (async () => {
      const id = requestId();
      try {
        const body = await readBody(request);
        const url = new URL(request.url ?? "/", "http://emulator");
        if (url.pathname.startsWith(CONTROL_PREFIX)) {
          send(
            response,
            await handleControl(deps.control, request.method ?? "GET", url.pathname, body, deps.info()),
            id,
          );
          return;
        }
        const service = serviceOf(request.headers, url.searchParams);
        if (!service || !isServiceName(service)) {
          const message = service
            ? `The emulator does not speak ${service}`
            : "Requests must be signed with SigV4 (any credentials will do)";
          send(
            response,
            { status: 400, headers: { "content-type": "application/json" }, body: JSON.stringify({ message }) },
            id,
          );
          return;
        }
        const serviceRequest: ServiceRequest = {
          method: request.method ?? "GET",
          path: (request.url ?? "/").split("?")[0]!,
          query: url.searchParams,
          headers: request.headers,
          body,
          requestId: id,
        };
        const startedMs = Date.now();
        const reply = await answer(deps, deps.handlers[service], service, serviceRequest);
        if (deps.onCall) {
          let operation = "Unknown";
          try {
            operation = deps.handlers[service].operationOf(serviceRequest);
          } catch {
            // counted as Unknown, as answer() does
          }
          deps.onCall({
            service,
            operation,
            caller: callerOf(request.headers),
            target: targetOf(service, serviceRequest.path, body),
            look: lookOf(request.headers),
            startedMs,
            endedMs: Date.now(),
          });
        }
        send(response, reply, id);
      } catch (error) {
        deps.onError(error);
        if (!response.headersSent) send(response, { status: 500, body: "internal emulator error" }, id);
        else response.destroy();
      }
    })();
  });
}
