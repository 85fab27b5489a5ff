import { readFileSync } from "node:fs";
import { environmentNames } from "../../src/core/naming.js";
import type { EnvironmentTarget } from "../../src/report/environment-report.js";

/**
 * The repository the app tests deploy: its pipeline template, where the config says it lives, the
 * config, and commits. Kept apart from scenario.ts, which loads nock (whose fetch interceptor breaks
 * POSTs to loopback servers), so loopback scenes can share them.
 */
export const TEMPLATE = readFileSync(new URL("../fixtures/templates/small-pipeline.yml", import.meta.url), "utf8");
export const TEMPLATE_PATH = ".github/branchline/pipeline.yml";
export const CONFIG = `
parameters:
  all:
    ConnectionArn: arn:aws:codeconnections:us-east-1:123456789012:connection/0a1b2c3d
`;
export const A = "a".repeat(40);
export const B = "b".repeat(40);
export const C = "c".repeat(40);

/** The test pipeline plus a manual approval stage in production only, as templates/pipeline.yml has it. */
export const APPROVAL_TEMPLATE = TEMPLATE.replace(
  "Resources:",
  "Conditions:\n  IsProduction: !Equals [!Ref BranchlineEnvironmentKind, production]\nResources:",
).replace(
  "Outputs:",
  [
    "        - !If",
    "          - IsProduction",
    "          - Name: Approval",
    "            Actions:",
    "              - Name: Approve",
    '                ActionTypeId: { Category: Approval, Owner: AWS, Provider: Manual, Version: "1" }',
    "          - !Ref AWS::NoValue",
    "Outputs:",
  ].join("\n"),
);

/** What a check run reports on: branch feature/x of octo-org/shop at commit A, on real AWS. */
export const FEATURE_TARGET: EnvironmentTarget = (() => {
  const repo = { owner: "octo-org", name: "shop" };
  const environment = { kind: "branch", branch: "feature/x" } as const;
  return {
    repo,
    environment,
    commit: A,
    names: environmentNames("branchline", repo, environment),
    region: "eu-west-1",
    sandbox: false,
  };
})();
