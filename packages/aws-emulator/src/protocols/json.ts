import type { AwsError } from "../errors.js";

/**
 * The awsJson1_1 protocol (CodePipeline): `X-Amz-Target: Prefix.Operation`, JSON in and out,
 * errors as `{"__type": "...", "message": "..."}`. Timestamps travel as epoch seconds.
 */
export function operationFromTarget(target: string | undefined, prefix: string): string | undefined {
  if (!target || !target.startsWith(`${prefix}.`)) return undefined;
  return target.slice(prefix.length + 1);
}

export function epochSeconds(date: Date): number {
  return date.getTime() / 1000;
}

export function jsonErrorBody(error: AwsError): string {
  return JSON.stringify({ __type: error.code, message: error.message });
}

export const JSON_CONTENT_TYPE = "application/x-amz-json-1.1";
