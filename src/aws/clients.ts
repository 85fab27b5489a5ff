import { CloudFormationClient } from "@aws-sdk/client-cloudformation";
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { CodePipelineClient } from "@aws-sdk/client-codepipeline";
import { S3Client } from "@aws-sdk/client-s3";
import { currentLook, LOOK_HEADER } from "../core/look-context.js";

export interface AwsSettings {
  readonly region: string;
  /** Set for the loopback emulator; unset means AWS itself (or AWS_ENDPOINT_URL, which the SDK reads). */
  readonly endpoint?: string;
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** A provider of (temporary) credentials, which wins over `credentials`: a kind role's session (kind-clients.ts). */
  readonly sessionCredentials?: () => Promise<{
    readonly accessKeyId: string;
    readonly secretAccessKey: string;
    readonly sessionToken?: string;
    readonly expiration?: Date;
  }>;
  /** Attempts per call, including the first: throttling and 5xx are retried by the SDK with backoff and jitter. */
  readonly maxAttempts?: number;
}

export interface AwsClients {
  readonly cloudformation: CloudFormationClient;
  readonly codepipeline: CodePipelineClient;
  readonly s3: S3Client;
  /** CloudWatch Logs: read for the web view's aggregated log (CodeBuild's lines). */
  readonly logs: CloudWatchLogsClient;
  readonly region: string;
}

/** One set of SDK clients for the process: the same code path for AWS and the emulator. */
export function createAwsClients(settings: AwsSettings): AwsClients {
  const common = {
    region: settings.region,
    maxAttempts: settings.maxAttempts ?? 8,
    // Adaptive mode slows the client itself when AWS throttles, instead of only retrying.
    retryMode: "adaptive" as const,
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    ...(settings.sessionCredentials
      ? { credentials: settings.sessionCredentials }
      : settings.credentials
        ? { credentials: settings.credentials }
        : {}),
  };
  const cloudformation = new CloudFormationClient(common);
  const codepipeline = new CodePipelineClient(common);
  for (const client of [cloudformation, codepipeline]) tagWithLook(client);
  return {
    cloudformation,
    codepipeline,
    s3: new S3Client({ ...common, forcePathStyle: settings.endpoint !== undefined }),
    logs: new CloudWatchLogsClient(common),
    region: settings.region,
  };
}

/** Sends the running look's id (look-context.ts) with each call, so a call log tells whose work a call was. */
function tagWithLook(client: CloudFormationClient | CodePipelineClient): void {
  (client.middlewareStack as CloudFormationClient["middlewareStack"]).add(
    (next) => (args) => {
      const look = currentLook();
      const request = args.request as { headers?: Record<string, string> };
      if (look && request.headers) request.headers[LOOK_HEADER] = look;
      return next(args);
    },
    { step: "build", name: "branchlineLookHeader" },
  );
}
