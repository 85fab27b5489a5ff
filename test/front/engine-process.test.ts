import { describe, expect, it } from "vitest";
import { engineNiceness } from "../../src/front/engine-process.js";

describe("the engine process's CPU priority (BRANCHLINE_ENGINE_NICE)", () => {
  it.each([
    [undefined, 10],
    ["", 10],
    ["0", 0],
    ["19", 19],
  ])("%j → %i below the front", (value, nice) => {
    expect(engineNiceness(value)).toBe(nice);
  });

  it.each(["-1", "20", "2.5", "low"])("%j is refused, naming the variable", (value) => {
    expect(() => engineNiceness(value)).toThrow(/BRANCHLINE_ENGINE_NICE/);
  });
});
