import type { IncomingHttpHeaders } from "node:http";

/**
 * One call the emulator answered, with who made it (the access key id of its SigV4 credential) and
 * what it was about (the stack, pipeline or bucket it names): the AWS call log tests read to see
 * which process worked on which environment, and when.
 */
export interface CallRecord {
  readonly service: string;
  readonly operation: string;
  readonly caller: string;
  /** The stack (CloudFormation), pipeline (CodePipeline) or bucket (S3) the call names, if any. */
  readonly target: string | undefined;
  /** The look that made the call (the `x-branchline-look` header branchline's clients send during a look). */
  readonly look: string | undefined;
  readonly startedMs: number;
  readonly endedMs: number;
}

export function callerOf(headers: IncomingHttpHeaders): string {
  return /Credential=([^/,\s]+)\//.exec(headers.authorization ?? "")?.[1] ?? "anonymous";
}

export function lookOf(headers: IncomingHttpHeaders): string | undefined {
  const look = headers["x-branchline-look"];
  return typeof look === "string" && look.length > 0 ? look : undefined;
}

/** What a call names, read the way each protocol carries it. */
export function targetOf(service: string, path: string, body: Buffer): string | undefined {
  if (service === "s3") return path.split("/")[1] || undefined;
  const text = body.toString("utf8");
  if (service === "cloudformation") return new URLSearchParams(text).get("StackName") ?? undefined;
  if (service === "codepipeline") {
    try {
      const json = JSON.parse(text) as { name?: unknown; pipelineName?: unknown };
      const name = json.pipelineName ?? json.name;
      return typeof name === "string" ? name : undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}
