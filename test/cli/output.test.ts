import { describe, expect, it } from "vitest";
import { parseRemoteUrl } from "../../src/cli/local-repo.js";
import { age, colourEnabled, painter, redact, table, visibleLength } from "../../src/cli/output.js";

describe("cli output", () => {
  it("colours only a terminal, never with NO_COLOR, and FORCE_COLOR for a pipe", () => {
    expect(colourEnabled({ write: () => true, isTTY: true }, {})).toBe(true);
    expect(colourEnabled({ write: () => true }, {})).toBe(false);
    expect(colourEnabled({ write: () => true, isTTY: true }, { NO_COLOR: "1" })).toBe(false);
    expect(colourEnabled({ write: () => true, isTTY: true }, { TERM: "dumb" })).toBe(false);
    expect(colourEnabled({ write: () => true }, { FORCE_COLOR: "1" })).toBe(true);
    expect(colourEnabled({ write: () => true }, { FORCE_COLOR: "1", NO_COLOR: "x" })).toBe(false);
    expect(colourEnabled({ write: () => true, isTTY: true }, { FORCE_COLOR: "0" })).toBe(true);
  });

  it("pads table columns by what shows, so colour does not break alignment", () => {
    const rows = [
      { a: "x", b: "ok" },
      { a: "longer", b: "failed" },
    ];
    const columns = [
      { header: "A", value: (r: (typeof rows)[number]) => r.a },
      { header: "B", value: (r: (typeof rows)[number]) => r.b, style: () => "red" as const },
    ];
    expect(table(rows, columns, painter(false))).toEqual(["A       B", "x       ok", "longer  failed"]);
    const coloured = table(rows, columns, painter(true));
    expect(coloured.map(visibleLength)).toEqual([9, 10, 14]);
    expect(coloured[2]).toContain("\u001b[31mfailed\u001b[39m");
  });

  it("says how long ago, coarsely", () => {
    const now = new Date("2030-01-01T12:00:00Z");
    expect(age("2030-01-01T11:59:30Z", now)).toBe("30s");
    expect(age("2030-01-01T11:00:00Z", now)).toBe("1h");
    expect(age("2029-12-25T12:00:00Z", now)).toBe("7d");
    expect(age(undefined, now)).toBe("-");
  });

  it("never prints a secret, wherever it turns up", () => {
    expect(redact("token ghs_abcdef123 rejected (ghs_abcdef123)", ["ghs_abcdef123"])).toBe("token *** rejected (***)");
    // Too short to be a credential; replacing it would mangle ordinary text.
    expect(redact("a b c", ["a"])).toBe("a b c");
  });

  it("reads GitHub remotes in every form git writes them", () => {
    const shop = { owner: "octo-org", name: "shop" };
    expect(parseRemoteUrl("https://github.com/octo-org/shop.git")).toEqual(shop);
    expect(parseRemoteUrl("https://github.com/octo-org/shop")).toEqual(shop);
    expect(parseRemoteUrl("git@github.com:octo-org/shop.git")).toEqual(shop);
    expect(parseRemoteUrl("ssh://git@ghe.example.com:2222/octo-org/shop.git")).toEqual(shop);
    expect(parseRemoteUrl("https://user:pw@github.com/octo-org/shop.git/")).toEqual(shop);
    expect(parseRemoteUrl("/srv/git/shop.git")).toBeNull();
  });
});
