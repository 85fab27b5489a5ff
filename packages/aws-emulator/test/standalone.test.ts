import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { CreateStackCommand } from "@aws-sdk/client-cloudformation";
import { CreateBucketCommand, ListBucketsCommand } from "@aws-sdk/client-s3";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientsFor, eventually, failure, settledStack, type Clients } from "./harness.js";

/** Builds the emulator alone (this package and the one it references, `tsc -b`) so the test needs no project build. */
function compileEmulator(): string {
  const root = fileURLToPath(new URL("../", import.meta.url));
  const builder = ts.createSolutionBuilder(ts.createSolutionBuilderHost(), [`${root}tsconfig.json`], {});
  if (builder.build() !== ts.ExitStatus.Success) throw new Error("could not compile the emulator");
  return `${root}dist/main.js`;
}

let child: ChildProcess;
let url: string;
let aws: Clients;

beforeAll(async () => {
  const main = compileEmulator();
  child = spawn(
    process.execPath,
    [main, "--port", "0", "--host", "127.0.0.1", "--timing", "test", "--region", "eu-central-1"],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  url = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString("utf8");
      const line = out.split("\n")[0];
      if (out.includes("\n") && line) resolve(line.trim());
    });
    child.once("exit", (code) => reject(new Error(`emulator exited with ${code}`)));
  });
  aws = clientsFor(url, "eu-central-1");
}, 60_000);

afterAll(async () => {
  if (child.exitCode === null) {
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    await exited;
  }
});

async function control(method: string, route: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${url}/_emulator/${route}`, {
    method,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  expect(response.status).toBe(200);
  return response.json();
}

describe("the standalone emulator process", () => {
  it("prints its loopback URL and answers SDK calls", async () => {
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await control("GET", "health")).toMatchObject({
      ok: true,
      url,
      region: "eu-central-1",
      accountId: "123456789012",
    });
    await aws.s3.send(new CreateBucketCommand({ Bucket: "standalone" }));
    expect((await aws.s3.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name)).toEqual(["standalone"]);
  });

  it("is steered and inspected over the HTTP control API", async () => {
    await control("POST", "faults", { service: "s3", throttleRate: 1 });
    expect((await failure(() => aws.s3.send(new ListBucketsCommand({})))).name).toBe("SlowDown");
    await control("DELETE", "faults");
    await aws.s3.send(new ListBucketsCommand({}));
    const calls = (await control("GET", "calls")) as {
      services: Record<string, Record<string, { calls: number; throttled: number }>>;
    };
    expect(calls.services.s3!.ListBuckets).toEqual({ calls: 3, throttled: 1, serverErrors: 0 });
    await control("DELETE", "calls");
    expect(((await control("GET", "calls")) as { total: number }).total).toBe(0);

    await control("POST", "stack-failures", { stackName: "proc-*", operation: "create", reason: "scripted over HTTP" });
    await aws.cfn.send(
      new CreateStackCommand({ StackName: "proc-1", TemplateBody: "Resources:\n  T:\n    Type: AWS::SNS::Topic\n" }),
    );
    expect((await settledStack(aws.cfn, "proc-1")).StackStatus).toBe("ROLLBACK_COMPLETE");
    const stacks = (await control("GET", "stacks")) as { stackName: string; status: string }[];
    expect(stacks.find((s) => s.stackName === "proc-1")?.status).toBe("ROLLBACK_COMPLETE");
    await control("DELETE", "stack-failures");
    await control("POST", "action-scripts", { outcome: "fail", message: "nope" });
    await control("PUT", "rate-limits", []);
    expect(await control("GET", "buckets")).toEqual([
      { name: "standalone", versioning: "Unversioned", keys: [], versionCount: 0 },
    ]);
    expect(await control("GET", "pipelines")).toEqual([]);
    expect(await control("GET", "events")).toEqual([]);
    const missing = await fetch(`${url}/_emulator/nothing-here`);
    expect(missing.status).toBe(404);
  });

  it("ends on SIGTERM", async () => {
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    expect(await eventually(() => exited)).toBe(0);
  });
});
