import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "@branchline/aws-emulator";
import { clientsFor, type Clients } from "../../packages/aws-emulator/test/harness.js";
import { startMoto, type Moto } from "./moto.js";
import { cloudFormationScenario, s3Scenario, type Observations } from "./scenarios.js";

/**
 * The same scenarios against the emulator and moto_server. Observations must match, except for
 * the differences listed here, each checked to still be a difference (so this list, and
 * docs/emulator.md, stay true). Which side matches AWS's documentation is said in docs/emulator.md.
 */
const KNOWN_DIFFERENCES: Record<string, Record<string, string>> = {
  s3: {},
  cloudformation: {
    "missing parameter":
      "AWS words it 'Parameters: [Env] must have values'; moto says 'Missing parameter Env'. The emulator follows AWS.",
    "unknown parameter":
      "AWS refuses parameters the template does not declare; moto accepts them. The emulator follows AWS.",
    "unresolved ref":
      "AWS refuses the template with 'Unresolved resource dependencies'; moto answers an HTML 500. The emulator follows AWS.",
    "no-op update":
      "AWS refuses an update that changes nothing ('No updates are to be performed.'); moto accepts it. The emulator follows AWS.",
    "update change set":
      "moto answers an HTML 500 to an UPDATE change set that replaces a bucket; the emulator describes Modify/Replacement True as AWS does.",
    "delete stack with full bucket":
      "AWS cannot delete a non-empty bucket, so the stack ends DELETE_FAILED; moto deletes it. The emulator follows AWS.",
  },
};

let moto: Moto;
let emulator: Emulator;
let motoClients: Clients;
let emulatorClients: Clients;

beforeAll(async () => {
  moto = await startMoto();
  emulator = await startEmulator();
  motoClients = clientsFor(moto.url);
  emulatorClients = clientsFor(emulator.url);
});

afterAll(async () => {
  for (const client of [...Object.values(motoClients ?? {}), ...Object.values(emulatorClients ?? {})]) client.destroy();
  await emulator?.close();
  await moto?.stop();
});

function compare(area: string, ours: Observations, theirs: Observations): void {
  const known = KNOWN_DIFFERENCES[area] ?? {};
  const report: string[] = [];
  for (const key of Object.keys(ours)) {
    const same = JSON.stringify(ours[key]) === JSON.stringify(theirs[key]);
    if (key in known) {
      if (same)
        report.push(`${key}: listed as a known difference, but both sides now agree: ${JSON.stringify(ours[key])}`);
    } else if (!same) {
      report.push(`${key}:\n  emulator: ${JSON.stringify(ours[key])}\n  moto:     ${JSON.stringify(theirs[key])}`);
    }
  }
  expect(report.join("\n")).toBe("");
}

describe("conformance with moto", () => {
  it("S3 behaves the same", async () => {
    const [ours, theirs] = [await s3Scenario(emulatorClients, "conf"), await s3Scenario(motoClients, "conf")];
    compare("s3", ours, theirs);
  });

  it("CloudFormation behaves the same", async () => {
    const [ours, theirs] = [
      await cloudFormationScenario(emulatorClients, "conf"),
      await cloudFormationScenario(motoClients, "conf"),
    ];
    compare("cloudformation", ours, theirs);
  });
});
