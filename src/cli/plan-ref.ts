import { CONFIG_CHECK_NAME } from "../core/check-identity.js";
import { CONFIG_PATH, parametersFor, roleFor } from "../config/schema.js";
import { environmentLabel, repositoryFullName, type Environment, type RepositoryRef } from "../core/environment.js";
import { environmentNames } from "../core/naming.js";
import { plan, type Goal, type Step } from "../core/plan.js";
import { route, type GitRef, type RefEvent } from "../core/routing.js";
import { parameterMessage } from "../config/parameter-messages.js";
import { stackInputs, type StackInputs } from "../core/stack-inputs.js";
import { readTemplate, type CfnTemplate } from "@branchline/cloudformation-template";
import { SettingsError } from "../settings.js";
import { awsFromEnv, isUnreachable, type AwsAccess } from "./connections.js";
import { displayPath, gitCommit, readLocalConfig, readTextFile, repoPath, type LocatedProblem } from "./local-repo.js";
import type { Io } from "./output.js";
import type { PlanChangeSet } from "./plan-aws.js";

/**
 * What branchline would do for one ref, worked out from the working tree's config and template the
 * way the app works it out from the pushed commit (routing, naming, stack inputs, the plan), and,
 * when AWS can be seen, against the stack as it is (plan-aws.ts).
 */

export interface PlanResult {
  readonly repository: string;
  readonly ref: string;
  readonly event: "push" | "delete";
  readonly defaultBranch: string;
  readonly defaultBranchSource: "option" | "git" | "fallback";
  readonly commit: string | null;
  /** What the event asks for: deploy, destroy, or nothing (with the reason). */
  readonly intent: "deploy" | "destroy" | "ignore";
  readonly reason?: string;
  readonly environment?: string;
  readonly environmentKind?: Environment["kind"];
  readonly stack?: string;
  readonly pipeline?: string;
  readonly parameters?: Readonly<Record<string, string>>;
  readonly roleArn?: string | null;
  /** create, update, delete, nothing; offline "create or update" (or "delete" if the stack exists). */
  readonly action: string;
  /** Whether a pipeline run would start for the commit afterwards. */
  readonly startsRun: boolean;
  readonly aws: {
    readonly observed: boolean;
    readonly note?: string;
    readonly stackStatus?: string | null;
    readonly steps?: readonly Step[];
  };
  readonly changeSet?: PlanChangeSet;
  readonly problems: readonly LocatedProblem[];
}

export interface PlanRequest {
  readonly dir: string;
  readonly repo: RepositoryRef;
  readonly ref: GitRef;
  readonly event: "push" | "delete";
  readonly defaultBranch: string;
  readonly defaultBranchSource: PlanResult["defaultBranchSource"];
  readonly offline: boolean;
}

export async function planRef(io: Io, request: PlanRequest): Promise<PlanResult> {
  const { dir, repo, ref, event, defaultBranch } = request;
  const fullRef = `${ref.type === "tag" ? "refs/tags/" : "refs/heads/"}${ref.name}`;
  const base = {
    repository: repositoryFullName(repo),
    ref: fullRef,
    event,
    defaultBranch,
    defaultBranchSource: request.defaultBranchSource,
    commit: event === "push" ? await gitCommit(repoPath(io.cwd, dir, "."), fullRef) : null,
    problems: [] as LocatedProblem[],
  };
  const loaded = await readLocalConfig(io.cwd, dir);
  if (loaded.kind === "absent") {
    return {
      ...base,
      intent: "ignore",
      reason: `the repository has no ${CONFIG_PATH}; branchline does nothing here`,
      action: "nothing",
      startsRun: false,
      aws: { observed: false },
    };
  }
  if (loaded.kind === "invalid") {
    return {
      ...base,
      intent: "ignore",
      reason: `${CONFIG_PATH} is not valid; the app reports it on the commit's "${CONFIG_CHECK_NAME}" check run and touches nothing`,
      action: "nothing",
      startsRun: false,
      aws: { observed: false },
      problems: [...loaded.problems],
    };
  }
  const config = loaded.config;
  const refEvent: RefEvent =
    event === "delete" ? { kind: "deleted", ref } : { kind: "updated", ref, commit: base.commit };
  const intent = route(refEvent, defaultBranch, config);
  if (intent.action === "ignore")
    return {
      ...base,
      intent: "ignore",
      reason: intent.reason,
      action: "nothing",
      startsRun: false,
      aws: { observed: false },
    };

  const environment = intent.environment;
  const names = environmentNames(config.stackPrefix, repo, environment);
  const described = {
    ...base,
    intent: intent.action,
    environment: environmentLabel(environment),
    environmentKind: environment.kind,
    stack: names.stack,
    pipeline: names.pipeline,
  };

  let inputs: StackInputs | null = null;
  let template: CfnTemplate | undefined;
  if (intent.action === "deploy") {
    const templateFile = displayPath(io.cwd, dir, config.template);
    const text = await readTextFile(repoPath(io.cwd, dir, config.template));
    const problems: LocatedProblem[] = [];
    if (text === null) {
      problems.push({
        severity: "error",
        file: templateFile,
        line: 1,
        column: 1,
        message: `no such file: the pipeline template named by template: in ${CONFIG_PATH}`,
      });
    } else {
      const read = readTemplate(text);
      if (!read.ok) {
        problems.push(
          ...read.problems.map((p) => ({
            severity: "error" as const,
            file: templateFile,
            ...p.position,
            message: p.message,
          })),
        );
      } else {
        template = read.template;
        const built = stackInputs({
          repo,
          environment,
          names,
          sourceBranch: environment.kind === "branch" ? environment.branch : defaultBranch,
          templateBody: text,
          template: read.template,
          configuredParameters: parametersFor(config, environment.kind),
          roleArn: roleFor(config, environment.kind),
        });
        if (built.ok) inputs = built.inputs;
        else {
          for (const problem of built.problems) {
            const said = parameterMessage(problem, {
              kinds: [environment.kind],
              templatePath: templateFile,
              rawConfig: loaded.source?.value,
            });
            problems.push(
              said.file === "config"
                ? {
                    severity: "error",
                    file: loaded.file,
                    ...(loaded.source?.locate(said.path) ?? { line: 1, column: 1 }),
                    message: said.message,
                  }
                : { severity: "error", file: templateFile, ...read.source.locate(said.path), message: said.message },
            );
          }
        }
      }
    }
    if (!inputs) {
      return {
        ...described,
        action: "nothing",
        reason:
          "the template or its parameters have problems; the app would report them on the check run and touch nothing",
        startsRun: false,
        aws: { observed: false },
        problems,
      };
    }
  }

  const shown = inputs ? { parameters: masked(inputs.parameters, template), roleArn: inputs.roleArn ?? null } : {};
  const offlineAction = intent.action === "deploy" ? "create or update" : "delete";
  const offline = (note: string): PlanResult => ({
    ...described,
    ...shown,
    action: offlineAction,
    startsRun: intent.action === "deploy",
    ...(intent.action === "destroy"
      ? { reason: "the branch is gone: its stack is deleted (buckets emptied first), if it exists" }
      : {}),
    aws: { observed: false, note },
  });
  if (request.offline) return offline("not looked at (--offline)");

  let access: AwsAccess;
  try {
    access = await awsFromEnv(io.env);
  } catch (error) {
    if (error instanceof SettingsError) return offline(`not looked at: ${error.message}`);
    throw error;
  }
  if (access.kind === "none") return offline(`offline: ${access.why}`);

  const cfn = access.clients.cloudformation;
  // The SDK and the engine's observer load only when AWS is actually looked at.
  const online = await import("./plan-aws.js");
  let stack;
  try {
    stack = await online.describeStack(cfn, names.stack);
  } catch (error) {
    if (isUnreachable(error))
      return offline(`offline: AWS could not be reached (${(error as Error).message.split("\n")[0]})`);
    throw error;
  }
  const goal: Goal = inputs ? { kind: "deployed", desired: inputs } : { kind: "gone" };
  const steps = plan(names.stack, online.observe(stack, { repo, environment, names, deliveryId: "cli-plan" }), goal);
  const result: PlanResult = {
    ...described,
    ...shown,
    action: describeSteps(steps),
    startsRun: steps.some((s) => s.kind === "start-run"),
    ...(reasonOf(steps) ? { reason: reasonOf(steps) } : {}),
    aws: { observed: true, stackStatus: stack?.status ?? null, steps },
  };
  const first = steps[0]?.kind;
  if (inputs && (first === "create" || first === "update")) {
    if (Buffer.byteLength(inputs.templateBody, "utf8") > online.INLINE_TEMPLATE_LIMIT) {
      return {
        ...result,
        aws: {
          ...result.aws,
          note: `no change set shown: the template is over ${online.INLINE_TEMPLATE_LIMIT} bytes and goes through the app's template bucket`,
        },
      };
    }
    const changeSet = await online.previewChangeSet(
      cfn,
      names,
      first === "create" ? "CREATE" : "UPDATE",
      inputs,
      access.settings.stackWaitMaxSeconds,
    );
    return { ...result, changeSet };
  }
  return result;
}

/** NoEcho parameters are secrets: shown masked, as CloudFormation shows them. */
function masked(
  parameters: Readonly<Record<string, string>>,
  template: CfnTemplate | undefined,
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(parameters).map(([name, value]) => {
      const noEcho = template?.Parameters?.[name]?.NoEcho;
      return [name, noEcho === true || String(noEcho).toLowerCase() === "true" ? "****" : value];
    }),
  );
}

function describeSteps(steps: readonly Step[]): string {
  const acting = steps.filter((s) => s.kind !== "start-run");
  if (acting.length === 0) return "nothing";
  return acting.map((s) => (s.kind === "continue-rollback" ? "continue rollback" : s.kind)).join(", then ");
}

function reasonOf(steps: readonly Step[]): string | undefined {
  for (const step of steps) if ("why" in step) return step.why;
  if (steps.length === 1 && steps[0]?.kind === "start-run")
    return "the stack is current (template and parameters unchanged): only a run starts";
  if (steps.length === 0) return "there is no stack";
  return undefined;
}
