import { createHmac } from "node:crypto";
import { CreateSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createReceiverHandler, type FunctionUrlRequest } from "../../src/lambda/receiver.js";
import { parseForwarded } from "../../src/queue/forwarded-webhook.js";
import { MOTO_CREDENTIALS, startMotoSqs, type MotoSqs } from "../support/moto-sqs.js";
import { pushToBranch } from "../support/payloads.js";
import { testPrivateKey } from "../support/branchline.js";

/**
 * The Lambda receiver as a function URL calls it, against moto_server's SQS and Secrets Manager
 * through the real SDK clients: verify, forward, answer.
 */
let sqs: MotoSqs;
let secrets: SecretsManagerClient;
const WEBHOOK_SECRET = "receiver-test-webhook-secret";
const credentials = () => ({ APP_ID: "12345", PRIVATE_KEY: testPrivateKey(), WEBHOOK_SECRET });

beforeAll(async () => {
  sqs = await startMotoSqs();
  secrets = new SecretsManagerClient({ region: "us-east-1", endpoint: sqs.moto.url, credentials: MOTO_CREDENTIALS });
});
afterAll(async () => {
  secrets?.destroy();
  await sqs?.stop();
});

async function storedSecret(value: Record<string, string>): Promise<string> {
  const made = await secrets.send(
    new CreateSecretCommand({
      Name: `branchline-app-${Math.random().toString(36).slice(2)}`,
      SecretString: JSON.stringify(value),
    }),
  );
  return made.ARN!;
}

function signed(
  id: string,
  name: string,
  payload: unknown,
  secret = WEBHOOK_SECRET,
  base64 = false,
): FunctionUrlRequest {
  const body = JSON.stringify(payload);
  return {
    requestContext: { http: { method: "POST" } },
    headers: {
      "X-GitHub-Delivery": id,
      "X-GitHub-Event": name,
      "X-Hub-Signature-256": `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`,
      "content-type": "application/json",
    },
    body: base64 ? Buffer.from(body).toString("base64") : body,
    isBase64Encoded: base64,
  };
}

async function queued(url: string): Promise<string[]> {
  const got = await sqs.client.send(
    new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, VisibilityTimeout: 0 }),
  );
  return (got.Messages ?? []).map((m) => m.Body ?? "");
}

async function receiver(secret: Record<string, string> = credentials()) {
  const { url } = await sqs.fifoQueue();
  const arn = await storedSecret(secret);
  const handler = createReceiverHandler({
    env: { BRANCHLINE_QUEUE_URL: url, BRANCHLINE_APP_SECRET_ARN: arn, LOG_LEVEL: "fatal" },
    secretsManager: secrets,
    sqs: sqs.client,
  });
  return { url, handler };
}

describe("the Lambda receiver", () => {
  it("verifies a push, puts it on the work queue as it came, and answers 202", async () => {
    const { url, handler } = await receiver();
    const payload = pushToBranch("feature/x", "a".repeat(40));
    const response = await handler(signed("delivery-1", "push", payload));
    expect(response.statusCode).toBe(202);
    const bodies = await queued(url);
    expect(bodies).toHaveLength(1);
    expect(parseForwarded(JSON.parse(bodies[0]!))).toEqual({
      v: 1,
      kind: "webhook",
      id: "delivery-1",
      name: "push",
      payload,
    });
  });

  it("a redelivered webhook (same delivery id) is one message; a base64 body is read as well", async () => {
    const { url, handler } = await receiver();
    const payload = pushToBranch("feature/y", "b".repeat(40));
    expect((await handler(signed("delivery-2", "push", payload))).statusCode).toBe(202);
    expect((await handler(signed("delivery-2", "push", payload, WEBHOOK_SECRET, true))).statusCode).toBe(202);
    expect(await queued(url)).toHaveLength(1);
  });

  it("refuses a wrong signature with 401 and queues nothing", async () => {
    const { url, handler } = await receiver();
    const response = await handler(signed("delivery-3", "push", pushToBranch("x", "c".repeat(40)), "not-the-secret"));
    expect(response.statusCode).toBe(401);
    expect(await queued(url)).toEqual([]);
  });

  it.each([
    ["a GET", { requestContext: { http: { method: "GET" } } }, 405],
    ["a POST without GitHub's headers", { requestContext: { http: { method: "POST" } }, headers: {}, body: "{}" }, 400],
  ])("answers %s with %i", async (_, request, status) => {
    const { handler } = await receiver();
    expect((await handler(request)).statusCode).toBe(status);
  });

  it("forwards a push too large for SQS without its commit lists", async () => {
    const { url, handler } = await receiver();
    const payload = pushToBranch("feature/big", "d".repeat(40));
    const commit = (payload.commits as Record<string, unknown>[])[0] ?? { id: "d".repeat(40), message: "m" };
    payload.commits = Array.from({ length: 2048 }, (_, i) => ({
      ...commit,
      id: i.toString(16).padStart(40, "0"),
      message: "x".repeat(200),
    }));
    expect(Buffer.byteLength(JSON.stringify(payload))).toBeGreaterThan(256 * 1024);
    expect((await handler(signed("delivery-4", "push", payload))).statusCode).toBe(202);
    const forwarded = parseForwarded(JSON.parse((await queued(url))[0]!));
    expect(forwarded?.payload).toMatchObject({ ref: "refs/heads/feature/big", after: "d".repeat(40), commits: [] });
  });

  it("a secret without the webhook secret is a start-up error naming the missing key, never a value", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => undefined);
    try {
      const { handler } = await receiver({ APP_ID: "12345", PRIVATE_KEY: testPrivateKey() });
      const response = await handler(signed("delivery-5", "push", pushToBranch("x", "e".repeat(40))));
      expect(response.statusCode).toBe(500);
      const logged = errors.mock.calls.flat().join(" ");
      expect(logged).toMatch(/lack WEBHOOK_SECRET/);
      expect(logged).not.toContain("BEGIN RSA");
    } finally {
      errors.mockRestore();
    }
  });
});

describe("webhookGroup", () => {
  it.each([
    [
      "one repository's webhooks share a group (handled in GitHub's order)",
      { installation: { id: 42 }, repository: { id: 7 } },
      "webhook:42:7",
    ],
    ["another repository has its own", { installation: { id: 42 }, repository: { id: 8 } }, "webhook:42:8"],
    ["an installation event (no repository) groups by installation", { installation: { id: 42 } }, "webhook:42:none"],
    ["a payload without either", {}, "webhook:none:none"],
  ])("%s", async (_, payload, group) => {
    const { webhookGroup } = await import("../../src/queue/receiver-app.js");
    expect(webhookGroup(payload)).toBe(group);
  });
});
