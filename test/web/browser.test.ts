import { mkdir, mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, type Browser } from "../support/browser.js";
import { pushToBranch } from "../support/payloads.js";
import { eventually } from "../support/processes.js";
import { A, B, C, TEMPLATE, webScene, type WebScene } from "../support/web-scene.js";

/** The test pipeline with a manual approval after the build, in every environment. */
const APPROVAL_TEMPLATE = TEMPLATE.replace(
  "Outputs:",
  [
    "        - Name: Approval",
    "          Actions:",
    "            - Name: Approve",
    '              ActionTypeId: { Category: Approval, Owner: AWS, Provider: Manual, Version: "1" }',
    "Outputs:",
  ].join("\n"),
);

/** Who the scene's pushes come from (the example payload's sender). */
const PUSHER = (pushToBranch("x", A).sender as { login: string }).login;

let scene: WebScene;
let browser: Browser;
/** Screenshots go to docs/ when BRANCHLINE_SCREENSHOTS=docs (to refresh them), else to a temporary directory. */
let shots: string;
/** What Chromium reported as blocked by the pages' content security policy, on any page of the test. */
const violations: string[] = [];

beforeAll(async () => {
  scene = await webScene({ liveIntervalMs: 300 });
  browser = await launchBrowser();
  // Chromium logs every CSP refusal to the console, and the page fires securitypolicyviolation.
  await browser.context.addInitScript(
    'document.addEventListener("securitypolicyviolation", (e) => console.error("CSP violation: " + e.effectiveDirective + " blocked " + (e.blockedURI || "inline")))',
  );
  browser.context.on("page", (page) => {
    page.on("console", (message) => {
      if (/Content Security Policy|CSP violation/.test(message.text()))
        violations.push(`${page.url()}: ${message.text()}`);
    });
  });
  shots =
    process.env.BRANCHLINE_SCREENSHOTS === "docs"
      ? join(process.cwd(), "docs", "web")
      : await mkdtemp(join(tmpdir(), "branchline-shots-"));
  await mkdir(shots, { recursive: true });
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await scene?.close();
});

async function screenshot(page: Page, name: string): Promise<void> {
  const file = join(shots, `${name}.png`);
  await page.screenshot({ path: file, fullPage: false });
  const bytes = await readFile(file);
  expect(bytes.subarray(1, 4).toString()).toBe("PNG");
}

/** Logs in through the fake GitHub's OAuth pages as `login`, in a fresh page of the shared browser. */
async function loggedIn(login: string): Promise<Page> {
  await browser.context.clearCookies();
  scene.github.model.users.signedIn = login;
  const page = await browser.context.newPage();
  await page.goto(`${scene.url}/branchline/`);
  await page.getByRole("link", { name: "Log in with GitHub" }).click();
  await page.waitForURL(`${scene.url}/branchline/`);
  await expect.poll(() => page.locator(".who").textContent(), { timeout: 30_000 }).toBe(`@${login}`);
  return page;
}

async function runPage(page: Page, branch: string, commit: string): Promise<string> {
  await page.goto(`${scene.url}/branchline/repos/octo-org/shop/`);
  await page.getByRole("link", { name: `branch/${branch}` }).click();
  await page.locator("table tbody tr").first().waitFor();
  const href = await eventually(
    async () => {
      const rows = await page.locator("table tbody tr").all();
      for (const row of rows)
        if ((await row.textContent())?.includes(commit.slice(0, 12)))
          return row.locator("a").first().getAttribute("href");
      await page.reload();
      return undefined;
    },
    30_000,
    `a run of ${commit.slice(0, 12)} in the history`,
  );
  await page.goto(`${scene.url}${href}`);
  return page.url();
}

// A loaded machine runs a browser slowly: each test has minutes, and no step is timed.
describe("the web view in Chromium", { timeout: 180_000 }, () => {
  it("logs in through GitHub's OAuth flow and shows exactly the repositories the person can read", async () => {
    const anonymous = await browser.context.newPage();
    await anonymous.goto(`${scene.url}/branchline/`);
    await screenshot(anonymous, "login");
    const cookies = await anonymous.context().cookies();
    expect(cookies.filter((c) => c.name === "branchline_session")).toEqual([]);
    await anonymous.close();

    const alice = await loggedIn("alice");
    const session = (await browser.context.cookies()).find((c) => c.name === "branchline_session")!;
    expect(session).toMatchObject({ httpOnly: true, secure: true, sameSite: "Lax" });
    expect(await alice.locator("main li a").allTextContents()).toEqual(["octo-org/shop"]);
    await screenshot(alice, "repositories");
    await alice.close();

    const bob = await loggedIn("bob");
    expect((await bob.locator("main li a").allTextContents()).sort()).toEqual(["octo-org/shop", "octo-org/vault"]);
    await bob.close();
  });

  it("follows a run live to its end, then reads its aggregated log", async () => {
    const page = await loggedIn("alice");
    scene.aws.emulator.control.scriptAction({
      pipeline: "*feature-live*",
      stage: "Build",
      action: "Build",
      outcome: "succeed",
      durationMs: 4_000,
      message: "42 tests passed",
    });
    scene.shop.message(A, "Add the login page\n\nWith a form and a session.");
    await scene.push("feature/live", A);
    await eventually(
      async () =>
        (await scene.aws.emulator.control.pipelines()).some((p) => p.name.includes("feature-live")) ? true : undefined,
      30_000,
      "the pipeline of feature/live",
    );
    const url = await runPage(page, "feature/live", A);
    expect(url).toContain("/runs/");
    // The page is drawn once; what follows comes through server-sent events, not reloads.
    await page.evaluate("window.drawnOnce = true");
    await expect.poll(() => page.locator("h1 .badge").textContent(), { timeout: 60_000 }).toBe("Succeeded");
    expect(await page.evaluate("window.drawnOnce")).toBe(true);
    const log = await page.locator("ol.log li").allTextContents();
    expect(log.some((l) => l.includes("build · Build / Build") && l.includes("42 tests passed"))).toBe(true);
    expect(log.some((l) => l.includes("Phase complete: BUILD State: SUCCEEDED"))).toBe(true);
    expect(log.some((l) => l.includes("pipeline · Source / Source"))).toBe(true);
    expect(log.some((l) => /stack · branchline-shop-br-feature-live/.test(l))).toBe(true);
    await screenshot(page, "run");
    await page.goto(`${scene.url}/branchline/repos/octo-org/shop/`);
    await expect
      .poll(() => page.locator("li.env .env-head .badge").first().textContent(), { timeout: 30_000 })
      .toBe("Succeeded");
    // Each environment's commit with its message, and who pushed it.
    const live = page.locator("li.env", { hasText: "branch/feature/live" });
    expect(await live.locator(".message").textContent()).toBe("Add the login page");
    expect(await live.locator("dd.pushed-by").textContent()).toBe(`@${PUSHER}`);
    await screenshot(page, "environments");
    await page.getByRole("link", { name: "branch/feature/live" }).click();
    await page.locator("table").waitFor();
    expect(await page.locator("table tbody tr", { hasText: "deployed by branchline" }).first().textContent()).toContain(
      `@${PUSHER}`,
    );
    await screenshot(page, "history");
    await page.close();
  });

  it("Approve from a non-approver is refused and changes nothing; an approver's Approve lets the run finish", async () => {
    scene.shop.collaborator("bob", "write");
    await scene.push("feature/gated", B, "shop", APPROVAL_TEMPLATE);
    const pipeline = await eventually(
      async () => (await scene.aws.emulator.control.pipelines()).find((p) => p.name.includes("feature-gated"))?.name,
      30_000,
      "the gated pipeline",
    );
    const ours = () =>
      scene.aws.emulator.control
        .executions(pipeline)
        .find((e) => e.triggerType === "StartPipelineExecution" && e.revisions.includes(B));
    const approval = () => ours()?.actions.find((a) => a.stageName === "Approval")?.status;
    await eventually(() => (approval() === "InProgress" ? true : undefined), 30_000, "the run to wait for approval");

    const alice = await loggedIn("alice");
    await runPage(alice, "feature/gated", B);
    await alice.getByRole("button", { name: "Approve" }).click();
    await expect
      .poll(() => alice.locator(".notice").textContent(), { timeout: 30_000 })
      .toContain("may not answer this approval");
    expect(approval()).toBe("InProgress");
    expect(scene.github.model.checkRunsFor(B, "octo-org/shop")[0]!.output.summary).toContain(
      "@alice pressed **Approve**, but was not allowed to",
    );
    await alice.close();

    const bob = await loggedIn("bob");
    await runPage(bob, "feature/gated", B);
    await screenshot(bob, "run-waiting-for-approval");
    await bob.getByRole("button", { name: "Approve" }).click();
    await expect
      .poll(() => bob.locator(".notice").textContent(), { timeout: 30_000 })
      .toContain("Approve recorded for @bob");
    await expect.poll(() => bob.locator("h1 .badge").textContent(), { timeout: 60_000 }).toBe("Succeeded");
    expect(approval()).toBe("Succeeded");
    await bob.close();
  });

  it("shows production's readiness: the commit staging ran red is not ready, and says why", async () => {
    scene.shop.log("main", [
      { sha: C, message: "Break the build", author: "alice" },
      { sha: A, message: "Add login", author: "bob" },
    ]);
    scene.aws.emulator.control.scriptAction({
      pipeline: "*staging*",
      stage: "Build",
      action: "Build",
      outcome: "fail",
      message: "npm ERR! 3 tests failed",
    });
    await scene.push("main", C);
    await eventually(
      () =>
        scene.github.model
          .checkRunsFor(C, "octo-org/shop")
          .find((c) => c.name === "branchline: staging" && c.status === "completed"),
      60_000,
      "staging's check run on C to complete",
    );
    const page = await loggedIn("alice");
    await page.goto(`${scene.url}/branchline/repos/octo-org/shop/readiness`);
    const red = page.locator("li.commit", { hasText: "Break the build" });
    expect(await red.locator(".badge").first().textContent()).toBe("not ready");
    expect(await red.locator("li.unmet").textContent()).toContain("concluded failure");
    await screenshot(page, "readiness");
    await page.close();
  });

  it("reads on a phone", async () => {
    const phone = await browser.context.newPage();
    await phone.setViewportSize({ width: 390, height: 844 });
    // Signed in as the last person who logged in: the browser's cookies are shared by its pages.
    await phone.goto(`${scene.url}/branchline/repos/octo-org/shop/`);
    await phone.locator("li.env").first().waitFor();
    const overflow = await phone.evaluate(
      "document.documentElement.scrollWidth - document.documentElement.clientWidth",
    );
    expect(overflow).toBeLessThanOrEqual(0);
    await screenshot(phone, "environments-phone");
    await phone.close();
  });

  it("no page broke its content security policy: every script and style came from the app itself", async () => {
    // Every page the tests above opened was watched.
    expect(violations).toEqual([]);
    // And the watch sees a refusal when there is one: an inline script, which the policy forbids.
    const page = await browser.context.newPage();
    await page.goto(`${scene.url}/branchline/repos/octo-org/shop/`);
    await page.evaluate(
      "(() => { const s = document.createElement('script'); s.textContent = 'window.inlineRan = true'; document.body.append(s); })()",
    );
    await expect.poll(() => violations.length, { timeout: 30_000 }).toBeGreaterThan(0);
    expect(await page.evaluate("window.inlineRan === true")).toBe(false);
    expect(violations.join("\n")).toMatch(/script-src/);
    await page.close();
  });
});
