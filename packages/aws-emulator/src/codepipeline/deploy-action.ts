import type { Scheduler } from "../clock.js";
import { AwsError } from "../errors.js";
import type { Stacks } from "../cloudformation/stacks.js";
import { phaseOf, type Stack } from "../cloudformation/model.js";
import type { BuildOutputs } from "./build-outputs.js";
import type { ActionRun } from "./model.js";

/** How a deploy action ended: its summary, or the failure CodePipeline shows. */
export type DeployOutcome =
  { readonly ok: true; readonly summary: string } | { readonly ok: false; readonly message: string };

export interface DeployActionDeps {
  readonly stacks: Stacks;
  readonly buildOutputs: BuildOutputs;
  readonly scheduler: Scheduler;
  /** How often the action looks at its stack operation. */
  readonly pollMs: number;
}

/** A template configuration file (CodePipeline's TemplateConfiguration): parameters and tags, each as a map. */
interface TemplateConfiguration {
  readonly Parameters?: Readonly<Record<string, string>>;
  readonly Tags?: Readonly<Record<string, string>>;
}

/** `Artifact::path/in/artifact`. */
function artifactPath(value: string, what: string): { artifact: string; path: string } {
  const at = value.indexOf("::");
  if (at <= 0) throw new ActionFailure(`${what} ${value} is not of the form ArtifactName::path`);
  return { artifact: value.slice(0, at), path: value.slice(at + 2) };
}

class ActionFailure extends Error {}

/**
 * CodePipeline's CloudFormation deploy action, as AWS runs it: it creates, updates or deletes the
 * stack it names through the emulated CloudFormation, with the action's RoleArn (which then sticks to
 * the stack), the template from an input artifact, the template configuration file's Parameters and
 * Tags, and ParameterOverrides (which win), and it waits for the operation to end. Modes:
 * CREATE_UPDATE, REPLACE_ON_FAILURE and DELETE_ONLY.
 */
export class DeployAction {
  constructor(private readonly deps: DeployActionDeps) {}

  async run(pipeline: string, run: ActionRun): Promise<DeployOutcome> {
    try {
      return { ok: true, summary: await this.deploy(pipeline, run) };
    } catch (error) {
      if (error instanceof ActionFailure || error instanceof AwsError) return { ok: false, message: error.message };
      throw error;
    }
  }

  private async deploy(pipeline: string, run: ActionRun): Promise<string> {
    const config = run.configuration;
    const stackName = config.StackName;
    if (!stackName) throw new ActionFailure("StackName is required");
    const mode = config.ActionMode ?? "CREATE_UPDATE";
    const existing = this.live(stackName);
    switch (mode) {
      case "DELETE_ONLY":
        if (!existing) return `Stack ${stackName} does not exist; nothing to delete.`;
        this.deps.stacks.deleteStack({ stackName, ...(config.RoleArn ? { roleArn: config.RoleArn } : {}) });
        return this.settle(stackName, ["DELETE_COMPLETE"]);
      case "REPLACE_ON_FAILURE":
        if (existing && ["delete-only", "needs-continue-rollback"].includes(phaseOf(existing.status))) {
          this.deps.stacks.deleteStack({ stackName, ...(config.RoleArn ? { roleArn: config.RoleArn } : {}) });
          await this.settle(stackName, ["DELETE_COMPLETE"]);
        }
        return this.createOrUpdate(pipeline, run, stackName);
      case "CREATE_UPDATE":
        return this.createOrUpdate(pipeline, run, stackName);
      default:
        throw new ActionFailure(
          `ActionMode ${mode} is not run by the emulator (it runs CREATE_UPDATE, REPLACE_ON_FAILURE and DELETE_ONLY)`,
        );
    }
  }

  private async createOrUpdate(pipeline: string, run: ActionRun, stackName: string): Promise<string> {
    const config = run.configuration;
    if (!config.TemplatePath) throw new ActionFailure("TemplatePath is required");
    const templateBody = this.read(pipeline, run, config.TemplatePath, "TemplatePath");
    const configuration = config.TemplateConfiguration
      ? this.templateConfiguration(this.read(pipeline, run, config.TemplateConfiguration, "TemplateConfiguration"))
      : {};
    const overrides = config.ParameterOverrides ? parseOverrides(config.ParameterOverrides) : {};
    const values = { ...(configuration.Parameters ?? {}), ...overrides };
    const input = {
      stackName,
      templateBody,
      parameters: Object.entries(values).map(([key, value]) => ({ key, value: String(value) })),
      ...(configuration.Tags
        ? { tags: Object.entries(configuration.Tags).map(([key, value]) => ({ key, value: String(value) })) }
        : {}),
      ...(config.RoleArn ? { roleArn: config.RoleArn } : {}),
      capabilities: (config.Capabilities ?? "")
        .split(",")
        .map((c) => c.trim())
        .filter(Boolean),
    };
    const existing = this.live(stackName);
    if (!existing) {
      this.deps.stacks.createStack(input);
      return this.settle(stackName, ["CREATE_COMPLETE"]);
    }
    if (phaseOf(existing.status) !== "updatable") {
      throw new ActionFailure(`Stack ${stackName} is in ${existing.status} state and can not be updated`);
    }
    try {
      this.deps.stacks.updateStack(input);
    } catch (error) {
      if (error instanceof AwsError && error.message === "No updates are to be performed.")
        return `Stack ${stackName} is up to date; no changes were needed.`;
      throw error;
    }
    return this.settle(stackName, ["UPDATE_COMPLETE"]);
  }

  private live(stackName: string): Stack | undefined {
    const stack = this.deps.stacks.store.find(stackName);
    return stack && stack.status !== "DELETE_COMPLETE" ? stack : undefined;
  }

  /** A file of one of the action's input artifacts, as the build left it. */
  private read(pipeline: string, run: ActionRun, reference: string, what: string): string {
    const { artifact, path } = artifactPath(reference, what);
    if (!run.inputArtifacts.includes(artifact))
      throw new ActionFailure(`${what} names artifact ${artifact}, which is not an input artifact of the action`);
    const content = this.deps.buildOutputs.files(pipeline, artifact)[path];
    if (content === undefined) throw new ActionFailure(`The file ${path} does not exist in the artifact ${artifact}`);
    return content;
  }

  private templateConfiguration(text: string): TemplateConfiguration {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new ActionFailure("The template configuration file is not valid JSON");
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
      throw new ActionFailure("The template configuration file must be a JSON object");
    return parsed as TemplateConfiguration;
  }

  /** Waits for the stack operation to end; anything but the expected end fails the action with the stack's reason. */
  private async settle(stackName: string, success: readonly string[]): Promise<string> {
    for (;;) {
      const stack = this.deps.stacks.store.find(stackName);
      const status = stack?.status ?? "DELETE_COMPLETE";
      if (!stack || phaseOf(stack.status) !== "busy") {
        if (success.includes(status)) return `Stack ${stackName} is ${status}.`;
        throw new ActionFailure(
          `Stack ${stackName} is ${status}${stack?.statusReason ? `: ${stack.statusReason}` : ""}`,
        );
      }
      await this.deps.scheduler.sleep(this.deps.pollMs);
    }
  }
}

function parseOverrides(text: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ActionFailure("ParameterOverrides is not valid JSON");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw new ActionFailure("ParameterOverrides must be a JSON object");
  return parsed as Record<string, string>;
}
