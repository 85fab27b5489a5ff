import { request } from "node:http";
import { expect } from "vitest";
import { allStacks, emulatedAws, type EmulatedAws } from "./aws.js";
import { startBranchline, type BranchlineTestOptions, type RunningApp } from "./branchline.js";
import { FakeGitHub } from "./fake-github.js";
import { A, B, C, CONFIG, TEMPLATE, TEMPLATE_PATH } from "./repository-fixtures.js";

export { A, B, C, CONFIG, TEMPLATE, TEMPLATE_PATH };

/** The repository's config on the default branch, and the template at each commit. */
export function givenRepository(
  github: FakeGitHub,
  options: { config?: string | null; template?: string; commits?: string[] } = {},
): void {
  if (options.config !== null) github.file("main", ".github/branchline.yml", options.config ?? CONFIG);
  for (const commit of options.commits ?? [A, B, C]) github.file(commit, TEMPLATE_PATH, options.template ?? TEMPLATE);
}

export async function onlyStack(aws: EmulatedAws) {
  const stacks = await allStacks(aws.clients);
  expect(stacks).toHaveLength(1);
  return stacks[0]!;
}

export function pipelineOf(stack: { Outputs?: { OutputKey?: string; OutputValue?: string }[] }): string {
  const name = stack.Outputs?.find((o) => o.OutputKey === "PipelineName")?.OutputValue;
  expect(name).toBeTruthy();
  return name!;
}

/** POSTs JSON over node:http (nock leaves it intact on loopback, unlike fetch); returns the status. */
export function postJson(url: string, body: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: "POST",
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body), ...headers },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** What an app test works with: the AWS emulator, the fake GitHub, and branchline between them. */
export interface Scene {
  readonly aws: EmulatedAws;
  readonly github: FakeGitHub;
  readonly app: RunningApp;
}

/**
 * A fresh scene for one test: `octo-org/shop` installed, branchline started with `options` (or with
 * what `options` makes of the emulator, e.g. a template bucket created in it first).
 */
export async function openScene(
  options: BranchlineTestOptions | ((aws: EmulatedAws) => Promise<BranchlineTestOptions>) = {},
): Promise<Scene> {
  const aws = await emulatedAws();
  const github = new FakeGitHub("octo-org", "shop").install();
  const app = await startBranchline(aws.clients, typeof options === "function" ? await options(aws) : options);
  return { aws, github, app };
}

/** Ends a scene: every job and followed run finished, no unexpected GitHub request, the emulator closed. */
export async function closeScene(scene: Scene): Promise<void> {
  await scene.app.settle();
  scene.github.assertClean();
  await scene.aws.close();
}
