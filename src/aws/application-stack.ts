import { GetPipelineCommand, type CodePipelineClient } from "@aws-sdk/client-codepipeline";

/**
 * Where a pipeline deploys an application: its CloudFormation deploy action (the first one that
 * creates or updates a stack), read from the pipeline as CodePipeline holds it.
 */
export interface ApplicationDeploy {
  readonly stackName: string;
  /** `Artifact::path` as the action names it. */
  readonly templatePath: string;
  /** The path in the repository, when the artifact is the source action's output (the commit itself). */
  readonly sourcePath: string | null;
  readonly roleArn: string | undefined;
  /** ParameterOverrides' plain values (functions like Fn::GetArtifactAtt are skipped). */
  readonly parameterOverrides: Readonly<Record<string, string>>;
}

const DEPLOY_MODES = new Set(["CREATE_UPDATE", "CHANGE_SET_REPLACE", "REPLACE_ON_FAILURE"]);

export async function applicationDeploy(
  codepipeline: CodePipelineClient,
  pipeline: string,
): Promise<ApplicationDeploy | null> {
  let declaration;
  try {
    declaration = (await codepipeline.send(new GetPipelineCommand({ name: pipeline }))).pipeline;
  } catch (error) {
    if ((error as { name?: string }).name === "PipelineNotFoundException") return null;
    throw error;
  }
  const actions = (declaration?.stages ?? []).flatMap((stage) => stage.actions ?? []);
  const sourceArtifacts = new Set(
    actions
      .filter((a) => a.actionTypeId?.category === "Source")
      .flatMap((a) => (a.outputArtifacts ?? []).map((o) => o.name ?? "")),
  );
  const deploy = actions.find(
    (a) =>
      a.actionTypeId?.category === "Deploy" &&
      a.actionTypeId.provider === "CloudFormation" &&
      DEPLOY_MODES.has(a.configuration?.ActionMode ?? ""),
  );
  const config = deploy?.configuration;
  if (!config?.StackName || !config.TemplatePath) return null;
  const [artifact = "", ...rest] = config.TemplatePath.split("::");
  return {
    stackName: config.StackName,
    templatePath: config.TemplatePath,
    sourcePath: sourceArtifacts.has(artifact) && rest.length > 0 ? rest.join("::") : null,
    roleArn: config.RoleArn,
    parameterOverrides: plainOverrides(config.ParameterOverrides),
  };
}

function plainOverrides(text: string | undefined): Record<string, string> {
  if (!text) return {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== "object" || parsed === null) return {};
    return Object.fromEntries(Object.entries(parsed).filter((e): e is [string, string] => typeof e[1] === "string"));
  } catch {
    return {};
  }
}
