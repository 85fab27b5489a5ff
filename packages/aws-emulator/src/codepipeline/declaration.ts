import { AwsError } from "../errors.js";

/** A pipeline's structure as the CodePipeline API spells it (camelCase), and its checks. */

export type ExecutionMode = "SUPERSEDED" | "QUEUED" | "PARALLEL";
export type PipelineType = "V1" | "V2";
export type ActionCategory = "Source" | "Build" | "Deploy" | "Test" | "Invoke" | "Approval" | "Compute";

export interface ActionTypeId {
  readonly category: ActionCategory;
  readonly owner: string;
  readonly provider: string;
  readonly version: string;
}

export interface ActionDeclaration {
  readonly name: string;
  readonly actionTypeId: ActionTypeId;
  readonly runOrder?: number;
  readonly configuration?: Readonly<Record<string, string>>;
  readonly inputArtifacts?: readonly { readonly name: string }[];
  readonly outputArtifacts?: readonly { readonly name: string }[];
  readonly roleArn?: string;
  readonly region?: string;
  readonly namespace?: string;
  readonly timeoutInMinutes?: number;
}

export interface StageDeclaration {
  readonly name: string;
  readonly actions: readonly ActionDeclaration[];
  readonly [extra: string]: unknown;
}

export interface VariableDeclaration {
  readonly name: string;
  readonly defaultValue?: string;
  readonly description?: string;
}

export interface PipelineDeclaration {
  readonly name: string;
  readonly roleArn: string;
  readonly artifactStore?: { readonly type: string; readonly location: string; readonly encryptionKey?: unknown };
  readonly artifactStores?: Readonly<Record<string, unknown>>;
  readonly stages: readonly StageDeclaration[];
  readonly version?: number;
  readonly executionMode?: ExecutionMode;
  readonly pipelineType?: PipelineType;
  readonly variables?: readonly VariableDeclaration[];
  readonly triggers?: readonly unknown[];
}

type Props = Record<string, unknown>;

function camel(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(camel);
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k.charAt(0).toLowerCase() + k.slice(1), camel(v)]));
}

function names(list: unknown): { name: string }[] | undefined {
  return Array.isArray(list) ? list.map((item) => ({ name: String((item as Props).Name) })) : undefined;
}

/** From an AWS::CodePipeline::Pipeline resource's (resolved) properties. */
export function declarationFromResource(name: string, props: Props): PipelineDeclaration {
  const stages = ((props.Stages as Props[] | undefined) ?? []).map((stage) => ({
    name: String(stage.Name),
    actions: ((stage.Actions as Props[] | undefined) ?? []).map((action) => {
      const typeId = (action.ActionTypeId ?? {}) as Props;
      const configuration = action.Configuration as Props | undefined;
      return {
        name: String(action.Name),
        actionTypeId: {
          category: String(typeId.Category) as ActionCategory,
          owner: String(typeId.Owner),
          provider: String(typeId.Provider),
          version: String(typeId.Version),
        },
        runOrder: action.RunOrder === undefined ? 1 : Number(action.RunOrder),
        configuration: configuration
          ? Object.fromEntries(
              Object.entries(configuration).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
            )
          : undefined,
        inputArtifacts: names(action.InputArtifacts) ?? [],
        outputArtifacts: names(action.OutputArtifacts) ?? [],
        roleArn: action.RoleArn as string | undefined,
        region: action.Region as string | undefined,
        namespace: action.Namespace as string | undefined,
        timeoutInMinutes: action.TimeoutInMinutes === undefined ? undefined : Number(action.TimeoutInMinutes),
      };
    }),
  }));
  return {
    name,
    roleArn: String(props.RoleArn ?? ""),
    artifactStore: props.ArtifactStore
      ? (camel(props.ArtifactStore) as PipelineDeclaration["artifactStore"])
      : undefined,
    stages,
    executionMode: (props.ExecutionMode as ExecutionMode | undefined) ?? "SUPERSEDED",
    pipelineType: (props.PipelineType as PipelineType | undefined) ?? "V1",
    variables: camel(props.Variables) as VariableDeclaration[] | undefined,
    triggers: camel(props.Triggers) as unknown[] | undefined,
  };
}

function invalid(message: string): AwsError {
  return new AwsError("InvalidStructureException", message, 400);
}

/** The checks CodePipeline makes on a structure before accepting it. */
export function validateDeclaration(declaration: PipelineDeclaration): void {
  if (!/^[A-Za-z0-9.@_-]{1,100}$/.test(declaration.name)) {
    throw new AwsError(
      "ValidationException",
      `1 validation error detected: Value '${declaration.name}' at 'pipeline.name' failed to satisfy constraint: Member must satisfy regular expression pattern: [A-Za-z0-9.@\\-_]+`,
      400,
    );
  }
  if (declaration.stages.length < 2) throw invalid("Pipeline has fewer than 2 stages");
  const first = declaration.stages[0]!;
  if (!first.actions.every((a) => a.actionTypeId.category === "Source")) {
    throw invalid("Pipeline's first stage must contain only source actions");
  }
  for (const stage of declaration.stages.slice(1)) {
    if (stage.actions.some((a) => a.actionTypeId.category === "Source"))
      throw invalid(`Stage ${stage.name} contains a source action; only the first stage may`);
  }
  const pipelineType = declaration.pipelineType ?? "V1";
  const mode = declaration.executionMode ?? "SUPERSEDED";
  if (pipelineType === "V1" && mode !== "SUPERSEDED") {
    throw new AwsError("ValidationException", `Execution mode ${mode} is supported only for pipeline type V2`, 400);
  }
  if (pipelineType === "V1" && (declaration.variables?.length ?? 0) > 0) {
    throw new AwsError("ValidationException", "Pipeline variables are supported only for pipeline type V2", 400);
  }
}

/** What counts as a structure change (and so cancels running executions): anything but the version. */
export function sameStructure(a: PipelineDeclaration, b: PipelineDeclaration): boolean {
  const strip = ({ version: _version, ...rest }: PipelineDeclaration) => rest;
  return JSON.stringify(strip(a)) === JSON.stringify(strip(b));
}
