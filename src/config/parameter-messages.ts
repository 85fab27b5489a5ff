import type { EnvironmentKind } from "../core/environment.js";
import type { ParameterProblem } from "../core/stack-inputs.js";
import type { PathSegment } from "@branchline/cloudformation-template";
import { CONFIG_PATH } from "./schema.js";

/** What to say about a parameter problem, and where: a path in the config or in the template. */
export interface ParameterMessage {
  readonly file: "config" | "template";
  readonly path: readonly PathSegment[];
  readonly message: string;
}

/**
 * One wording of every parameter problem, for the app's check run and the CLI alike. A configured
 * parameter is pointed at where it is set: under the kind's own parameters when it is there, else
 * under `all`. `kinds` are the environment kinds the problem holds for (the CLI checks all three).
 */
export function parameterMessage(
  problem: ParameterProblem,
  context: { readonly kinds: readonly EnvironmentKind[]; readonly templatePath: string; readonly rawConfig: unknown },
): ParameterMessage {
  const { kinds, templatePath } = context;
  const every = kinds.length === 3;
  const forKinds = every ? "every environment" : `${kinds.join(" and ")} environments`;
  switch (problem.kind) {
    case "unknown":
    case "invalid": {
      const set =
        kinds.length === 1 && configuredIn(context.rawConfig, kinds[0]!, problem.name)
          ? kinds[0]!
          : configuredIn(context.rawConfig, "all", problem.name)
            ? "all"
            : (kinds[0] ?? "all");
      const path = ["parameters", set, problem.name];
      if (problem.kind === "unknown") {
        const fix = problem.suggestion
          ? `did you mean ${problem.suggestion}?`
          : "remove it here or declare it under Parameters: in the template";
        return {
          file: "config",
          path,
          message: `parameter ${problem.name} is configured for ${forKinds}, but ${templatePath} does not declare it; ${fix}`,
        };
      }
      const value = problem.secret ? "its value (NoEcho, not shown)" : JSON.stringify(problem.value);
      return {
        file: "config",
        path,
        message: `parameter ${problem.name} is ${value}, which ${templatePath} does not accept: ${problem.why}`,
      };
    }
    case "missing": {
      const settings = every
        ? `parameters.all.${problem.name}`
        : kinds.map((k) => `parameters.${k}.${problem.name}`).join(" and ");
      return {
        file: "template",
        path: ["Parameters", problem.name],
        message: `parameter ${problem.name} has no Default and no value for ${forKinds}; set ${settings} in ${CONFIG_PATH}, or give it a Default`,
      };
    }
  }
}

/** Whether the raw config sets `parameters.<set>.<name>` itself (not through a file it extends). */
function configuredIn(raw: unknown, set: string, name: string): boolean {
  const parameters = isRecord(raw) ? raw.parameters : undefined;
  const values = isRecord(parameters) ? parameters[set] : undefined;
  return isRecord(values) && Object.hasOwn(values, name);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
