import type { EmulatorControl } from "./control.js";
import type { ServiceResponse } from "./service.js";

/**
 * The control API over HTTP, for tests that run the emulator as a separate process.
 * Bodies are JSON; every route answers JSON.
 */
export const CONTROL_PREFIX = "/_emulator/";

function json(status: number, value: unknown): ServiceResponse {
  return { status, headers: { "content-type": "application/json" }, body: JSON.stringify(value ?? null) };
}

export async function handleControl(
  control: EmulatorControl,
  method: string,
  path: string,
  body: Buffer,
  info: Record<string, unknown>,
): Promise<ServiceResponse> {
  const route = path.slice(CONTROL_PREFIX.length).replace(/\/+$/, "");
  const input = body.length > 0 ? (JSON.parse(body.toString("utf8")) as never) : undefined;
  const ok = json(200, { ok: true });
  const executions = /^pipelines\/([^/]+)\/executions$/.exec(route);
  if (executions && method === "GET") return json(200, control.executions(decodeURIComponent(executions[1]!)));
  switch (`${method} ${route}`) {
    case "GET health":
      return json(200, { ok: true, ...info });
    case "GET calls":
      return json(200, control.calls());
    case "DELETE calls":
      control.resetCalls();
      return ok;
    case "POST faults":
    case "PUT faults":
      control.setFaults(input ?? {});
      return ok;
    case "DELETE faults":
      control.clearFaults();
      return ok;
    case "PUT rate-limits":
    case "POST rate-limits":
      control.setRateLimits(input ?? []);
      return ok;
    case "POST action-scripts":
      control.scriptAction(input!);
      return ok;
    case "DELETE action-scripts":
      control.clearActionScripts();
      return ok;
    case "POST build-outputs":
      control.setBuildOutput(input!);
      return ok;
    case "DELETE build-outputs":
      control.clearBuildOutputs();
      return ok;
    case "POST stack-failures":
      control.failStack(input!);
      return ok;
    case "DELETE stack-failures":
      control.clearStackFailures();
      return ok;
    case "PUT event-sink":
      control.setEventSink(input ?? {});
      return ok;
    case "GET events":
      return json(200, control.events());
    case "GET stacks":
      return json(200, control.stacks());
    case "GET buckets":
      return json(200, control.buckets());
    case "GET pipelines":
      return json(200, control.pipelines());
    case "GET roles":
      return json(200, control.roles());
    case "GET projects":
      return json(200, control.projects());
    default:
      return json(404, { error: `no control route ${method} ${path}` });
  }
}
