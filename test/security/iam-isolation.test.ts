import { readFileSync } from "node:fs";
import { runSimulation, type Simulation } from "@cloud-copilot/iam-simulate";
import { describe, expect, it } from "vitest";
import { evaluate, type EvalContext } from "@branchline/aws-emulator/intrinsics";
import { readTemplate, type CfnTemplate } from "@branchline/cloudformation-template";

/**
 * Point 8: templates/branchline-iam.yml evaluated, not just linted. Its policies and boundaries are
 * resolved as CloudFormation would (the emulator's intrinsics), then an IAM policy evaluator
 * (@cloud-copilot/iam-simulate: identity policies, boundaries, conditions) answers, for each role,
 * whether each action is allowed on each kind of resource. What branchline needs is allowed; what
 * crosses kinds is denied. The worst case of a branch is a role its application template creates
 * (a Lambda-backed custom resource) with every permission: only the boundary stands in the way.
 */
const ACCOUNT = "111122223333";
const REGION = "eu-west-1";
const KINDS = ["branch", "staging", "production"] as const;
type Kind = (typeof KINDS)[number];

const template = (() => {
  const read = readTemplate(readFileSync(new URL("../../templates/branchline-iam.yml", import.meta.url), "utf8"));
  if (!read.ok) throw new Error("templates/branchline-iam.yml does not read");
  return read.template;
})();

const ctx: EvalContext = {
  parameter: (name) =>
    ({
      StackPrefix: "branchline",
      AppPrincipalArn: "",
      "AWS::Partition": "aws",
      "AWS::Region": REGION,
      "AWS::AccountId": ACCOUNT,
      "AWS::StackId": `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/setup-branchline-iam/0a1b`,
    })[name],
  resourceRef: (id) => {
    const resource = (template as CfnTemplate).Resources[id]!;
    if (resource.Type !== "AWS::IAM::ManagedPolicy") return `setup-${id.toLowerCase()}`;
    const name = resource.Properties?.ManagedPolicyName;
    return name === undefined
      ? `arn:aws:iam::${ACCOUNT}:policy/${id}`
      : `arn:aws:iam::${ACCOUNT}:policy/branchline/${String(evaluate(name, ctx))}`;
  },
  attribute: (id, name) =>
    name === "Arn"
      ? id.endsWith("Bucket")
        ? `arn:aws:s3:::setup-${id.toLowerCase()}`
        : `arn:aws:iam::${ACCOUNT}:role/branchline/service/${id}`
      : undefined,
  isResource: (id) => id in template.Resources,
  condition: () => false,
  mappings: {},
  region: REGION,
  importValue: () => undefined,
};

function policy(id: string): unknown {
  const properties = template.Resources[id]?.Properties;
  if (!properties?.PolicyDocument) throw new Error(`${id} has no policy document`);
  return evaluate(properties.PolicyDocument, ctx);
}

interface Principal {
  readonly arn: string;
  readonly identity: { name: string; policy: unknown }[];
  readonly boundary?: { name: string; policy: unknown };
  readonly tags?: Readonly<Record<string, string>>;
}

const everything = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] };
const capitalized = (kind: Kind) => kind[0]!.toUpperCase() + kind.slice(1);

const serviceRole = (kind: Kind) => `arn:aws:iam::${ACCOUNT}:role/branchline/service/${capitalized(kind)}ServiceRole`;
const kindRole = (kind: Kind) => `arn:aws:iam::${ACCOUNT}:role/branchline/service/App${capitalized(kind)}Role`;

const principals = {
  app: {
    arn: `arn:aws:iam::${ACCOUNT}:role/branchline/app/AppRole`,
    identity: [{ name: "AppPolicy", policy: policy("AppPolicy") }],
  },
  /** The role the App acts on one kind with (BRANCHLINE_APP_<KIND>_ROLE_ARN). */
  appKind: (kind: Kind): Principal => ({
    arn: `arn:aws:sts::${ACCOUNT}:assumed-role/App${capitalized(kind)}Role/branchline-${kind}`,
    identity: [{ name: `App${capitalized(kind)}Policy`, policy: policy(`App${capitalized(kind)}Policy`) }],
  }),
  serviceRole: (kind: Kind): Principal => ({
    arn: `arn:aws:iam::${ACCOUNT}:role/branchline/service/${capitalized(kind)}ServiceRole`,
    identity: [{ name: "PipelineStackPolicy", policy: policy("PipelineStackPolicy") }],
    tags: { "branchline:environment": kind },
  }),
  deployRole: (kind: Kind): Principal => ({
    arn: `arn:aws:iam::${ACCOUNT}:role/branchline/${kind}/shop-DeployRole-X`,
    identity: [{ name: `${kind}-deploy`, policy: policy(`${capitalized(kind)}DeployPolicy`) }],
    boundary: { name: `${kind}-boundary`, policy: policy(`${capitalized(kind)}Boundary`) },
  }),
  /** A role the application template creates, given everything: the boundary is all that bounds it. */
  applicationRole: (kind: Kind): Principal => ({
    arn: `arn:aws:iam::${ACCOUNT}:role/branchline/${kind}/shop-app-CustomResourceRole-X`,
    identity: [{ name: "everything", policy: everything }],
    boundary: { name: `${kind}-boundary`, policy: policy(`${capitalized(kind)}Boundary`) },
  }),
};

const arn = {
  appStack: (kind: Kind) =>
    `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/branchline-shop-${kind === "branch" ? "br-feature-x" : kind}-0a1b2c3d-app/9f8e`,
  pipeline: (kind: Kind) =>
    `arn:aws:codepipeline:${REGION}:${ACCOUNT}:branchline-shop-${kind === "branch" ? "br-feature-x" : kind}-0a1b2c3d`,
  parameter: (kind: Kind) => `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/branchline/${kind}/database-password`,
  bucket: (kind: Kind) =>
    `arn:aws:s3:::branchline-shop-${kind === "branch" ? "br-feature-x" : kind}-0a1b2c3d-app-data/report.csv`,
  secret: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:database-AbCdEf`,
  key: `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
  zone: "arn:aws:route53:::hostedzone/Z0123456789",
};

type Decision = "Allowed" | "Denied";

const DEFAULT_KEY_POLICY = {
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "kms:*", Resource: "*" }],
};

async function decide(
  principal: Principal,
  action: string,
  resource: string,
  context: Record<string, string | string[]> = {},
): Promise<Decision> {
  const tags = Object.fromEntries(Object.entries(principal.tags ?? {}).map(([k, v]) => [`aws:PrincipalTag/${k}`, v]));
  const simulation: Simulation = {
    request: {
      principal: principal.arn,
      action,
      resource: { resource, accountId: ACCOUNT },
      contextVariables: { ...tags, ...context },
    },
    identityPolicies: principal.identity,
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    ...(principal.boundary ? { permissionBoundaryPolicies: [principal.boundary] } : {}),
    // A KMS key is usable only as its key policy allows; CloudFormation's default one delegates to the account's IAM.
    ...(resource.startsWith("arn:aws:kms:") ? { resourcePolicy: DEFAULT_KEY_POLICY } : {}),
  };
  const response = await runSimulation(simulation, {});
  if (response.resultType === "error") throw new Error(`${action} on ${resource}: ${JSON.stringify(response.errors)}`);
  return response.overallResult === "Allowed" ? "Allowed" : "Denied";
}

const tagged = (kind: Kind) => ({ "aws:ResourceTag/branchline:environment": kind });
const tagging = (kind: Kind) => ({
  "aws:RequestTag/branchline:environment": kind,
  "aws:TagKeys": ["branchline:environment"],
});
const others = (kind: Kind) => KINDS.filter((k) => k !== kind);

describe("a role an application template creates (every permission, bounded by its kind's boundary)", () => {
  for (const kind of KINDS) {
    const role = principals.applicationRole(kind);
    it(`${kind}: its own application stack, bucket and parameters are reachable`, async () => {
      expect(await decide(role, "cloudformation:DescribeStacks", arn.appStack(kind), tagged(kind))).toBe("Allowed");
      expect(await decide(role, "s3:GetObject", arn.bucket(kind), tagged(kind))).toBe("Allowed");
      expect(await decide(role, "ssm:GetParameter", arn.parameter(kind))).toBe("Allowed");
    });
    for (const other of others(kind)) {
      it(`${kind}: cannot delete ${other}'s application stack, read its parameters or objects, or run its pipeline`, async () => {
        expect(await decide(role, "cloudformation:DeleteStack", arn.appStack(other), tagged(other))).toBe("Denied");
        expect(await decide(role, "ssm:GetParameter", arn.parameter(other))).toBe("Denied");
        expect(await decide(role, "s3:GetObject", arn.bucket(other), tagged(other))).toBe("Denied");
        expect(await decide(role, "codepipeline:StartPipelineExecution", arn.pipeline(other), tagged(other))).toBe(
          "Denied",
        );
        expect(
          await decide(
            role,
            "codepipeline:PutApprovalResult",
            `${arn.pipeline(other)}/Approval/Approve`,
            tagged(other),
          ),
        ).toBe("Denied");
      });
    }
    it(`${kind}: creates application stacks only tagged as ${kind}`, async () => {
      expect(await decide(role, "cloudformation:CreateStack", arn.appStack(kind), tagging(kind))).toBe("Allowed");
      expect(await decide(role, "cloudformation:CreateStack", arn.appStack(kind))).toBe("Denied");
      for (const other of others(kind))
        expect(await decide(role, "cloudformation:CreateStack", arn.appStack(kind), tagging(other))).toBe("Denied");
    });
    it(`${kind}: nothing outside branchline's names (a bucket, a function of the account)`, async () => {
      expect(await decide(role, "s3:GetObject", "arn:aws:s3:::company-data/customers.csv")).toBe("Denied");
      expect(await decide(role, "lambda:DeleteFunction", `arn:aws:lambda:${REGION}:${ACCOUNT}:function:billing`)).toBe(
        "Denied",
      );
      expect(await decide(role, "iam:CreateUser", `arn:aws:iam::${ACCOUNT}:user/backdoor`)).toBe("Denied");
    });
  }

  it("staging: DNS is read-only, and secrets and keys only its own", async () => {
    const role = principals.applicationRole("staging");
    expect(await decide(role, "route53:ChangeResourceRecordSets", arn.zone)).toBe("Denied");
    expect(await decide(role, "route53:GetHostedZone", arn.zone)).toBe("Allowed");
    expect(await decide(role, "secretsmanager:GetSecretValue", arn.secret, tagged("staging"))).toBe("Allowed");
    expect(await decide(role, "secretsmanager:GetSecretValue", arn.secret)).toBe("Denied");
    expect(await decide(role, "kms:ScheduleKeyDeletion", arn.key, tagged("production"))).toBe("Denied");
    expect(await decide(role, "kms:ScheduleKeyDeletion", arn.key)).toBe("Denied");
    expect(await decide(role, "kms:ScheduleKeyDeletion", arn.key, tagged("staging"))).toBe("Allowed");
  });

  it("production: owns DNS, and nothing of staging's", async () => {
    const role = principals.applicationRole("production");
    expect(await decide(role, "route53:ChangeResourceRecordSets", arn.zone)).toBe("Allowed");
    expect(await decide(role, "secretsmanager:GetSecretValue", arn.secret, tagged("staging"))).toBe("Denied");
  });
});

describe("each kind's deploy role (its deploy policy, under its boundary)", () => {
  for (const kind of KINDS) {
    const role = principals.deployRole(kind);
    it(`${kind}: builds its application stack's resources`, async () => {
      expect(await decide(role, "s3:CreateBucket", arn.bucket(kind).replace(/\/report\.csv$/, ""))).toBe("Allowed");
      expect(
        await decide(
          role,
          "lambda:CreateFunction",
          `arn:aws:lambda:${REGION}:${ACCOUNT}:function:branchline-shop-${kind}-app-Handler`,
          tagging(kind),
        ),
      ).toBe("Allowed");
      expect(await decide(role, "cloudformation:CreateStack", arn.appStack(kind), tagging(kind))).toBe("Allowed");
    });
    it(`${kind}: is not granted pipelines, nor another kind's stacks`, async () => {
      expect(await decide(role, "codepipeline:StartPipelineExecution", arn.pipeline(kind), tagged(kind))).toBe(
        "Denied",
      );
      for (const other of others(kind))
        expect(await decide(role, "cloudformation:DeleteStack", arn.appStack(other), tagged(other))).toBe("Denied");
    });
  }
});

describe("each kind's CloudFormation service role (pipeline stacks)", () => {
  for (const kind of KINDS) {
    const role = principals.serviceRole(kind);
    it(`${kind}: creates its pipeline, and roles only under its path with its boundary`, async () => {
      expect(await decide(role, "codepipeline:CreatePipeline", arn.pipeline(kind), tagging(kind))).toBe("Allowed");
      const boundary = `arn:aws:iam::${ACCOUNT}:policy/branchline/branchline-${kind}-boundary`;
      expect(
        await decide(role, "iam:CreateRole", `arn:aws:iam::${ACCOUNT}:role/branchline/${kind}/shop-PipelineRole-X`, {
          "iam:PermissionsBoundary": boundary,
        }),
      ).toBe("Allowed");
      expect(
        await decide(role, "iam:CreateRole", `arn:aws:iam::${ACCOUNT}:role/branchline/${kind}/shop-PipelineRole-X`),
      ).toBe("Denied");
    });
    for (const other of others(kind)) {
      it(`${kind}: cannot change ${other}'s pipeline or create roles for ${other}`, async () => {
        expect(await decide(role, "codepipeline:UpdatePipeline", arn.pipeline(other), tagged(other))).toBe("Denied");
        expect(
          await decide(role, "iam:CreateRole", `arn:aws:iam::${ACCOUNT}:role/branchline/${other}/x`, {
            "iam:PermissionsBoundary": `arn:aws:iam::${ACCOUNT}:policy/branchline/branchline-${other}-boundary`,
          }),
        ).toBe("Denied");
      });
    }
  }
});

describe("the App's own role", () => {
  const app = principals.app;
  const stack = (kind: Kind) => arn.appStack(kind).replace("-app/", "/");

  it("reads branchline's stacks and pipelines, and changes none of them itself", async () => {
    for (const kind of KINDS) {
      expect(await decide(app, "cloudformation:DescribeStacks", stack(kind), tagged(kind))).toBe("Allowed");
      expect(await decide(app, "codepipeline:GetPipelineState", arn.pipeline(kind), tagged(kind))).toBe("Allowed");
      for (const action of ["codepipeline:StartPipelineExecution", "codepipeline:StopPipelineExecution"])
        expect(await decide(app, action, arn.pipeline(kind), tagged(kind))).toBe("Denied");
      expect(
        await decide(app, "codepipeline:PutApprovalResult", `${arn.pipeline(kind)}/Approval/Approve`, tagged(kind)),
      ).toBe("Denied");
      for (const action of [
        "cloudformation:ExecuteChangeSet",
        "cloudformation:DeleteStack",
        "cloudformation:UpdateStack",
      ])
        expect(await decide(app, action, stack(kind), tagged(kind))).toBe("Denied");
      expect(
        await decide(app, "cloudformation:CreateChangeSet", stack(kind), {
          "cloudformation:RoleArn": serviceRole(kind),
          ...tagging(kind),
        }),
      ).toBe("Denied");
    }
  });

  it("assumes the three kind roles, and no other role", async () => {
    for (const kind of KINDS) expect(await decide(app, "sts:AssumeRole", kindRole(kind))).toBe("Allowed");
    expect(await decide(app, "sts:AssumeRole", `arn:aws:iam::${ACCOUNT}:role/OrganizationAccountAccessRole`)).toBe(
      "Denied",
    );
    expect(await decide(app, "sts:AssumeRole", serviceRole("production"))).toBe("Denied");
  });

  it("never touches its own IAM stack, nor anything outside branchline's names", async () => {
    expect(
      await decide(
        app,
        "cloudformation:DeleteStack",
        `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/setup-branchline-iam/0a1b`,
      ),
    ).toBe("Denied");
    expect(await decide(app, "s3:DeleteObject", "arn:aws:s3:::company-data/customers.csv")).toBe("Denied");
  });
});

/**
 * Point 1's last sentence: the App acts on each kind with that kind's role (src/aws/kind-clients.ts),
 * so a bug that aims a branch's step at production's pipeline or stack is refused by IAM.
 */
describe("the App's kind roles", () => {
  const stack = (kind: Kind) => arn.appStack(kind).replace("-app/", "/");
  const bucketObject = (kind: Kind) =>
    `arn:aws:s3:::branchline-shop-${kind === "branch" ? "br-feature-x" : kind}-0a1b2c3d-artifactbucket-1a2b3c/artifact.zip`;

  for (const kind of KINDS) {
    const role = principals.appKind(kind);
    it(`${kind}: runs, stops and answers its own kind's pipelines`, async () => {
      for (const action of [
        "codepipeline:StartPipelineExecution",
        "codepipeline:StopPipelineExecution",
        "codepipeline:GetPipelineState",
      ])
        expect(await decide(role, action, arn.pipeline(kind), tagged(kind))).toBe("Allowed");
      expect(
        await decide(role, "codepipeline:PutApprovalResult", `${arn.pipeline(kind)}/Approval/Approve`, tagged(kind)),
      ).toBe("Allowed");
    });
    it(`${kind}: builds, changes and removes its own kind's stacks, with its own service role`, async () => {
      expect(
        await decide(role, "cloudformation:CreateChangeSet", stack(kind), {
          "cloudformation:RoleArn": serviceRole(kind),
          ...tagging(kind),
        }),
      ).toBe("Allowed");
      expect(
        await decide(role, "cloudformation:CreateChangeSet", stack(kind), {
          "cloudformation:RoleArn": serviceRole(kind),
          ...tagging(kind),
          ...tagged(kind),
        }),
      ).toBe("Allowed");
      expect(
        await decide(role, "iam:PassRole", serviceRole(kind), {
          "iam:PassedToService": "cloudformation.amazonaws.com",
        }),
      ).toBe("Allowed");
      for (const action of [
        "cloudformation:ExecuteChangeSet",
        "cloudformation:DeleteChangeSet",
        "cloudformation:DeleteStack",
        "cloudformation:UpdateStack",
        "cloudformation:ContinueUpdateRollback",
        "cloudformation:UpdateTerminationProtection",
      ]) {
        expect(await decide(role, action, stack(kind), tagged(kind))).toBe("Allowed");
      }
      expect(await decide(role, "cloudformation:DeleteStack", arn.appStack(kind), tagged(kind))).toBe("Allowed");
      expect(await decide(role, "cloudformation:UpdateStack", stack(kind), { ...tagged(kind), ...tagging(kind) })).toBe(
        "Allowed",
      );
      expect(await decide(role, "s3:DeleteObjectVersion", bucketObject(kind))).toBe("Allowed");
    });
    for (const other of others(kind)) {
      it(`${kind}: cannot start, stop or approve ${other}'s pipeline, nor change ${other}'s stacks`, async () => {
        for (const action of ["codepipeline:StartPipelineExecution", "codepipeline:StopPipelineExecution"])
          expect(await decide(role, action, arn.pipeline(other), tagged(other))).toBe("Denied");
        expect(
          await decide(
            role,
            "codepipeline:PutApprovalResult",
            `${arn.pipeline(other)}/Approval/Approve`,
            tagged(other),
          ),
        ).toBe("Denied");
        for (const action of [
          "cloudformation:ExecuteChangeSet",
          "cloudformation:DeleteStack",
          "cloudformation:UpdateStack",
          "cloudformation:ContinueUpdateRollback",
          "cloudformation:UpdateTerminationProtection",
        ]) {
          expect(await decide(role, action, stack(other), tagged(other))).toBe("Denied");
        }
        expect(await decide(role, "cloudformation:DeleteStack", arn.appStack(other), tagged(other))).toBe("Denied");
        // Nor with its own tag on another kind's stack, nor another kind's service role, nor retagged as the other kind.
        expect(
          await decide(role, "cloudformation:CreateChangeSet", stack(other), {
            "cloudformation:RoleArn": serviceRole(kind),
            ...tagging(kind),
            ...tagged(other),
          }),
        ).toBe("Denied");
        expect(
          await decide(role, "cloudformation:CreateChangeSet", stack(kind), {
            "cloudformation:RoleArn": serviceRole(other),
            ...tagging(other),
          }),
        ).toBe("Denied");
        expect(
          await decide(role, "cloudformation:CreateChangeSet", stack(kind), {
            "cloudformation:RoleArn": serviceRole(kind),
            ...tagging(other),
          }),
        ).toBe("Denied");
        expect(
          await decide(role, "iam:PassRole", serviceRole(other), {
            "iam:PassedToService": "cloudformation.amazonaws.com",
          }),
        ).toBe("Denied");
        // Nor retag its own kind's stack as the other kind (which would hand it to the other kind's role).
        expect(
          await decide(role, "cloudformation:UpdateStack", stack(kind), { ...tagged(kind), ...tagging(other) }),
        ).toBe("Denied");
        expect(await decide(role, "s3:DeleteObjectVersion", bucketObject(other))).toBe("Denied");
      });
    }
    it(`${kind}: a pipeline or stack that is not tagged, or not branchline's, is refused`, async () => {
      expect(await decide(role, "codepipeline:StartPipelineExecution", arn.pipeline(kind))).toBe("Denied");
      expect(await decide(role, "cloudformation:DeleteStack", stack(kind))).toBe("Denied");
      expect(
        await decide(
          role,
          "codepipeline:StartPipelineExecution",
          `arn:aws:codepipeline:${REGION}:${ACCOUNT}:payments-release`,
          tagged(kind),
        ),
      ).toBe("Denied");
      expect(
        await decide(
          role,
          "cloudformation:DeleteStack",
          `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/setup-branchline-iam/0a1b`,
          tagged(kind),
        ),
      ).toBe("Denied");
    });
  }

  it("the tag decides where names mislead: a branch named release-staging-production is the branch kind's only", async () => {
    const misleading = `arn:aws:codepipeline:${REGION}:${ACCOUNT}:branchline-shop-br-release-staging-production-0a1b2c3d`;
    const misleadingStack = `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/branchline-shop-br-release-staging-production-0a1b2c3d/9f8e`;
    expect(
      await decide(principals.appKind("branch"), "codepipeline:StartPipelineExecution", misleading, tagged("branch")),
    ).toBe("Allowed");
    for (const kind of ["staging", "production"] as const) {
      expect(
        await decide(principals.appKind(kind), "codepipeline:StartPipelineExecution", misleading, tagged("branch")),
      ).toBe("Denied");
      expect(
        await decide(
          principals.appKind(kind),
          "codepipeline:PutApprovalResult",
          `${misleading}/Approval/Approve`,
          tagged("branch"),
        ),
      ).toBe("Denied");
      expect(
        await decide(principals.appKind(kind), "cloudformation:DeleteStack", misleadingStack, tagged("branch")),
      ).toBe("Denied");
    }
    // And a repository named like a kind: production's pipeline of repository "shop-br-x" is not the branch role's.
    const production = `arn:aws:codepipeline:${REGION}:${ACCOUNT}:branchline-shop-br-x-production-0a1b2c3d`;
    expect(
      await decide(
        principals.appKind("branch"),
        "codepipeline:StartPipelineExecution",
        production,
        tagged("production"),
      ),
    ).toBe("Denied");
    expect(
      await decide(
        principals.appKind("production"),
        "codepipeline:StartPipelineExecution",
        production,
        tagged("production"),
      ),
    ).toBe("Allowed");
  });
});
