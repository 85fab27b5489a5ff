import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Probot } from "probot";
import { commitHeadlines, commitHeadlinesQuery } from "../../src/github/commit-headlines.js";
import { CommitMessages } from "../../src/read-model/commit-messages.js";
import { probotFor, startFakeGitHubServer, type FakeGitHubServer } from "../support/fake-github-server.js";
import { generateAppKeyPair } from "../support/processes.js";

const APP_ID = 777;
const keys = generateAppKeyPair();
const sha = (i: number) => i.toString(16).padStart(40, "0");
const repo = { owner: "octo-org", name: "shop" };

let server: FakeGitHubServer;
let probot: Probot;

beforeEach(async () => {
  server = await startFakeGitHubServer({ appId: APP_ID, appPublicKey: keys.publicKey });
  probot = probotFor(server, APP_ID, keys.privateKey);
});

afterEach(async () => {
  await server.close();
});

describe("commit headlines over GitHub's GraphQL API", () => {
  it("reads the first message line of 150 commits in two queries sent at once, null for one GitHub does not know", async () => {
    const shop = server.model.repository("octo-org", "shop");
    server.model.install(42, "octo-org", ["octo-org/shop"]);
    for (let i = 0; i < 150; i++)
      shop.branch(`b${i}`, sha(i)).message(sha(i), `Change ${i}\n\nThe body of change ${i}.`);
    const octokit = await probot.auth(42);

    const messages = await commitHeadlines(octokit, repo, [
      ...Array.from({ length: 150 }, (_, i) => sha(i)),
      "f".repeat(40),
      sha(3),
    ]);
    expect(messages.size).toBe(151);
    expect(messages.get(sha(0))).toBe("Change 0");
    expect(messages.get(sha(149))).toBe("Change 149");
    expect(messages.get("f".repeat(40))).toBeNull();
    expect(server.model.requests.filter((r) => r.path === "/graphql")).toHaveLength(2);
    server.model.assertClean();
  });

  it("asks for nothing when there is nothing to ask, and ignores what is not a commit id", async () => {
    server.model.repository("octo-org", "shop");
    server.model.install(42, "octo-org", ["octo-org/shop"]);
    const octokit = await probot.auth(42);
    expect((await commitHeadlines(octokit, repo, ["not-a-sha", "main"])).size).toBe(0);
    expect(server.model.requests.filter((r) => r.path === "/graphql")).toHaveLength(0);
  });

  it("is a query the fake holds to GitHub's schema: a field Commit does not have is an error", async () => {
    server.model.repository("octo-org", "shop");
    server.model.install(42, "octo-org", ["octo-org/shop"]);
    const octokit = await probot.auth(42);
    const wrong = commitHeadlinesQuery(1).replace("messageHeadline", "subject");
    await expect(octokit.graphql(wrong, { owner: "octo-org", name: "shop", c0: sha(1) })).rejects.toThrow(
      /Field 'subject' doesn't exist on type 'Commit'/,
    );
    // And a repository the installation does not cover cannot be read.
    server.model.repository("octo-org", "secret").branch("main", sha(1));
    await expect(commitHeadlines(octokit, { owner: "octo-org", name: "secret" }, [sha(1)])).rejects.toThrow(
      /Could not resolve to a Repository/,
    );
  });
});

describe("commit messages held by the web view", () => {
  it.each<[string, number, boolean]>([
    ["a known message is never read again; an unknown commit is asked about again after a minute", 10 * 60_000, true],
    ["...and just after the minute", 61_000, true],
    ["...but not within it", 30_000, false],
  ])("%s", async (_name, later, readsAgain) => {
    let now = 0;
    const held = new CommitMessages({ now: () => now });
    const asked: string[][] = [];
    const read = async (unknown: readonly string[]) => {
      asked.push([...unknown]);
      return new Map<string, string | null>([
        [sha(1), "Known"],
        [sha(2), null],
      ]);
    };
    expect(await held.messages("shop", [sha(1), sha(2)], read)).toEqual(
      new Map([
        [sha(1), "Known"],
        [sha(2), null],
      ]),
    );
    now = later;
    await held.messages("shop", [sha(1), sha(2)], read);
    expect(asked).toEqual(readsAgain ? [[sha(1), sha(2)], [sha(2)]] : [[sha(1), sha(2)]]);
  });

  it("keeps repositories apart and forgets the oldest beyond its bound", async () => {
    const held = new CommitMessages({ max: 2 });
    const asked: string[] = [];
    const read = (scope: string) => async (unknown: readonly string[]) => {
      asked.push(...unknown.map((c) => `${scope}:${c.slice(-1)}`));
      return new Map(unknown.map((c) => [c, `${scope} ${c.slice(-1)}`] as const));
    };
    expect((await held.messages("shop", [sha(1)], read("shop"))).get(sha(1))).toBe("shop 1");
    expect((await held.messages("vault", [sha(1)], read("vault"))).get(sha(1))).toBe("vault 1");
    await held.messages("shop", [sha(2)], read("shop"));
    await held.messages("shop", [sha(1)], read("shop"));
    expect(asked).toEqual(["shop:1", "vault:1", "shop:2", "shop:1"]);
  });
});
