import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SQSClient } from "@aws-sdk/client-sqs";
import { Probot } from "probot";
import { receiverApp } from "../queue/receiver-app.js";
import { SqsQueue } from "../queue/sqs-queue.js";

/**
 * The webhook receiver as a Lambda function behind a function URL (templates/branchline-service.yml):
 * Probot verifies the signature, the webhook goes on the work queue, and the answer follows. With
 * probot 14 (ESM) this small handler is the working path; Probot's own Lambda adapter is CommonJS on
 * probot 13. The App's credentials come from Secrets Manager (BRANCHLINE_APP_SECRET_ARN, a JSON
 * secret with APP_ID, PRIVATE_KEY and WEBHOOK_SECRET), read once per cold start.
 */

/** The part of a function URL request (payload format 2.0) the receiver reads. */
export interface FunctionUrlRequest {
  readonly headers?: Readonly<Record<string, string | undefined>>;
  readonly body?: string;
  readonly isBase64Encoded?: boolean;
  readonly requestContext?: { readonly http?: { readonly method?: string } };
}

export interface FunctionUrlResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

type Env = Readonly<Record<string, string | undefined>>;

export interface AppCredentials {
  readonly APP_ID: string;
  readonly PRIVATE_KEY: string;
  readonly WEBHOOK_SECRET: string;
}

export interface ReceiverDeps {
  readonly env: Env;
  readonly secretsManager?: SecretsManagerClient;
  readonly sqs?: SQSClient;
}

const answer = (statusCode: number, message: string): FunctionUrlResponse => ({
  statusCode,
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ message }),
});

export async function appCredentials(deps: ReceiverDeps): Promise<AppCredentials> {
  const arn = deps.env.BRANCHLINE_APP_SECRET_ARN;
  const source = arn
    ? (JSON.parse(
        await readSecret(deps.secretsManager ?? new SecretsManagerClient({}), arn),
      ) as Partial<AppCredentials>)
    : { APP_ID: deps.env.APP_ID, PRIVATE_KEY: deps.env.PRIVATE_KEY, WEBHOOK_SECRET: deps.env.WEBHOOK_SECRET };
  const missing = (["APP_ID", "PRIVATE_KEY", "WEBHOOK_SECRET"] as const).filter((name) => !source[name]);
  // Names only: the values are secrets.
  if (missing.length > 0)
    throw new Error(
      `the App's credentials lack ${missing.join(", ")} (${arn ? `in the secret ${arn}` : "in the environment"})`,
    );
  return source as AppCredentials;
}

async function readSecret(client: SecretsManagerClient, arn: string): Promise<string> {
  const secret = await client.send(new GetSecretValueCommand({ SecretId: arn }));
  if (!secret.SecretString) throw new Error(`the secret ${arn} holds no string`);
  return secret.SecretString;
}

/** A handler with its dependencies chosen (tests pass a loopback SQS and their own secret). */
export function createReceiverHandler(
  deps: ReceiverDeps,
): (request: FunctionUrlRequest) => Promise<FunctionUrlResponse> {
  let ready: Promise<Probot> | undefined;
  const setUp = async () => {
    const url = deps.env.BRANCHLINE_QUEUE_URL;
    if (!url) throw new Error("BRANCHLINE_QUEUE_URL is not set: the receiver has nowhere to put webhooks");
    const credentials = await appCredentials(deps);
    const probot = new Probot({
      appId: credentials.APP_ID,
      privateKey: credentials.PRIVATE_KEY,
      secret: credentials.WEBHOOK_SECRET,
      logLevel: (deps.env.LOG_LEVEL ?? "info") as "info",
    });
    await probot.load(receiverApp(new SqsQueue(deps.sqs ?? new SQSClient({}), url)));
    return probot;
  };
  return async (request) => {
    if ((request.requestContext?.http?.method ?? "POST") !== "POST") return answer(405, "webhooks are POSTed");
    let probot: Probot;
    try {
      probot = await (ready ??= setUp());
    } catch (error) {
      ready = undefined;
      console.error(`branchline receiver: cannot start: ${(error as Error).message}`);
      return answer(500, "the receiver is not configured; see its log");
    }
    const headers = Object.fromEntries(Object.entries(request.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
    const id = headers["x-github-delivery"];
    const name = headers["x-github-event"];
    const signature = headers["x-hub-signature-256"];
    if (!id || !name || !signature)
      return answer(
        400,
        "not a GitHub webhook: X-GitHub-Delivery, X-GitHub-Event and X-Hub-Signature-256 are required",
      );
    const payload = request.isBase64Encoded
      ? Buffer.from(request.body ?? "", "base64").toString("utf8")
      : (request.body ?? "");
    try {
      await probot.webhooks.verifyAndReceive({ id, name, payload, signature });
    } catch (error) {
      const errors = (error as { errors?: { status?: number; message?: string }[] }).errors ?? [
        error as { status?: number; message?: string },
      ];
      if (errors.some((e) => /signature does not match/.test(e.message ?? "")))
        return answer(401, "signature does not match");
      // SQS did not take it: GitHub marks the delivery failed, and it can be redelivered.
      return answer(500, "the webhook could not be queued");
    }
    return answer(202, "queued");
  };
}

export const handler = createReceiverHandler({ env: process.env });
