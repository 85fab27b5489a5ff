import { createHash, randomUUID } from "node:crypto";
import { writeFileSync } from "node:fs";
import nock from "nock";
import { afterEach, beforeEach, describe, expect, it, onTestFinished } from "vitest";
import { createRef, deleteRef, pushDeletingBranch, pushToBranch } from "../support/payloads.js";
import { prng } from "../support/prng.js";
import { eventually, stopAllProcesses } from "../support/processes.js";
import { CONFIG, TEMPLATE, TEMPLATE_PATH } from "../support/scenario.js";
import { convergedAt, liveStacks, overlappingLooks, runsOf, stackNameOf, startReplicaScene, type ReplicaScene } from "../support/replicas.js";

/**
 * Beyond one machine (issue 17): one receiver and three workers, separate processes, sharing one
 * SQS FIFO queue (moto_server's) and one AWS (the emulator, logging every call with its caller and
 * look). Fifty branches are created, some pushed again, some deleted, in random order; one worker
 * is SIGKILLed in the middle of a stack operation and started again; webhooks are redelivered.
 * Then every environment has converged to git exactly once, and the AWS call log shows that no
 * environment was ever worked by two looks at once.
 *
 * BRANCHLINE_REPLICAS_SEED and BRANCHLINE_REPLICAS_BRANCHES override the seed and the number of
 * branches; BRANCHLINE_REPLICAS_DUMP=FILE writes the AWS call log and the workers' output there.
 */

const SEED = Number(process.env.BRANCHLINE_REPLICAS_SEED ?? 17_017);
const BRANCHES = Number(process.env.BRANCHLINE_REPLICAS_BRANCHES ?? 50);
// Long enough to be killed inside; short enough that fifty environments converge in a test.
const TIMING = { stackOperationMs: 800, changeSetMs: 150, actionMs: 300 };
const MUTATIONS = new Set(["CreateChangeSet", "ExecuteChangeSet", "DeleteStack", "StartPipelineExecution"]);

const sha = (label: string) => createHash("sha1").update(label).digest("hex");
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function shuffle<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

interface Delivery {
  readonly id: string;
  readonly name: string;
  readonly payload: unknown;
  readonly branch: string;
  /** The commit a push carries; null for create and delete events. */
  readonly commit: string | null;
}

let scene: ReplicaScene | undefined;
// nock comes in with the test support modules; this test talks real loopback HTTP only.
beforeEach(() => {
  nock.enableNetConnect();
  nock.restore();
});
afterEach(async () => {
  await stopAllProcesses();
  await scene?.close();
  scene = undefined;
});

describe("one receiver and three workers on one SQS FIFO queue", () => {
  it("converge every environment exactly once, through a worker killed mid-step and redelivered webhooks, never two at once on one environment", { timeout: 420_000 }, async () => {
    const random = prng(SEED);
    const s = (scene = await startReplicaScene({ workers: 3, timing: TIMING, visibilitySeconds: 15, concurrency: 4, files: { config: CONFIG, template: TEMPLATE, templatePath: TEMPLATE_PATH } }));
    const dump = process.env.BRANCHLINE_REPLICAS_DUMP;
    if (dump) onTestFinished(() => writeFileSync(dump, `${JSON.stringify(s.calls)}\n${s.workers.map((w) => w.text()).join("\n")}\n`));
    s.commit("main", sha("main"));

    const sent: Delivery[] = [];
    const make = (name: string, payload: unknown, branch: string, commit: string | null): Delivery => {
      const d = { id: randomUUID(), name, payload, branch, commit };
      sent.push(d);
      return d;
    };
    const deliver = async (deliveries: readonly Delivery[]) => {
      for (const d of deliveries) expect(await s.deliver(d.name, d.payload, d.id), `${d.name} ${d.branch}`).toBe(200);
    };

    // The plan, drawn from the seed: every branch is created; some are pushed again; some deleted.
    const names = Array.from({ length: BRANCHES }, (_, i) => `feature/r-${i}`);
    const pushedAgain = new Set(names.filter(() => random() < 0.4));
    const deleted = new Set(names.filter(() => random() < 0.3));
    const history = new Map<string, string[]>(names.map((n) => [n, [sha(`${n}-0`)]]));

    // 1. All branches created at once (create and push each), in random order.
    const creations = names.flatMap((name) => {
      s.commit(name, sha(`${name}-0`));
      return [make("create", createRef("branch", name), name, null), make("push", pushToBranch(name, sha(`${name}-0`), { created: true }), name, sha(`${name}-0`))];
    });
    await deliver(shuffle(creations, random));

    // 2. Worker 1 is killed in the middle of a stack operation it started, and started again.
    const victim = await eventually(() => s.calls.find((c) => c.caller === "AKIDWORKER1" && c.look && c.operation === "ExecuteChangeSet"), 120_000, "worker 1 executing a change set", s.context);
    const worker1 = s.workers[0]!;
    await worker1.kill("SIGKILL");
    const killedAt = Date.now();
    const victimTarget = s.calls.find((c) => c.look === victim.look && c.target)?.target;
    await sleep(1_000);
    const linesBefore = worker1.output.length;
    worker1.start();
    await worker1.waitForLine(/taking work from the queue/, 30_000, linesBefore);

    // 3. Once the burst has converged (through the kill), second pushes and deletes, all at once.
    //    Waiting first keeps each branch's later events behind its earlier ones in the queue: the
    //    engine still takes a push's commit from its payload (a look reading the ref's head makes
    //    order irrelevant), and moto_server hands out a group's expired messages out of order.
    await eventually(() => (names.every((n) => convergedAt(s.aws, n, sha(`${n}-0`)) === null) ? true : undefined), 300_000, "the burst converged", s.context);
    const pushes = [...pushedAgain].map((name) => {
      const commit = sha(`${name}-1`);
      s.commit(name, commit);
      history.get(name)!.push(commit);
      return make("push", pushToBranch(name, commit), name, commit);
    });
    await deliver(shuffle(pushes, random));
    const deletes = [...deleted].flatMap((name) => {
      s.repo.deleteRef(name);
      return [make("delete", deleteRef("branch", name), name, null), make("push", pushDeletingBranch(name), name, null)];
    });
    await deliver(shuffle(deletes, random));

    // 4. GitHub redelivers a fifth of the deliveries (same ids), in any order. Pushes of commits a
    //    branch has moved past are left out: a late older push is the engine's own case (it reads
    //    the ref's head at GitHub; its tests cover it), not the queue's.
    const current = (d: Delivery) => d.commit === null || (!deleted.has(d.branch) && history.get(d.branch)!.at(-1) === d.commit);
    await deliver(shuffle(sent.filter((d) => current(d) && random() < 0.2), random));

    // Converged: each live branch has one settled stack and a successful run of its head; deleted ones have none.
    const problems = () =>
      names.flatMap((name) => {
        const stack = liveStacks(s.aws).find((st) => st.stackName === stackNameOf(name));
        if (deleted.has(name)) return stack ? [`${name} was deleted but its stack is ${stack.status}`] : [];
        const problem = convergedAt(s.aws, name, history.get(name)!.at(-1)!);
        return problem ? [problem] : [];
      });
    await eventually(() => (problems().length === 0 ? true : undefined), 300_000, "every environment converged", () => `${problems().join("\n")}\n${s.context()}`);
    // Whatever is still queued (redeliveries) is worked off without changing anything.
    await sleep(8_000);
    expect(problems()).toEqual([]);

    // One stack per live branch, and nothing else.
    expect(liveStacks(s.aws).map((st) => st.stackName).sort()).toEqual(names.filter((n) => !deleted.has(n)).map(stackNameOf).sort());
    for (const name of names) {
      if (deleted.has(name)) continue;
      const runs = runsOf(s.aws, name).map((r) => r.commit);
      // One run per commit.
      expect(new Set(runs).size, `${name} ran ${runs.map((c) => c.slice(0, 7)).join(", ")}`).toBe(runs.length);
      // No run of a superseded commit once a newer one started.
      const [first, second] = history.get(name)!;
      if (second && runs.includes(second) && runs.includes(first!)) expect(runs.indexOf(first!), `${name} ran its older commit after its newer one`).toBeLessThan(runs.indexOf(second));
    }

    // The AWS call log: no two looks on one environment at once, across every worker.
    expect(overlappingLooks(s.calls)).toEqual([]);
    const lookCallers = new Set(s.calls.filter((c) => c.look && MUTATIONS.has(c.operation)).map((c) => c.caller));
    expect([...lookCallers].sort(), "every worker did some of the work").toEqual(["AKIDWORKER1", "AKIDWORKER2", "AKIDWORKER3"]);
    // The killed worker's environment was taken up after the kill, by another look.
    expect(victimTarget).toBeDefined();
    expect(s.calls.some((c) => c.target === victimTarget && c.look && c.look !== victim.look && c.startedMs > killedAt)).toBe(true);
  });
});
