import {
  CreateChangeSetCommand,
  CreateStackCommand,
  DeleteStackCommand,
  DescribeChangeSetCommand,
  DescribeStackEventsCommand,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  GetTemplateCommand,
  UpdateStackCommand,
} from "@aws-sdk/client-cloudformation";
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import type { Clients } from "../../packages/aws-emulator/test/harness.js";

/**
 * Scenarios played unchanged against the emulator and against moto. Each returns observations:
 * a name and what was seen (a value, or `error:Name:message`), so the two sides compare key by key.
 */
export type Observations = Record<string, unknown>;

async function observe(into: Observations, name: string, action: () => Promise<unknown>): Promise<void> {
  try {
    into[name] = await action();
  } catch (error) {
    const e = error as Error & { $metadata?: { httpStatusCode?: number } };
    into[name] = `error:${e.name}:${e.$metadata?.httpStatusCode ?? "?"}:${e.message}`;
  }
}

async function poll<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export async function s3Scenario(aws: Clients, prefix: string): Promise<Observations> {
  const seen: Observations = {};
  const bucket = `${prefix}-conformance`;
  await observe(
    seen,
    "create bucket",
    async () => (await aws.s3.send(new CreateBucketCommand({ Bucket: bucket }))).$metadata.httpStatusCode,
  );
  await observe(seen, "create bucket again", () =>
    aws.s3.send(new CreateBucketCommand({ Bucket: bucket })).then(() => "ok"),
  );
  await observe(seen, "head missing bucket", () =>
    aws.s3.send(new HeadBucketCommand({ Bucket: `${prefix}-missing` })).then(() => "ok"),
  );
  await observe(
    seen,
    "put object etag",
    async () => (await aws.s3.send(new PutObjectCommand({ Bucket: bucket, Key: "a/b c.txt", Body: "hello" }))).ETag,
  );
  await observe(seen, "get object", async () => {
    const got = await aws.s3.send(new GetObjectCommand({ Bucket: bucket, Key: "a/b c.txt" }));
    return { body: await got.Body?.transformToString(), length: got.ContentLength };
  });
  await observe(seen, "get missing key", () =>
    aws.s3.send(new GetObjectCommand({ Bucket: bucket, Key: "nope" })).then(() => "ok"),
  );
  await observe(seen, "head missing key", () =>
    aws.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "nope" })).then(() => "ok"),
  );
  for (let i = 0; i < 5; i++)
    await aws.s3.send(new PutObjectCommand({ Bucket: bucket, Key: `k/${i}`, Body: String(i) }));
  await observe(seen, "list v2 pages", async () => {
    const pages: { keys: string[]; count: number | undefined; truncated: boolean | undefined }[] = [];
    let token: string | undefined;
    do {
      const page = await aws.s3.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: "k/", MaxKeys: 2, ContinuationToken: token }),
      );
      pages.push({ keys: (page.Contents ?? []).map((c) => c.Key!), count: page.KeyCount, truncated: page.IsTruncated });
      token = page.NextContinuationToken;
    } while (token);
    return pages;
  });
  await observe(seen, "list v2 delimiter", async () => {
    const page = await aws.s3.send(new ListObjectsV2Command({ Bucket: bucket, Delimiter: "/" }));
    return { prefixes: page.CommonPrefixes?.map((p) => p.Prefix), keys: page.Contents?.map((c) => c.Key) ?? [] };
  });
  await observe(seen, "delete non-empty bucket", () =>
    aws.s3.send(new DeleteBucketCommand({ Bucket: bucket })).then(() => "ok"),
  );
  await aws.s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }));
  await aws.s3.send(new PutObjectCommand({ Bucket: bucket, Key: "v", Body: "1" }));
  await aws.s3.send(new PutObjectCommand({ Bucket: bucket, Key: "v", Body: "2" }));
  await observe(
    seen,
    "delete versioned object",
    async () => (await aws.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "v" }))).DeleteMarker,
  );
  await observe(seen, "get deleted versioned object", () =>
    aws.s3.send(new GetObjectCommand({ Bucket: bucket, Key: "v" })).then(() => "ok"),
  );
  await observe(seen, "list versions of v", async () => {
    const page = await aws.s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: "v" }));
    return { versions: page.Versions?.map((x) => x.IsLatest), markers: page.DeleteMarkers?.map((x) => x.IsLatest) };
  });
  await observe(seen, "list versions paged", async () => {
    const counts: number[] = [];
    let keyMarker: string | undefined;
    let versionMarker: string | undefined;
    do {
      const page = await aws.s3.send(
        new ListObjectVersionsCommand({
          Bucket: bucket,
          MaxKeys: 3,
          KeyMarker: keyMarker,
          VersionIdMarker: versionMarker,
        }),
      );
      counts.push((page.Versions?.length ?? 0) + (page.DeleteMarkers?.length ?? 0));
      keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
      versionMarker = page.IsTruncated ? page.NextVersionIdMarker : undefined;
    } while (keyMarker);
    return counts.reduce((a, b) => a + b, 0);
  });
  await observe(seen, "empty and delete bucket", async () => {
    const all = await aws.s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
    const objects = [...(all.Versions ?? []), ...(all.DeleteMarkers ?? [])].map((v) => ({
      Key: v.Key!,
      VersionId: v.VersionId!,
    }));
    const result = await aws.s3.send(
      new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects, Quiet: true } }),
    );
    await aws.s3.send(new DeleteBucketCommand({ Bucket: bucket }));
    return { errors: result.Errors ?? [] };
  });
  return seen;
}

const BUCKET_TEMPLATE = (bucket: string) => `
Parameters:
  Env:
    Type: String
  Mode:
    Type: String
    Default: Suspended
Resources:
  Store:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: ${bucket}
      VersioningConfiguration:
        Status: !Ref Mode
Outputs:
  Name:
    Value: !Ref Store
  Arn:
    Value: !GetAtt Store.Arn
  Sub:
    Value: !Sub "\${Env}-\${AWS::Region}-\${Store}"
`;

async function settle(aws: Clients, name: string): Promise<string> {
  const stack = await poll(
    async () => (await aws.cfn.send(new DescribeStacksCommand({ StackName: name }))).Stacks?.[0],
    (s) => !(s?.StackStatus ?? "").endsWith("_IN_PROGRESS") || s?.StackStatus === "REVIEW_IN_PROGRESS",
  );
  return stack?.StackStatus ?? "none";
}

export async function cloudFormationScenario(aws: Clients, prefix: string): Promise<Observations> {
  const seen: Observations = {};
  const stackName = `${prefix}-stack`;
  const bucket = `${prefix}-cfn-bucket`;
  const template = BUCKET_TEMPLATE(bucket);
  await observe(seen, "missing parameter", () =>
    aws.cfn.send(new CreateStackCommand({ StackName: `${prefix}-e1`, TemplateBody: template })).then(() => "ok"),
  );
  await observe(seen, "unknown parameter", () =>
    aws.cfn
      .send(
        new CreateStackCommand({
          StackName: `${prefix}-e2`,
          TemplateBody: BUCKET_TEMPLATE(`${bucket}-e2`),
          Parameters: [
            { ParameterKey: "Env", ParameterValue: "a" },
            { ParameterKey: "Bogus", ParameterValue: "b" },
          ],
        }),
      )
      .then(() => "ok"),
  );
  await observe(seen, "unresolved ref", () =>
    aws.cfn
      .send(
        new CreateStackCommand({
          StackName: `${prefix}-e3`,
          TemplateBody: "Resources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: !Ref Ghost\n",
        }),
      )
      .then(() => "ok"),
  );
  await observe(seen, "create stack", async () => {
    await aws.cfn.send(
      new CreateStackCommand({
        StackName: stackName,
        TemplateBody: template,
        Parameters: [{ ParameterKey: "Env", ParameterValue: "dev" }],
        Tags: [{ Key: "team", Value: "shop" }],
      }),
    );
    return settle(aws, stackName);
  });
  await observe(seen, "describe stack", async () => {
    const stack = (await aws.cfn.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks![0]!;
    return {
      outputs: Object.fromEntries((stack.Outputs ?? []).map((o) => [o.OutputKey, o.OutputValue])),
      parameters: Object.fromEntries((stack.Parameters ?? []).map((p) => [p.ParameterKey, p.ParameterValue])),
      tags: stack.Tags,
    };
  });
  await observe(
    seen,
    "created bucket exists",
    async () => (await aws.s3.send(new HeadBucketCommand({ Bucket: bucket }))).$metadata.httpStatusCode,
  );
  await observe(seen, "stack resources", async () =>
    (await aws.cfn.send(new DescribeStackResourcesCommand({ StackName: stackName }))).StackResources!.map((r) => [
      r.LogicalResourceId,
      r.PhysicalResourceId,
      r.ResourceType,
      r.ResourceStatus,
    ]),
  );
  await observe(seen, "newest event first", async () => {
    const events = (await aws.cfn.send(new DescribeStackEventsCommand({ StackName: stackName }))).StackEvents!;
    return [events[0]?.LogicalResourceId, events[0]?.ResourceStatus];
  });
  await observe(
    seen,
    "get template",
    async () => (await aws.cfn.send(new GetTemplateCommand({ StackName: stackName }))).TemplateBody === template,
  );
  await observe(seen, "no-op update", () =>
    aws.cfn
      .send(
        new UpdateStackCommand({
          StackName: stackName,
          TemplateBody: template,
          Parameters: [{ ParameterKey: "Env", UsePreviousValue: true }],
        }),
      )
      .then(() => "ok"),
  );
  await observe(seen, "update stack", async () => {
    await aws.cfn.send(
      new UpdateStackCommand({
        StackName: stackName,
        TemplateBody: template,
        Parameters: [
          { ParameterKey: "Env", UsePreviousValue: true },
          { ParameterKey: "Mode", ParameterValue: "Enabled" },
        ],
      }),
    );
    return settle(aws, stackName);
  });
  await observe(seen, "update change set", async () => {
    await aws.cfn.send(
      new CreateChangeSetCommand({
        StackName: stackName,
        ChangeSetName: "rename",
        TemplateBody: BUCKET_TEMPLATE(`${bucket}-2`),
        Parameters: [
          { ParameterKey: "Env", UsePreviousValue: true },
          { ParameterKey: "Mode", UsePreviousValue: true },
        ],
      }),
    );
    const cs = await poll(
      () => aws.cfn.send(new DescribeChangeSetCommand({ ChangeSetName: "rename", StackName: stackName })),
      (c) => c.Status !== "CREATE_PENDING" && c.Status !== "CREATE_IN_PROGRESS",
    );
    return {
      status: cs.Status,
      execution: cs.ExecutionStatus,
      changes: cs.Changes?.map((c) => [
        c.ResourceChange?.Action,
        c.ResourceChange?.LogicalResourceId,
        c.ResourceChange?.Replacement,
      ]),
    };
  });
  await observe(seen, "create change set", async () => {
    const name = `${prefix}-cs`;
    await aws.cfn.send(
      new CreateChangeSetCommand({
        StackName: name,
        ChangeSetName: "first",
        ChangeSetType: "CREATE",
        TemplateBody: BUCKET_TEMPLATE(`${bucket}-cs`),
        Parameters: [{ ParameterKey: "Env", ParameterValue: "x" }],
      }),
    );
    const review = (await aws.cfn.send(new DescribeStacksCommand({ StackName: name }))).Stacks![0]!.StackStatus;
    const cs = await poll(
      () => aws.cfn.send(new DescribeChangeSetCommand({ ChangeSetName: "first", StackName: name })),
      (c) => c.Status !== "CREATE_PENDING" && c.Status !== "CREATE_IN_PROGRESS",
    );
    await aws.cfn.send(new ExecuteChangeSetCommand({ ChangeSetName: "first", StackName: name }));
    const after = await settle(aws, name);
    return {
      review,
      status: cs.Status,
      changes: cs.Changes?.map((c) => [c.ResourceChange?.Action, c.ResourceChange?.LogicalResourceId]),
      after,
    };
  });
  await observe(seen, "delete stack", async () => {
    const stackId = (await aws.cfn.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks![0]!.StackId!;
    await aws.cfn.send(new DeleteStackCommand({ StackName: stackName }));
    const byId = await poll(
      async () => (await aws.cfn.send(new DescribeStacksCommand({ StackName: stackId }))).Stacks![0]!.StackStatus,
      (status) => status !== "DELETE_IN_PROGRESS",
    );
    let byName: string;
    try {
      await aws.cfn.send(new DescribeStacksCommand({ StackName: stackName }));
      byName = "still there";
    } catch (error) {
      byName = (error as Error).message;
    }
    return { byId, byName: byName.replace(stackName, "<name>") };
  });
  await observe(seen, "bucket gone with stack", () =>
    aws.s3.send(new HeadBucketCommand({ Bucket: bucket })).then(() => "ok"),
  );
  await observe(seen, "delete stack with full bucket", async () => {
    const name = `${prefix}-full`;
    await aws.cfn.send(
      new CreateStackCommand({
        StackName: name,
        TemplateBody: BUCKET_TEMPLATE(`${bucket}-full`),
        Parameters: [{ ParameterKey: "Env", ParameterValue: "x" }],
      }),
    );
    await settle(aws, name);
    await aws.s3.send(new PutObjectCommand({ Bucket: `${bucket}-full`, Key: "x", Body: "x" }));
    await aws.cfn.send(new DeleteStackCommand({ StackName: name }));
    try {
      return await settle(aws, name);
    } catch (error) {
      return (error as Error).message.replace(name, "<name>");
    }
  });
  return seen;
}
