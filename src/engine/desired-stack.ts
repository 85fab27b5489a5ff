import { templateFit, type TemplateStore } from "../aws/template-store.js";
import { parametersFor, roleFor, CONFIG_PATH, type BranchlineConfig } from "../config/schema.js";
import type { Environment, RepositoryRef } from "../core/environment.js";
import type { EnvironmentNames } from "../core/naming.js";
import { stackInputs, type StackInputs } from "../core/stack-inputs.js";
import { parameterMessage } from "../config/parameter-messages.js";
import { missingRoleMessage } from "../config/roles.js";
import { readYaml, readTemplateBounded } from "@branchline/cloudformation-template";
import type { LocatedMessage, Problem } from "../report/environment-report.js";
import type { InstallationOctokit } from "../github/octokit.js";
import { readFileAt } from "../github/repository-files.js";

export interface DesiredStackRequest {
  readonly octokit: InstallationOctokit;
  readonly repo: RepositoryRef;
  readonly defaultBranch: string;
  readonly config: BranchlineConfig;
  readonly environment: Environment;
  readonly names: EnvironmentNames;
  readonly commit: string;
  readonly templates: TemplateStore | undefined;
  /** Real AWS: a kind without its service role cannot deploy (the App's policy requires one). */
  readonly requireRole: boolean;
  /** The idle environment's hibernated form (see HIBERNATE_PARAMETER). */
  readonly hibernate?: boolean;
}

/**
 * What the environment's stack should be built from at this commit: the template read at the
 * commit, its size checked, its parameters matched to the config. Every way this can go wrong is
 * the commit's or the config's, and becomes a problem naming the file and line; AWS is not touched.
 */
export async function desiredStack(
  request: DesiredStackRequest,
): Promise<{ readonly inputs: StackInputs } | { readonly problem: Problem }> {
  const { config, environment } = request;
  const noRole = request.requireRole ? missingRoleMessage(config, environment.kind) : null;
  if (noRole) {
    const text = await readFileAt(request.octokit, request.repo, CONFIG_PATH, request.defaultBranch);
    const read = text === null ? null : readYaml(text);
    const at = read?.ok ? read.document.locate(["roles", environment.kind]) : { line: 1, column: 1 };
    return fileProblem(
      "No service role for this environment",
      [{ file: CONFIG_PATH, ...at, message: noRole }],
      "Nothing was changed in AWS.",
    );
  }
  const text = await readFileAt(request.octokit, request.repo, config.template, request.commit);
  if (text === null) {
    return fileProblem(
      "Pipeline template not found",
      [{ file: config.template, line: 1, column: 1, message: "no such file at this commit" }],
      `Add the pipeline template at \`${config.template}\` (templates/pipeline.yml in branchline's repository is a complete one), or set \`template:\` in \`${CONFIG_PATH}\` to where yours is.`,
    );
  }
  // Size first: parsing is work proportional to the text, and a branch chooses the text.
  const fit = templateFit(text, request.templates);
  if (fit.kind === "too-large") {
    return fileProblem(
      "Pipeline template is too large",
      [{ file: config.template, line: 1, column: 1, message: fit.why }],
      "Nothing was changed in AWS.",
    );
  }
  const read = await readTemplateBounded(text);
  if (!read.ok) {
    return fileProblem(
      "Pipeline template is not valid",
      read.problems.map((p) => ({ file: config.template, ...p.position, message: p.message })),
      "Fix the template and push again.",
    );
  }
  const built = stackInputs({
    repo: request.repo,
    environment,
    names: request.names,
    sourceBranch: environment.kind === "branch" ? environment.branch : request.defaultBranch,
    templateBody: text,
    template: read.template,
    configuredParameters: parametersFor(config, environment.kind),
    roleArn: roleFor(config, environment.kind),
    ...(request.hibernate ? { hibernate: true } : {}),
  });
  if (!built.ok) {
    // Said where each one is set: the config is read again (only now) to find the parameter's line.
    const configText = built.problems.some((p) => p.kind !== "missing")
      ? await readFileAt(request.octokit, request.repo, CONFIG_PATH, request.defaultBranch)
      : null;
    const configRead = configText === null ? null : readYaml(configText);
    const configDocument = configRead?.ok ? configRead.document : null;
    return fileProblem(
      "Parameters do not match the template",
      built.problems.map((p) => {
        const said = parameterMessage(p, {
          kinds: [environment.kind],
          templatePath: config.template,
          rawConfig: configDocument?.value,
        });
        const position =
          said.file === "template"
            ? read.source.locate(said.path)
            : (configDocument?.locate(said.path) ?? { line: 1, column: 1 });
        return { file: said.file === "template" ? config.template : CONFIG_PATH, ...position, message: said.message };
      }),
      `Parameters come from \`parameters.all\` and \`parameters.${environment.kind}\` in \`${CONFIG_PATH}\`, and must be declared under \`Parameters:\` in \`${config.template}\`.`,
    );
  }
  return { inputs: built.inputs };
}

export function fileProblem(
  title: string,
  problems: readonly LocatedMessage[],
  hint: string,
): { readonly problem: Problem } {
  return { problem: { kind: "file", title, problems, hint } };
}
