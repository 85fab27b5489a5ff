import { pushToBranch } from "../../test/support/payloads.js";
import { row, runSuite, sha, sleep, smallTemplate, TEMPLATE_PATH, type Row } from "../lib/common.js";
import { awsDiff, startInProcess } from "../lib/inprocess.js";

/**
 * 3. Coalescing. N pushes (5, 20, 50) to one branch, spread evenly over one second, then the
 * engine is left to finish. Two scenes per N:
 *  - existing branch: its stack exists and is settled; every pushed commit changes the template
 *    (so each push, on its own, would need a stack update and a run). Target: 1 update, 1 run, for
 *    the newest commit.
 *  - new branch: the first push creates the branch (created: true), all commits carry the same
 *    template. Target: the initial create, 1 run, for the newest commit.
 * Counted from the emulator: CreateChangeSet/ExecuteChangeSet (stack operations) and
 * StartPipelineExecution (runs), and which commits the runs were pinned to.
 */

function templateFor(i: number): string {
  return smallTemplate().replace(
    'ProjectName: !Sub "${BranchlineEnvironment}-build"',
    `ProjectName: !Sub "\${BranchlineEnvironment}-build-${i}"`,
  );
}

await runSuite("coalescing", async ({ notes }) => {
  const app = await startInProcess({ emulator: { timing: "test" }, env: { BRANCHLINE_RUN_POLL_SECONDS: "1" } });
  const rows: Row[] = [];
  const details: Record<string, unknown>[] = [];
  try {
    for (const n of [5, 20, 50]) {
      for (const scene of ["existing branch", "new branch"] as const) {
        const branch = `coalesce/${scene === "new branch" ? "new" : "old"}-${n}`;
        const commits = Array.from({ length: n }, (_, i) => sha(`${branch}`, i + 1));
        if (scene === "existing branch") {
          const base = sha(branch, 0);
          app.repo.file(base, TEMPLATE_PATH, templateFor(0)).branch(branch, base);
          await app.deliver("push", pushToBranch(branch, base, { created: true }));
          await app.engine.idle();
        }
        commits.forEach((commit, i) =>
          app.repo.file(commit, TEMPLATE_PATH, scene === "existing branch" ? templateFor(i + 1) : smallTemplate()),
        );
        const before = app.emulator.control.calls().services;
        const started = Date.now();
        for (let i = 0; i < n; i++) {
          app.repo.branch(branch, commits[i]!);
          await app.deliver("push", pushToBranch(branch, commits[i]!, { created: scene === "new branch" && i === 0 }));
          const due = started + ((i + 1) * 1000) / n;
          if (due > Date.now()) await sleep(due - Date.now());
        }
        await app.engine.idle();
        const seconds = (Date.now() - started) / 1000;
        const calls = awsDiff(app.emulator.control.calls().services, before);
        const stack = app.emulator.control
          .stacks()
          .find((s) => s.tags["branchline:ref"]?.endsWith(branch) || s.parameters.BranchlineSourceBranch === branch);
        const pipeline = stack?.outputs.PipelineName;
        const pinned = pipeline
          ? app.emulator.control
              .executions(pipeline)
              .filter((e) => e.triggerType === "StartPipelineExecution")
              .map((e) => e.revisions[0] ?? "?")
              .reverse()
          : [];
        const pinnedNow = pinned.slice(scene === "existing branch" ? 1 : 0);
        const newest = commits[n - 1]!;
        const changeSets = calls["cloudformation.CreateChangeSet"] ?? 0;
        const executes = calls["cloudformation.ExecuteChangeSet"] ?? 0;
        const runs = calls["codepipeline.StartPipelineExecution"] ?? 0;
        const ranNewest = pinnedNow.at(-1) === newest;
        const superseded = app.github.model.checkRuns.filter(
          (c) => commits.includes(c.head_sha) && c.conclusion === "neutral",
        ).length;
        const targetOps = 1; // one stack operation: the update (existing) or the initial create (new)
        details.push({
          n,
          scene,
          seconds,
          calls,
          pinnedCommitIndexes: pinnedNow.map((c) => commits.indexOf(c) + 1),
          ranNewest,
          supersededCheckRuns: superseded,
        });
        const label = `${n} pushes in 1 s, ${scene}`;
        rows.push(
          row({
            suite: "coalescing",
            case: label,
            metric:
              scene === "existing branch" ? "stack updates (Create/ExecuteChangeSet)" : "stack operations incl. create",
            value: `${changeSets}/${executes}`,
            target: `${targetOps}/${targetOps}`,
            met: changeSets === targetOps && executes === targetOps,
          }),
        );
        rows.push(
          row({
            suite: "coalescing",
            case: label,
            metric: "runs (StartPipelineExecution)",
            value: runs,
            target: "1",
            met: runs === 1,
          }),
        );
        rows.push(
          row({
            suite: "coalescing",
            case: label,
            metric: "last run is the newest commit",
            value: ranNewest ? "yes" : "no",
            target: "yes",
            met: ranNewest,
          }),
        );
      }
    }
  } finally {
    await app.close();
  }
  notes.push(
    "Coalescing: a lane runs one job at a time, keeps only the newest waiting one, and starts it once the lane has been quiet for BRANCHLINE_DEBOUNCE_MS, so N pushes in a second make one job, for the newest commit.",
  );
  return { rows, details };
});
