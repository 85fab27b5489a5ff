import type { IncomingHttpHeaders } from "node:http";
import type { AwsError } from "./errors.js";

/** One HTTP request, already read, as a service handler sees it. */
export interface ServiceRequest {
  readonly method: string;
  /** The raw (still percent-encoded) path, without the query. */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  readonly requestId: string;
}

export interface ServiceResponse {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Buffer;
}

/** A service in its own wire protocol: names the operation (for counting and faults), answers, and renders errors. */
export interface ServiceHandler {
  operationOf(request: ServiceRequest): string;
  handle(request: ServiceRequest, operation: string): Promise<ServiceResponse>;
  renderError(error: AwsError, request: ServiceRequest): ServiceResponse;
  /** The error this service answers when throttled or failing, as AWS words it. */
  faultError(kind: "throttle" | "server-error"): AwsError;
}
