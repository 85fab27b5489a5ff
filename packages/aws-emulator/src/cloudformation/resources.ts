import type { CodeBuildStore } from "../codebuild.js";
import { declarationFromResource, type PipelineDeclaration } from "../codepipeline/declaration.js";
import { AwsError } from "../errors.js";
import type { IamStore } from "../iam.js";
import { physicalSuffix, upperToken } from "../ids.js";
import type { S3Store } from "../s3/store.js";
import { REPLACEMENT_PROPERTIES } from "./replacement-properties.js";

/**
 * What creating, updating and deleting each resource type does in the emulated services.
 * S3 buckets, IAM roles, CodeBuild projects and pipelines become real emulated objects; any
 * other type is accepted with a plausible physical id and attributes, so users' templates run.
 */

/** The pipeline side of CodePipeline, as CloudFormation drives it. */
export interface PipelineProvisioning {
  createPipeline(declaration: PipelineDeclaration): { arn: string; version: number };
  updatePipeline(declaration: PipelineDeclaration): { version: number };
  deletePipeline(name: string): void;
}

export interface ProvisionEnv {
  readonly stackName: string;
  readonly logicalId: string;
  readonly region: string;
  readonly accountId: string;
  readonly s3: S3Store;
  readonly iam: IamStore;
  readonly codebuild: CodeBuildStore;
  readonly pipelines: PipelineProvisioning;
}

export interface Provisioned {
  readonly physicalId: string;
  readonly attributes: Record<string, string>;
}

/** A resource handler's failure; its message becomes the event's ResourceStatusReason. */
export class ResourceFailure extends Error {}

type Props = Record<string, unknown>;

export interface ResourceProvisioner {
  /** Properties whose change makes CloudFormation replace the resource. */
  readonly replacementProperties: readonly string[];
  create(env: ProvisionEnv, props: Props): Provisioned;
  update(env: ProvisionEnv, physicalId: string, props: Props): Provisioned;
  delete(env: ProvisionEnv, physicalId: string): void;
}

/** `stack-Logical-suffix`, each part cut so the whole fits, as CloudFormation generates names. */
export function generatedName(env: ProvisionEnv, maxLength: number, lowercase = false): string {
  const suffix = physicalSuffix(lowercase ? 12 : 13);
  const room = maxLength - suffix.length - 2;
  const stackPart = env.stackName.slice(0, Math.ceil(room / 2));
  const logicalPart = env.logicalId.slice(0, room - stackPart.length);
  const name = `${stackPart}-${logicalPart}-${suffix}`;
  return lowercase ? name.toLowerCase() : name;
}

function failureFrom(error: unknown, service: string): never {
  if (error instanceof AwsError) {
    throw new ResourceFailure(
      `${error.message} (Service: ${service}, Status Code: ${error.status}, Request ID: ${upperToken(16)})`,
    );
  }
  throw error;
}

const bucket: ResourceProvisioner = {
  replacementProperties: ["BucketName"],
  create(env, props) {
    const name = typeof props.BucketName === "string" ? props.BucketName : generatedName(env, 63, true);
    try {
      env.s3.createBucket(name, env.region);
    } catch (error) {
      if (error instanceof AwsError && error.code === "BucketAlreadyOwnedByYou")
        throw new ResourceFailure(`${name} already exists`);
      failureFrom(error, "S3");
    }
    return this.update(env, name, props);
  },
  update(env, name, props) {
    const status = (props.VersioningConfiguration as Props | undefined)?.Status;
    if (status === "Enabled" || status === "Suspended") env.s3.setVersioning(name, status);
    return {
      physicalId: name,
      attributes: {
        Arn: `arn:aws:s3:::${name}`,
        DomainName: `${name}.s3.amazonaws.com`,
        RegionalDomainName: `${name}.s3.${env.region}.amazonaws.com`,
        DualStackDomainName: `${name}.s3.dualstack.${env.region}.amazonaws.com`,
        WebsiteURL: `http://${name}.s3-website-${env.region}.amazonaws.com`,
      },
    };
  },
  delete(env, name) {
    if (!env.s3.find(name)) return;
    try {
      env.s3.deleteBucket(name);
    } catch (error) {
      failureFrom(error, "S3");
    }
  },
};

const role: ResourceProvisioner = {
  replacementProperties: ["RoleName", "Path"],
  create(env, props) {
    const name = typeof props.RoleName === "string" ? props.RoleName : generatedName(env, 64);
    if (env.iam.has(name))
      throw new ResourceFailure(`Role with name ${name} already exists. (Service: Iam, Status Code: 409)`);
    return this.update(env, name, props);
  },
  update(env, name, props) {
    const existing = env.iam.find(name);
    const stored = env.iam.put({
      roleName: name,
      roleId: existing?.roleId ?? `AROA${upperToken(17)}`,
      path: typeof props.Path === "string" ? props.Path : "/",
      assumeRolePolicyDocument: props.AssumeRolePolicyDocument,
      policies: props.Policies,
      managedPolicyArns: Array.isArray(props.ManagedPolicyArns) ? props.ManagedPolicyArns.map(String) : [],
      createDate: existing?.createDate ?? new Date(),
    });
    return { physicalId: name, attributes: { Arn: stored.arn, RoleId: stored.roleId } };
  },
  delete(env, name) {
    env.iam.delete(name);
  },
};

const buildProject: ResourceProvisioner = {
  replacementProperties: ["Name"],
  create(env, props) {
    const name = typeof props.Name === "string" ? props.Name : generatedName(env, 150);
    if (env.codebuild.has(name))
      throw new ResourceFailure(`Project already exists: ${name} (Service: CodeBuild, Status Code: 400)`);
    return this.update(env, name, props);
  },
  update(env, name, props) {
    const project = env.codebuild.put(name, props);
    return { physicalId: name, attributes: { Arn: project.arn } };
  },
  delete(env, name) {
    env.codebuild.delete(name);
  },
};

const pipeline: ResourceProvisioner = {
  replacementProperties: ["Name"],
  create(env, props) {
    const name = typeof props.Name === "string" ? props.Name : generatedName(env, 100);
    try {
      const created = env.pipelines.createPipeline(declarationFromResource(name, props));
      return { physicalId: name, attributes: { Version: String(created.version) } };
    } catch (error) {
      failureFrom(error, "CodePipeline");
    }
  },
  update(env, name, props) {
    try {
      const updated = env.pipelines.updatePipeline(declarationFromResource(name, props));
      return { physicalId: name, attributes: { Version: String(updated.version) } };
    } catch (error) {
      failureFrom(error, "CodePipeline");
    }
  },
  delete(env, name) {
    env.pipelines.deletePipeline(name);
  },
};

/** A generic resource's own name property, as CloudFormation types spell it: `QueueName` for AWS::SQS::Queue. */
function ownNameProperty(type: string): string {
  return `${type.split("::")[2] ?? ""}Name`;
}

/** Any other type: named by its `Name`/`<Kind>Name` property or generated, with `Arn`-shaped attributes. */
function generic(type: string): ResourceProvisioner {
  const names = ["Name", ownNameProperty(type)];
  return {
    replacementProperties: [...names, ...(REPLACEMENT_PROPERTIES[type] ?? [])],
    create(env, props) {
      const given = names.map((n) => props[n]).find((v) => typeof v === "string");
      return this.update(env, typeof given === "string" ? given : generatedName(env, 128), props);
    },
    update(_env, name) {
      return { physicalId: name, attributes: {} };
    },
    delete() {},
  };
}

const PROVISIONERS: Readonly<Record<string, ResourceProvisioner>> = {
  "AWS::S3::Bucket": bucket,
  "AWS::IAM::Role": role,
  "AWS::CodeBuild::Project": buildProject,
  "AWS::CodePipeline::Pipeline": pipeline,
};

export function provisionerFor(type: string): ResourceProvisioner {
  return PROVISIONERS[type] ?? generic(type);
}

/** An attribute of a resource, or a plausible one for types the emulator treats generically. */
export function attributeOf(
  env: Pick<ProvisionEnv, "region" | "accountId">,
  type: string,
  physicalId: string,
  attributes: Record<string, string>,
  name: string,
): string {
  const known = attributes[name];
  if (known !== undefined) return known;
  const [, service = "service", kind = "resource"] = type.split("::");
  const arn = `arn:aws:${service.toLowerCase()}:${env.region}:${env.accountId}:${kind.toLowerCase()}/${physicalId}`;
  if (name.endsWith("Arn") || name === "Arn") return arn;
  if (name === "Id" || name.endsWith("Name")) return physicalId;
  return `${physicalId}-${name}`;
}
