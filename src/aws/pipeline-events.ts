import { z } from "zod";

/**
 * CodePipeline's state-change events as EventBridge delivers them (at least once, possibly out of
 * order). branchline reads them only as "look at this run now", so a duplicate or late event is
 * harmless: the run's state is always read from the API.
 */
const detailTypes = [
  "CodePipeline Pipeline Execution State Change",
  "CodePipeline Stage Execution State Change",
  "CodePipeline Action Execution State Change",
] as const;

const states = [
  "STARTED",
  "SUCCEEDED",
  "FAILED",
  "SUPERSEDED",
  "CANCELED",
  "STOPPED",
  "STOPPING",
  "RESUMED",
  "ABANDONED",
] as const;

const eventSchema = z.object({
  source: z.literal("aws.codepipeline"),
  "detail-type": z.enum(detailTypes),
  detail: z.object({
    pipeline: z.string().regex(/^[A-Za-z0-9.@_-]{1,100}$/, "a CodePipeline name"),
    "execution-id": z.string().min(1).max(200),
    state: z.enum(states),
    stage: z.string().optional(),
    action: z.string().optional(),
  }),
});

export interface PipelineEvent {
  readonly pipeline: string;
  readonly executionId: string;
  readonly state: (typeof states)[number];
  readonly level: "pipeline" | "stage" | "action";
  readonly stage: string | undefined;
  readonly action: string | undefined;
}

export type PipelineEventParse =
  { readonly ok: true; readonly event: PipelineEvent } | { readonly ok: false; readonly error: string };

export function parsePipelineEvent(body: unknown): PipelineEventParse {
  const parsed = eventSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      ok: false,
      error: `not a CodePipeline state-change event: ${issue?.path.join(".") || "body"}: ${issue?.message ?? "invalid"}`,
    };
  }
  const { detail } = parsed.data;
  return {
    ok: true,
    event: {
      pipeline: detail.pipeline,
      executionId: detail["execution-id"],
      state: detail.state,
      level: parsed.data["detail-type"].startsWith("CodePipeline Pipeline")
        ? "pipeline"
        : parsed.data["detail-type"].startsWith("CodePipeline Stage")
          ? "stage"
          : "action",
      stage: detail.stage,
      action: detail.action,
    },
  };
}
