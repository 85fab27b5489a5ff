import { describe, expect, it } from "vitest";
import { ConfigCache, configKey } from "../../src/config/config-cache.js";
import type { ConfigLoad } from "../../src/config/load.js";

const ABSENT: ConfigLoad = { kind: "absent" };

describe("ConfigCache", () => {
  it("reads a repository's config once within the time limit, and shares a read in flight", async () => {
    let now = 0;
    let reads = 0;
    const cache = new ConfigCache(60_000, () => now);
    const load = async () => (reads++, ABSENT);
    await Promise.all([cache.get("r", load), cache.get("r", load)]);
    now = 59_999;
    await cache.get("r", load);
    expect(reads).toBe(1);
    now = 60_000;
    await cache.get("r", load);
    expect(reads).toBe(2);
  });

  it("reads again after forget (a push to the default branch)", async () => {
    let reads = 0;
    const cache = new ConfigCache(60_000);
    const load = async () => (reads++, ABSENT);
    await cache.get("r", load);
    cache.forget("r");
    await cache.get("r", load);
    expect(reads).toBe(2);
  });

  it("does not remember a failed read", async () => {
    let reads = 0;
    const cache = new ConfigCache(60_000);
    await expect(cache.get("r", async () => (reads++, Promise.reject(new Error("GitHub is down"))))).rejects.toThrow(
      "GitHub is down",
    );
    await cache.get("r", async () => (reads++, ABSENT));
    expect(reads).toBe(2);
  });

  it("keeps nothing with a time limit of 0", async () => {
    let reads = 0;
    const cache = new ConfigCache(0);
    await cache.get("r", async () => (reads++, ABSENT));
    await cache.get("r", async () => (reads++, ABSENT));
    expect(reads).toBe(2);
  });
});

describe("configKey", () => {
  it("is one entry per installation, repository (whatever its case) and default branch", () => {
    const key = configKey(42, { owner: "Octo-Org", name: "Shop" }, "main");
    expect(configKey(42, { owner: "octo-org", name: "shop" }, "main")).toBe(key);
    expect(configKey(43, { owner: "octo-org", name: "shop" }, "main")).not.toBe(key);
    expect(configKey(42, { owner: "octo-org", name: "shop" }, "trunk")).not.toBe(key);
    expect(configKey(42, { owner: "octo-org", name: "web" }, "main")).not.toBe(key);
  });
});
