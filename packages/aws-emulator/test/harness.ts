import { CloudFormationClient, DescribeStacksCommand, type Stack } from "@aws-sdk/client-cloudformation";
import { CodePipelineClient } from "@aws-sdk/client-codepipeline";
import { S3Client } from "@aws-sdk/client-s3";
import { STSClient } from "@aws-sdk/client-sts";
import { startEmulator, type Emulator, type EmulatorOptions } from "../src/index.js";
import { eventually } from "./eventually.js";

/** The real SDK v3 clients, pointed at an endpoint through the standard `endpoint` option. */
export interface Clients {
  readonly cfn: CloudFormationClient;
  readonly pipelines: CodePipelineClient;
  readonly s3: S3Client;
  readonly sts: STSClient;
}

export function clientsFor(endpoint: string, region = "us-east-1", maxAttempts = 1): Clients {
  const common = {
    endpoint,
    region,
    maxAttempts,
    credentials: { accessKeyId: "AKIDEMULATOR", secretAccessKey: "emulator-secret" },
  };
  return {
    cfn: new CloudFormationClient(common),
    pipelines: new CodePipelineClient(common),
    s3: new S3Client({ ...common, forcePathStyle: true }),
    sts: new STSClient(common),
  };
}

export interface Sandbox extends Clients {
  readonly emulator: Emulator;
  close(): Promise<void>;
}

/** An emulator on an ephemeral loopback port, with clients that do not retry (so faults show). */
export async function sandbox(options: EmulatorOptions = {}): Promise<Sandbox> {
  const emulator = await startEmulator(options);
  const clients = clientsFor(emulator.url, emulator.region);
  return {
    ...clients,
    emulator,
    async close() {
      for (const client of Object.values(clients)) client.destroy();
      await emulator.close();
    },
  };
}

export { eventually };

/** Waits for a stack to leave every *_IN_PROGRESS state (REVIEW_IN_PROGRESS counts as settled). */
export async function settledStack(cfn: CloudFormationClient, stackName: string): Promise<Stack> {
  return eventually(
    async () => {
      const stack = (await cfn.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks?.[0];
      const status = stack?.StackStatus ?? "";
      return status.endsWith("_IN_PROGRESS") && status !== "REVIEW_IN_PROGRESS" ? undefined : stack;
    },
    5_000,
    `stack ${stackName} to settle`,
  );
}

/** Runs `action` and returns the error it throws, failing the test if it does not. */
export async function failure(
  action: () => Promise<unknown>,
): Promise<Error & { name: string; $metadata?: { httpStatusCode?: number } }> {
  try {
    await action();
  } catch (error) {
    return error as Error & { name: string };
  }
  throw new Error("expected the call to fail, but it succeeded");
}

/** Waits until DescribeStacks by name says the stack does not exist; returns that message. */
export async function stackGone(cfn: CloudFormationClient, stackName: string): Promise<string> {
  return eventually(
    async () => {
      try {
        await cfn.send(new DescribeStacksCommand({ StackName: stackName }));
        return undefined;
      } catch (error) {
        return (error as Error).message;
      }
    },
    5_000,
    `stack ${stackName} to be deleted`,
  );
}
