import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { A, B, webScene, type WebScene } from "../support/web-scene.js";

/**
 * A run's aggregated log shows the CloudFormation events of the stack operation that run caused,
 * never those of an earlier update of the same stack (which belong to an earlier run).
 */
let scene: WebScene;
let alice: string;
const BRANCH = encodeURIComponent("branch/feature/log");

type Run = { log: { source: string; text: string; at: string }[]; finished: boolean };
type History = { runs: { executionId: string; commit: string | null; cause: string }[] };

async function get<T>(path: string): Promise<T> {
  const response = await fetch(`${scene.url}/branchline/api/v1${path}`, {
    headers: { authorization: `Bearer ${alice}` },
  });
  expect(response.status, path).toBe(200);
  return (await response.json()) as T;
}

beforeAll(async () => {
  scene = await webScene();
  alice = scene.token("alice");
}, 60_000);

afterAll(async () => {
  await scene.close();
});

describe("a run's stack events", () => {
  it("are those of the run's own stack operation: a second push that leaves the stack alone shows none of the first push's creation", async () => {
    await scene.push("feature/log", A);
    await scene.app.settle();
    await scene.push("feature/log", B);
    await scene.app.settle();
    const history = await get<History>(`/repos/octo-org/shop/environments/${BRANCH}/runs`);
    const first = history.runs.find((r) => r.commit === A && r.cause === "deployed by branchline")!;
    const second = history.runs.find((r) => r.commit === B)!;
    expect(first).toBeDefined();
    expect(second).toBeDefined();

    const firstRun = await get<Run>(`/repos/octo-org/shop/environments/${BRANCH}/runs/${first.executionId}`);
    const secondRun = await get<Run>(`/repos/octo-org/shop/environments/${BRANCH}/runs/${second.executionId}`);
    expect(firstRun.finished && secondRun.finished).toBe(true);
    // The first run's log tells how its environment was made...
    expect(firstRun.log.some((l) => l.source === "stack" && /CREATE_COMPLETE/.test(l.text))).toBe(true);
    // ...the second's does not repeat it: the stack did not change for it.
    expect(secondRun.log.filter((l) => l.source === "stack" && /CREATE_/.test(l.text)).map((l) => l.text)).toEqual([]);
    expect(secondRun.log.some((l) => l.source === "pipeline")).toBe(true);
  });
});
