import { existsSync, readFileSync } from "node:fs";
import { CreateStackCommand } from "@aws-sdk/client-cloudformation";
import type { AwsClients } from "../aws/clients.js";
import { awsTags, MANAGED_BY_VALUE, TAG } from "../core/tags.js";

/** The repository the sandbox shows before any GitHub App exists. */
export const DEMO_REPOSITORY = "sandbox/demo";

const DEMO_ENVIRONMENTS = [
  { kind: "staging", slug: "staging", ref: "refs/heads/main" },
  { kind: "branch", slug: "br-feature-checkout", ref: "refs/heads/feature/checkout" },
  { kind: "branch", slug: "br-fix-cart-total", ref: "refs/heads/fix/cart-total" },
] as const;

/**
 * Environments for the sandbox's web view when no GitHub App is configured yet: stacks of the
 * repository's own templates/pipeline.yml in the emulator, tagged as branchline tags them, whose
 * pipelines run once by themselves (CodePipeline starts a new pipeline), so the pages show real
 * stages, build lines and stack events. Nothing leaves the process.
 */
export async function seedSandboxDemo(aws: AwsClients): Promise<void> {
  const template = readFileSync(packageTemplate(), "utf8");
  for (const environment of DEMO_ENVIRONMENTS) {
    const name = `branchline-demo-${environment.slug}`;
    await aws.cloudformation.send(
      new CreateStackCommand({
        StackName: name,
        TemplateBody: template,
        Capabilities: ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"],
        Parameters: Object.entries({
          BranchlineRepository: DEMO_REPOSITORY,
          BranchlineRef: environment.ref,
          BranchlineSourceBranch: environment.ref.replace("refs/heads/", ""),
          BranchlineEnvironmentKind: environment.kind,
          BranchlineEnvironment: `demo-${environment.slug}`,
          BranchlinePipelineName: name,
          ConnectionArn: "arn:aws:codeconnections:us-east-1:123456789012:connection/sandbox-demo",
          PermissionsBoundaryArn: "arn:aws:iam::123456789012:policy/sandbox-demo-boundary",
          DeployPolicyArn: "arn:aws:iam::123456789012:policy/sandbox-demo-deploy",
        }).map(([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue })),
        Tags: awsTags({
          [TAG.managedBy]: MANAGED_BY_VALUE,
          [TAG.repository]: DEMO_REPOSITORY,
          [TAG.environment]: environment.kind,
          [TAG.ref]: environment.ref,
        }),
      }),
    );
  }
}

/** templates/pipeline.yml of the package: two levels up from src/web, three from dist/src/web. */
function packageTemplate(): URL {
  const candidates = [
    new URL("../../templates/pipeline.yml", import.meta.url),
    new URL("../../../templates/pipeline.yml", import.meta.url),
  ];
  return candidates.find((url) => existsSync(url)) ?? candidates[0]!;
}
