import { describe, expect, it } from "vitest";
import { environmentsBody, historyBody } from "../../src/web/pages/views.js";
import type { EnvironmentsResponse, HistoryResponse } from "../../src/web/views.js";
import type { EnvironmentView } from "../../src/read-model/environments.js";

const A = "a".repeat(40);

function environment(fields: Partial<EnvironmentView>): EnvironmentView {
  return {
    label: "branch/feature/x",
    kind: "branch",
    ref: "refs/heads/feature/x",
    stack: { name: "branchline-shop-br-x", status: "UPDATE_COMPLETE", condition: "ready", updatedAt: null },
    pipeline: "branchline-shop-br-x",
    commit: A,
    message: null,
    pushedBy: null,
    since: null,
    createdAt: null,
    lastPushAt: null,
    expiresAt: null,
    hibernated: false,
    lastRun: null,
    environmentUrl: null,
    links: {
      commit: `https://github.com/octo-org/shop/commit/${A}`,
      deployments: "https://github.com/octo-org/shop/deployments",
      stack: "https://console/stack",
      pipeline: "https://console/pipeline",
    },
    ...fields,
  };
}

const repository = (environments: EnvironmentView[], ttl: string | null = null): EnvironmentsResponse => ({
  repository: "octo-org/shop",
  defaultBranch: "main",
  sandbox: false,
  region: "eu-west-1",
  ttl,
  environments,
});

describe("the pages", () => {
  it.each<[string, string | null, string, string | null]>([
    ["a person: their login", "alice", "@alice", null],
    ["a bot account: its login", "dependabot[bot]", "@dependabot[bot]", null],
    [
      "a rollback: branchline's own words, not a login",
      "branchline (rollback)",
      "branchline (rollback)",
      "@branchline",
    ],
    ["markup in a name is text", "<b>x</b>", "&lt;b&gt;x&lt;/b&gt;", "<b>"],
  ])("say who pushed on the repository page and in the history: %s", (_name, actor, shown, absent) => {
    const page = environmentsBody(repository([environment({ pushedBy: actor })]));
    const history: HistoryResponse = {
      repository: "octo-org/shop",
      environment: "branch/feature/x",
      pipeline: "p",
      stack: { name: "s", status: "UPDATE_COMPLETE", ref: "refs/heads/feature/x" },
      runs: [
        {
          executionId: "e-1",
          commit: A,
          cause: "deployed by branchline",
          who: actor,
          startedAt: null,
          updatedAt: null,
          outcome: "Succeeded",
          rollbackOf: null,
          deploymentId: 1,
        },
      ],
    };
    const table = historyBody(history);
    expect(page).toContain(`<dt>pushed by</dt><dd class="pushed-by">${shown}</dd>`);
    expect(table).toContain(`<td>${shown}</td>`);
    if (absent) expect(page + table).not.toContain(absent);
  });

  it("show each environment's commit with its message, as text", () => {
    const page = environmentsBody(
      repository([
        environment({ message: "Fix <script> in the login form" }),
        environment({ label: "staging", kind: "staging", commit: null, message: null }),
      ]),
    );
    expect(page).toContain('<span class="message">Fix &lt;script&gt; in the login form</span>');
    expect(page.match(/class="message"/g)).toHaveLength(1);
    // No one known: no "pushed by" line at all.
    expect(page).not.toContain("pushed by");
  });

  it.each<[string, Partial<EnvironmentView>, string | null, string[]]>([
    [
      "a branch under branches.ttl: its age, last push and time left",
      {
        createdAt: "2026-01-01T00:00:00.000Z",
        lastPushAt: "2026-01-03T00:00:00.000Z",
        expiresAt: "2026-01-10T00:00:00.000Z",
      },
      "7d",
      [
        "<dt>age</dt><dd>3d 12h</dd>",
        "<dt>last push</dt><dd>1d 12h ago</dd>",
        '<dt>time left</dt><dd class="time-left">5d 12h</dd>',
      ],
    ],
    [
      "past its deadline: none left",
      {
        createdAt: "2026-01-01T00:00:00.000Z",
        lastPushAt: "2026-01-01T00:00:00.000Z",
        expiresAt: "2026-01-02T00:00:00.000Z",
      },
      "1d",
      ['<dt>time left</dt><dd class="time-left">0m</dd>'],
    ],
    [
      "no branches.ttl: it does not expire",
      { createdAt: "2026-01-01T00:00:00.000Z", lastPushAt: "2026-01-03T00:00:00.000Z" },
      null,
      ["<dt>age</dt><dd>3d 12h</dd>", '<dt>time left</dt><dd class="time-left">does not expire (no branches.ttl)</dd>'],
    ],
    [
      "hibernated: asleep until the next push",
      { createdAt: "2026-01-01T00:00:00.000Z", lastPushAt: "2026-01-03T00:00:00.000Z", hibernated: true },
      "7d",
      ['<dt>time left</dt><dd class="time-left">hibernated until the next push</dd>'],
    ],
    [
      "staging: never expires",
      {
        kind: "staging",
        label: "staging",
        createdAt: "2026-01-01T00:00:00.000Z",
        lastPushAt: "2026-01-03T00:00:00.000Z",
      },
      "7d",
      ['<dt>time left</dt><dd class="time-left">does not expire (staging)</dd>'],
    ],
  ])("show each environment's clock: %s", (_name, fields, ttl, shown) => {
    const page = environmentsBody(repository([environment(fields)], ttl), new Date("2026-01-04T12:00:00.000Z"));
    for (const text of shown) expect(page).toContain(text);
  });
});
