import { AwsError } from "../errors.js";
import { jsonErrorBody, JSON_CONTENT_TYPE, operationFromTarget } from "../protocols/json.js";
import type { ServiceHandler, ServiceRequest, ServiceResponse } from "../service.js";
import type { LogEvent, LogStore } from "./store.js";

const TARGET_PREFIX = "Logs_20140328";
/** CloudWatch Logs answers at most 10,000 events (1 MB) per GetLogEvents call. */
const MAX_LIMIT = 10_000;

type Input = Record<string, unknown>;

function str(input: Input, name: string): string {
  const value = input[name];
  if (typeof value !== "string" || value === "") {
    throw new AwsError(
      "InvalidParameterException",
      `1 validation error detected: Value null at '${name}' failed to satisfy constraint: Member must not be null`,
      400,
    );
  }
  return value;
}

function num(input: Input, name: string): number | undefined {
  const value = input[name];
  return typeof value === "number" ? value : undefined;
}

/**
 * CloudWatch Logs over awsJson1_1: the few operations CodeBuild's logs need (create, put, get,
 * filter, describe streams). Tokens are positions: `f/N` forward, `b/N` backward, as opaque to the
 * client as AWS's own; a forward token equal to the one sent means "nothing newer yet".
 */
export class LogsApi implements ServiceHandler {
  constructor(private readonly store: LogStore) {}

  operationOf(request: ServiceRequest): string {
    const target = request.headers["x-amz-target"];
    return operationFromTarget(typeof target === "string" ? target : undefined, TARGET_PREFIX) ?? "Unknown";
  }

  async handle(request: ServiceRequest, operation: string): Promise<ServiceResponse> {
    const input = (request.body.length > 0 ? JSON.parse(request.body.toString("utf8")) : {}) as Input;
    return {
      status: 200,
      headers: { "content-type": JSON_CONTENT_TYPE },
      body: JSON.stringify(this.dispatch(operation, input)),
    };
  }

  renderError(error: AwsError): ServiceResponse {
    return { status: error.status, headers: { "content-type": JSON_CONTENT_TYPE }, body: jsonErrorBody(error) };
  }

  faultError(kind: "throttle" | "server-error"): AwsError {
    return kind === "throttle"
      ? new AwsError("ThrottlingException", "Rate exceeded", 400)
      : new AwsError("ServiceUnavailableException", "The service is unavailable.", 500);
  }

  private dispatch(operation: string, input: Input): unknown {
    switch (operation) {
      case "CreateLogGroup":
        this.store.createGroup(str(input, "logGroupName"));
        return {};
      case "DeleteLogGroup":
        this.store.deleteGroup(str(input, "logGroupName"));
        return {};
      case "CreateLogStream":
        this.store.createStream(str(input, "logGroupName"), str(input, "logStreamName"));
        return {};
      case "PutLogEvents": {
        const events = Array.isArray(input.logEvents)
          ? (input.logEvents as { timestamp?: unknown; message?: unknown }[])
          : [];
        this.store.events(str(input, "logGroupName"), str(input, "logStreamName"));
        this.store.write(
          str(input, "logGroupName"),
          str(input, "logStreamName"),
          events.map((e) => ({ timestamp: Number(e.timestamp), message: String(e.message ?? "") })),
        );
        return { nextSequenceToken: undefined };
      }
      case "DescribeLogStreams": {
        const group = str(input, "logGroupName");
        const prefix = typeof input.logStreamNamePrefix === "string" ? input.logStreamNamePrefix : "";
        return {
          logStreams: this.store
            .streams(group)
            .filter((s) => s.startsWith(prefix))
            .map((s) => {
              const events = this.store.events(group, s);
              return {
                logStreamName: s,
                firstEventTimestamp: events[0]?.timestamp,
                lastEventTimestamp: events.at(-1)?.timestamp,
              };
            }),
        };
      }
      case "GetLogEvents":
        return this.getLogEvents(input);
      case "FilterLogEvents":
        return this.filterLogEvents(input);
      default:
        throw new AwsError(
          "UnknownOperationException",
          `The emulator does not implement CloudWatch Logs ${operation}`,
          400,
        );
    }
  }

  private getLogEvents(input: Input): unknown {
    const all = this.store.events(str(input, "logGroupName"), str(input, "logStreamName"));
    const inWindow = window(all, num(input, "startTime"), num(input, "endTime"));
    const limit = Math.min(MAX_LIMIT, Math.max(1, num(input, "limit") ?? MAX_LIMIT));
    const token = typeof input.nextToken === "string" ? input.nextToken : undefined;
    const fromHead = input.startFromHead === true;
    let start: number;
    let end: number;
    if (token) {
      const match = /^([fb])\/(\d+)$/.exec(token);
      if (!match) throw new AwsError("InvalidParameterException", "The specified nextToken is invalid.", 400);
      const position = Number(match[2]);
      if (match[1] === "f") [start, end] = [position, Math.min(inWindow.length, position + limit)];
      else [start, end] = [Math.max(0, position - limit), position];
    } else if (fromHead) [start, end] = [0, Math.min(inWindow.length, limit)];
    else [start, end] = [Math.max(0, inWindow.length - limit), inWindow.length];
    start = Math.min(start, inWindow.length);
    end = Math.max(start, Math.min(end, inWindow.length));
    return {
      events: inWindow.slice(start, end).map(render),
      nextForwardToken: `f/${end}`,
      nextBackwardToken: `b/${start}`,
    };
  }

  private filterLogEvents(input: Input): unknown {
    const group = str(input, "logGroupName");
    const names = Array.isArray(input.logStreamNames) ? (input.logStreamNames as string[]) : this.store.streams(group);
    const pattern = typeof input.filterPattern === "string" ? input.filterPattern.replace(/^"|"$/g, "") : "";
    const events = names
      .flatMap((stream) =>
        window(this.store.events(group, stream), num(input, "startTime"), num(input, "endTime")).map((e) => ({
          ...render(e),
          logStreamName: stream,
        })),
      )
      .filter((e) => pattern === "" || e.message.includes(pattern))
      .sort((a, b) => a.timestamp - b.timestamp);
    const limit = Math.min(MAX_LIMIT, Math.max(1, num(input, "limit") ?? MAX_LIMIT));
    const offset = typeof input.nextToken === "string" ? Number(input.nextToken) || 0 : 0;
    const slice = events.slice(offset, offset + limit);
    return { events: slice, ...(offset + limit < events.length ? { nextToken: String(offset + limit) } : {}) };
  }
}

function window(events: readonly LogEvent[], startTime: number | undefined, endTime: number | undefined): LogEvent[] {
  return events.filter(
    (e) => (startTime === undefined || e.timestamp >= startTime) && (endTime === undefined || e.timestamp <= endTime),
  );
}

function render(event: LogEvent) {
  return { timestamp: event.timestamp, message: event.message, ingestionTime: event.ingestionTime };
}
