import { DescribeStacksCommand, type Stack } from "@aws-sdk/client-cloudformation";
import { ListPipelineExecutionsCommand, type PipelineExecutionSummary } from "@aws-sdk/client-codepipeline";
import { ListBucketsCommand } from "@aws-sdk/client-s3";
import { createAwsClients, type AwsClients } from "../../src/aws/clients.js";
import { startEmulator, type Emulator, type EmulatorOptions } from "@branchline/aws-emulator";

export interface EmulatedAws {
  readonly emulator: Emulator;
  readonly clients: AwsClients;
  close(): Promise<void>;
}

/** The loopback AWS emulator and real SDK clients pointed at it. */
export async function emulatedAws(options: EmulatorOptions = {}): Promise<EmulatedAws> {
  const emulator = await startEmulator(options);
  const clients = createAwsClients({
    region: emulator.region,
    endpoint: emulator.url,
    credentials: { accessKeyId: "AKIDTESTEXAMPLE", secretAccessKey: "test-secret-access-key" },
    maxAttempts: 3,
  });
  return { emulator, clients, close: () => emulator.close() };
}

/** All stacks CloudFormation lists, as the SDK sees them (deleted ones excluded). */
export async function allStacks(aws: AwsClients): Promise<Stack[]> {
  const stacks: Stack[] = [];
  let token: string | undefined;
  do {
    const page = await aws.cloudformation.send(new DescribeStacksCommand({ NextToken: token }));
    stacks.push(...(page.Stacks ?? []));
    token = page.NextToken;
  } while (token);
  return stacks.filter((s) => s.StackStatus !== "DELETE_COMPLETE");
}

export function tagsOf(stack: Stack): Record<string, string> {
  return Object.fromEntries((stack.Tags ?? []).map((t) => [t.Key ?? "", t.Value ?? ""]));
}

export async function executions(aws: AwsClients, pipeline: string): Promise<PipelineExecutionSummary[]> {
  const result = await aws.codepipeline.send(new ListPipelineExecutionsCommand({ pipelineName: pipeline }));
  return result.pipelineExecutionSummaries ?? [];
}

/** The commits branchline pinned runs to (executions started by StartPipelineExecution). */
export async function pinnedCommits(aws: AwsClients, pipeline: string): Promise<string[]> {
  return (await executions(aws, pipeline))
    .filter((e) => e.trigger?.triggerType === "StartPipelineExecution")
    .map((e) => e.sourceRevisions?.[0]?.revisionId ?? "?")
    .reverse();
}

export async function bucketNames(aws: AwsClients): Promise<string[]> {
  const result = await aws.s3.send(new ListBucketsCommand({}));
  return (result.Buckets ?? []).map((b) => b.Name ?? "");
}

/** Calls that change something (anything but Describe*, List*, Get*), for one service. */
export function mutationCount(aws: EmulatedAws, service: string): number {
  const operations = aws.emulator.control.calls().services[service] ?? {};
  return Object.entries(operations).reduce(
    (sum, [name, count]) => (/^(Describe|List|Get)/.test(name) ? sum : sum + count.calls),
    0,
  );
}

/** Calls the emulator answered, for one service, or one operation of it. */
export function callCount(aws: EmulatedAws, service: string, operation?: string): number {
  const operations = aws.emulator.control.calls().services[service] ?? {};
  if (operation !== undefined) return operations[operation]?.calls ?? 0;
  return Object.values(operations).reduce((sum, count) => sum + count.calls, 0);
}
