import { createHash, randomUUID } from "node:crypto";
import { writeFileSync } from "node:fs";
import nock from "nock";
import { afterEach, beforeEach, describe, expect, it, onTestFinished } from "vitest";
import { createRef, deleteRef, pushDeletingBranch, pushToBranch } from "../support/payloads.js";
import { prng } from "../support/prng.js";
import { eventually, stopAllProcesses } from "../support/processes.js";
import { CONFIG, TEMPLATE, TEMPLATE_PATH } from "../support/scenario.js";
import {
  convergedAt,
  liveStacks,
  overlappingLooks,
  queueDepth,
  runsOf,
  stackNameOf,
  stacksEverOf,
  startReplicaScene,
  type ReplicaScene,
} from "../support/replicas.js";

/**
 * Beyond one machine (issue 17): one receiver and three workers, separate processes, sharing one
 * SQS FIFO queue (moto_server's) and one AWS (the emulator, logging every call with its caller and
 * look). Fifty branches are created, some pushed again, some deleted, all in random order and
 * without waiting for one another; one worker is SIGKILLed in the middle of a stack operation and
 * started again; webhooks are redelivered, at random while the work goes on and, once it has
 * converged, every older push after the newer one and every creation of a deleted branch.
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
  it(
    "converge every environment exactly once, through a worker killed mid-step and redelivered webhooks, never two at once on one environment",
    { timeout: 420_000 },
    async () => {
      const random = prng(SEED);
      const s = (scene = await startReplicaScene({
        workers: 3,
        timing: TIMING,
        visibilitySeconds: 15,
        concurrency: 4,
        files: { config: CONFIG, template: TEMPLATE, templatePath: TEMPLATE_PATH },
      }));
      const dump = process.env.BRANCHLINE_REPLICAS_DUMP;
      if (dump)
        onTestFinished(() =>
          writeFileSync(dump, `${JSON.stringify(s.calls)}\n${s.workers.map((w) => w.text()).join("\n")}\n`),
        );
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

      // 1. All branches created at once (create and push each), in random order. Meanwhile worker 1
      //    is watched and SIGKILLed in the middle of a look: after it executed a change set, before
      //    it started the run (killed in the same tick the call log shows it, so the look is still
      //    holding its messages, however loaded the machine is).
      const worker1 = s.workers[0]!;
      const midStep = () => {
        const mine = s.calls.filter((c) => c.caller === "AKIDWORKER1" && c.look);
        const started = new Set(mine.filter((c) => c.operation === "StartPipelineExecution").map((c) => c.look));
        return mine.find((c) => c.operation === "ExecuteChangeSet" && !started.has(c.look));
      };
      let killedAt = 0;
      const killing = eventually(
        () => {
          const victim = midStep();
          if (victim) {
            worker1.killNow("SIGKILL");
            killedAt = Date.now();
          }
          return victim;
        },
        120_000,
        "worker 1 executing a change set",
        s.context,
      );
      void killing.catch(() => undefined); // awaited below; this only keeps it from counting as unhandled meanwhile
      const creations = names.flatMap((name) => {
        s.commit(name, sha(`${name}-0`));
        return [
          make("create", createRef("branch", name), name, null),
          make("push", pushToBranch(name, sha(`${name}-0`), { created: true }), name, sha(`${name}-0`)),
        ];
      });
      await deliver(shuffle(creations, random));
      const victim = await killing;
      await worker1.kill("SIGKILL");
      const victimTarget = s.calls.find((c) => c.look === victim.look && c.target)?.target;

      // 2. While worker 1 is down, the second pushes and the deletes arrive, mixed, without waiting
      //    for the burst: git moves on under environments still being created (a look reads the
      //    ref's head from GitHub, so the order the queue hands events out in cannot move a branch
      //    back). Per branch, git's own order (a branch pushed again and deleted is pushed first);
      //    across branches, any order.
      const lanes = names.map((name) => [
        ...(pushedAgain.has(name)
          ? [
              () => {
                const commit = sha(`${name}-1`);
                s.commit(name, commit);
                history.get(name)!.push(commit);
                return [make("push", pushToBranch(name, commit), name, commit)];
              },
            ]
          : []),
        ...(deleted.has(name)
          ? [
              () => {
                s.repo.deleteRef(name);
                return [
                  make("delete", deleteRef("branch", name), name, null),
                  make("push", pushDeletingBranch(name), name, null),
                ];
              },
            ]
          : []),
      ]);
      const moves: (() => Delivery[])[] = [];
      for (let open = lanes.filter((l) => l.length > 0); open.length > 0; open = open.filter((l) => l.length > 0))
        moves.push(open[Math.floor(random() * open.length)]!.shift()!);
      for (const move of moves) await deliver(move());
      const linesBefore = worker1.output.length;
      worker1.start();
      await worker1.waitForLine(/taking work from the queue/, 30_000, linesBefore);

      // 3. GitHub redelivers a fifth of the deliveries so far (same ids), in any order, older pushes too.
      await deliver(
        shuffle(
          sent.filter(() => random() < 0.2),
          random,
        ),
      );

      // Converged: each live branch has one settled stack and a successful run of its head; deleted ones have none.
      const problems = () =>
        names.flatMap((name) => {
          const stack = liveStacks(s.aws).find((st) => st.stackName === stackNameOf(name));
          if (deleted.has(name)) return stack ? [`${name} was deleted but its stack is ${stack.status}`] : [];
          const problem = convergedAt(s.aws, name, history.get(name)!.at(-1)!);
          return problem ? [problem] : [];
        });
      const drained = async () => (problems().length === 0 && (await queueDepth(s)) === 0 ? true : undefined);
      await eventually(
        drained,
        300_000,
        "every environment converged",
        () => `${problems().join("\n")}\n${s.context()}`,
      );

      // 4. Late redeliveries, after the newer state has converged: every branch's older push after
      //    its newer one, and the create and first push of every deleted branch. (moto_server
      //    deduplicates only against messages still queued, so a redelivery of a delivery already
      //    worked off reaches a worker: as GitHub's redelivery after SQS's five-minute window does.)
      const latest = (branch: string) => history.get(branch)!.at(-1);
      const late = sent.filter((d) =>
        deleted.has(d.branch)
          ? d.name === "create" || d.commit !== null
          : d.commit !== null && d.commit !== latest(d.branch),
      );
      await deliver(shuffle(late, random));
      await eventually(
        drained,
        120_000,
        "the late redeliveries worked off",
        () => `${problems().join("\n")}\n${s.context()}`,
      );
      // They reached the workers, which acted on the ref as GitHub has it, not on the payload (a
      // branch's late deliveries may share one look, which logs the newest of them).
      const actedOnRef = new Set(
        s.workers
          .flatMap((w) => w.jsonLines())
          .filter((l) => l.msg === "the event is not what the ref is now; acting on the ref")
          .map((l) => l.delivery),
      );
      const lateBranches = [...new Set(late.map((d) => d.branch))];
      expect(lateBranches.length).toBeGreaterThan(0);
      expect(lateBranches.filter((b) => !late.some((d) => d.branch === b && actedOnRef.has(d.id)))).toEqual([]);
      expect(problems()).toEqual([]);

      // One stack per live branch, and nothing else; each made once (none deleted and made again).
      expect(
        liveStacks(s.aws)
          .map((st) => st.stackName)
          .sort(),
      ).toEqual(
        names
          .filter((n) => !deleted.has(n))
          .map(stackNameOf)
          .sort(),
      );
      for (const name of names) {
        const ever = stacksEverOf(s.aws, name).length;
        expect(ever, `${name}: ${ever} stacks made`).toBeLessThanOrEqual(1);
        if (deleted.has(name)) continue;
        const runs = runsOf(s.aws, name).map((r) => r.commit);
        // One run per commit.
        expect(new Set(runs).size, `${name} ran ${runs.map((c) => c.slice(0, 7)).join(", ")}`).toBe(runs.length);
        // No run of a superseded commit once a newer one started.
        const [first, second] = history.get(name)!;
        if (second && runs.includes(second) && runs.includes(first!))
          expect(runs.indexOf(first!), `${name} ran its older commit after its newer one`).toBeLessThan(
            runs.indexOf(second),
          );
      }

      // The AWS call log: no two looks on one environment at once, across every worker.
      expect(overlappingLooks(s.calls)).toEqual([]);
      const lookCallers = new Set(s.calls.filter((c) => c.look && MUTATIONS.has(c.operation)).map((c) => c.caller));
      expect([...lookCallers].sort(), "every worker did some of the work").toEqual([
        "AKIDWORKER1",
        "AKIDWORKER2",
        "AKIDWORKER3",
      ]);
      // The killed worker's environment was taken up after the kill, by another look.
      expect(victimTarget).toBeDefined();
      expect(
        s.calls.some((c) => c.target === victimTarget && c.look && c.look !== victim.look && c.startedMs > killedAt),
      ).toBe(true);
    },
  );
});
