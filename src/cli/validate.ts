import { readdir } from "node:fs/promises";
import { basename } from "node:path";
import { missingRoleMessage } from "../config/roles.js";
import { didYouMean } from "../core/did-you-mean.js";
import { CONFIG_PATH, DEFAULT_TEMPLATE_PATH, parametersFor, roleFor, type BranchlineConfig } from "../config/schema.js";
import { ENVIRONMENT_KINDS, type Environment, type EnvironmentKind, type RepositoryRef } from "../core/environment.js";
import { environmentNames } from "../core/naming.js";
import { stackInputs } from "../core/stack-inputs.js";
import { checkTemplate } from "../template-check/spec-check.js";
import {
  readTemplate,
  type CfnTemplate,
  type LocatedDocument,
  type PathSegment,
} from "@branchline/cloudformation-template";
import { parameterMessage } from "../config/parameter-messages.js";
import type { ParameterProblem } from "../core/stack-inputs.js";
import { EXIT, parseRepoOption, stringOption, type Command, type ParsedArgs } from "./command.js";
import {
  displayPath,
  formatLocated,
  gitDefaultBranch,
  gitRepository,
  placeholderRepository,
  readLocalConfig,
  readTextFile,
  repoPath,
  type LocatedProblem,
} from "./local-repo.js";
import type { Io } from "./output.js";

export interface ValidateResult {
  readonly directory: string;
  readonly config: { readonly file: string; readonly found: boolean; readonly valid: boolean };
  readonly template: { readonly file: string; readonly found: boolean } | null;
  readonly problems: readonly LocatedProblem[];
  readonly errors: number;
  readonly warnings: number;
}

export const validateCommand: Command<ValidateResult> = {
  name: "validate",
  summary: "check .github/branchline.yml and its pipeline template, offline",
  maxPositionals: 1,
  options: { repo: { type: "string" }, "default-branch": { type: "string" } },
  help: `Usage: branchline validate [DIR] [--json]

Checks a repository's branchline config (.github/branchline.yml) and its pipeline template offline,
as the app would: the config against its schema, the template against the CloudFormation resource
specification (types, properties, required properties, Ref/GetAtt/Sub targets), and the parameters
of every environment kind (branch, staging, production) against what the template declares.

Problems are printed as FILE:LINE:COLUMN: MESSAGE, relative to the current directory.

Arguments:
  DIR                     the repository's working tree (default: .)

Options:
  --repo OWNER/NAME       the repository, for names in examples (default: the origin remote)
  --default-branch NAME   the default branch (default: origin/HEAD, else main)
  --json                  print the result as JSON
  -h, --help              show this help

Exit codes: 0 valid (warnings allowed), 1 errors found, 2 usage error.`,

  async run(args: ParsedArgs, io: Io) {
    const dir = args.positionals[0] ?? ".";
    const result = await validateRepository(io.cwd, dir, {
      repo: stringOption(args, "repo"),
      defaultBranch: stringOption(args, "default-branch"),
    });
    return { data: result, exitCode: result.errors > 0 ? EXIT.findings : EXIT.ok };
  },

  render(data, out) {
    const paint = out.paint;
    for (const problem of data.problems) {
      const text = formatLocated(problem);
      out.line(problem.severity === "error" ? text : paint.paint("yellow", text));
    }
    const checked = [data.config.file, ...(data.template?.found ? [data.template.file] : [])].join(" and ");
    if (data.errors > 0) {
      out.line(
        paint.paint(
          "red",
          `✗ ${count(data.errors, "error")}${data.warnings > 0 ? `, ${count(data.warnings, "warning")}` : ""} in ${checked}`,
        ),
      );
    } else {
      out.line(
        paint.paint(
          "green",
          `✓ ${checked} ${data.template?.found ? "are" : "is"} valid${data.warnings > 0 ? ` (${count(data.warnings, "warning")})` : ""}`,
        ),
      );
    }
  },
};

function count(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

export interface ValidateOptions {
  readonly repo?: string | undefined;
  readonly defaultBranch?: string | undefined;
}

export async function validateRepository(
  cwd: string,
  dir: string,
  options: ValidateOptions = {},
): Promise<ValidateResult> {
  const loaded = await readLocalConfig(cwd, dir);
  // In reading order: the config first, then the template, each top to bottom.
  const order = (a: LocatedProblem, b: LocatedProblem) =>
    a.file === b.file
      ? a.line - b.line || a.column - b.column
      : a.file === loaded.file
        ? -1
        : b.file === loaded.file
          ? 1
          : a.file < b.file
            ? -1
            : 1;
  const finish = (found: LocatedProblem[], valid: boolean, template: ValidateResult["template"]): ValidateResult => {
    const problems = [...found].sort(order);
    return {
      directory: dir,
      config: { file: loaded.file, found: loaded.kind !== "absent", valid },
      template,
      problems,
      errors: problems.filter((p) => p.severity === "error").length,
      warnings: problems.filter((p) => p.severity === "warning").length,
    };
  };
  if (loaded.kind === "absent") {
    const near = await nearConfigFile(repoPath(cwd, dir, ".github"));
    const hint = near
      ? `; did you mean ${displayPath(cwd, dir, `.github/${near}`)}? branchline reads only ${CONFIG_PATH}: rename it`
      : "";
    return finish(
      [
        {
          severity: "error",
          file: loaded.file,
          line: 1,
          column: 1,
          message: `no such file: branchline ignores a repository without ${CONFIG_PATH} (an empty file takes every default)${hint}`,
        },
      ],
      false,
      null,
    );
  }
  if (loaded.kind === "invalid") return finish([...loaded.problems], false, null);

  const { config, source } = loaded;
  const configNotes: LocatedProblem[] = [];
  if (loaded.extends) {
    configNotes.push({
      severity: "warning",
      file: loaded.file,
      ...(source?.locate(["_extends"]) ?? { line: 1, column: 1 }),
      field: "_extends",
      message: `the app starts from ${loaded.extends}'s config and this file's fields win; offline, only this file is checked`,
    });
  }
  for (const kind of ENVIRONMENT_KINDS) {
    const message = missingRoleMessage(config, kind);
    // A role may come from the config this one extends: only the app can tell.
    if (message)
      configNotes.push({
        severity: loaded.extends ? "warning" : "error",
        file: loaded.file,
        ...(source?.locate(["roles", kind]) ?? { line: 1, column: 1 }),
        message: `${message} (a sandbox or emulator needs none)`,
      });
  }
  const templateFile = displayPath(cwd, dir, config.template);
  const text = await readTextFile(repoPath(cwd, dir, config.template));
  if (text === null) {
    const explicit = config.template !== DEFAULT_TEMPLATE_PATH || hasField(source, ["template"]);
    return finish(
      [
        ...configNotes,
        {
          severity: "error",
          file: loaded.file,
          ...(source ? source.locate(explicit ? ["template"] : []) : { line: 1, column: 1 }),
          field: "template",
          message: `${config.template}${explicit ? "" : " (the default)"} does not exist; add the pipeline template there (templates/pipeline.yml in branchline is a complete one) or set template: to where yours is`,
        },
      ],
      true,
      { file: templateFile, found: false },
    );
  }

  const problems: LocatedProblem[] = [
    ...configNotes,
    ...(await checkTemplate(text, { fileName: templateFile })).map(
      (p) =>
        ({
          severity: "error",
          file: templateFile,
          line: p.line,
          column: p.column,
          message: p.message,
        }) as const,
    ),
  ];
  const read = readTemplate(text);
  if (read.ok) {
    const repo = options.repo
      ? parseRepoOption(options.repo)
      : ((await gitRepository(resolveDir(cwd, dir))) ?? placeholderRepository(cwd, dir));
    const defaultBranch = options.defaultBranch ?? (await gitDefaultBranch(resolveDir(cwd, dir))).branch;
    problems.push(
      ...parameterProblems({
        config,
        configSource: source,
        configFile: loaded.file,
        template: read.template,
        templateSource: read.source,
        templateFile,
        text,
        repo,
        defaultBranch,
      }),
    );
    problems.push(...(await templateWarnings(read.template, read.source, templateFile, text)));
  }
  return finish(problems, true, { file: templateFile, found: true });
}

/** A file in .github/ named nearly like branchline.yml (branchline.yaml, branchline.yml.txt, …). */
async function nearConfigFile(githubDir: string): Promise<string | undefined> {
  let names: string[];
  try {
    names = await readdir(githubDir);
  } catch {
    return undefined;
  }
  const wanted = basename(CONFIG_PATH);
  return (
    names.find((name) => name !== wanted && name.toLowerCase() === wanted) ??
    names.find((name) => didYouMean(name, [wanted]) === wanted)
  );
}

function resolveDir(cwd: string, dir: string): string {
  return repoPath(cwd, dir, ".");
}

function hasField(source: LocatedDocument | null, path: readonly string[]): boolean {
  let value: unknown = source?.value;
  for (const key of path) {
    if (typeof value !== "object" || value === null || !Object.hasOwn(value, key)) return false;
    value = (value as Record<string, unknown>)[key];
  }
  return true;
}

/** An example environment of each kind: parameter checks depend only on the kind. */
export function exampleEnvironment(kind: EnvironmentKind, defaultBranch: string): Environment {
  switch (kind) {
    case "branch":
      return { kind, branch: "feature/example" };
    case "staging":
      return { kind, branch: defaultBranch };
    case "production":
      return { kind, tag: "v1.0.0" };
  }
}

interface ParameterCheck {
  readonly config: BranchlineConfig;
  readonly configSource: LocatedDocument | null;
  readonly configFile: string;
  readonly template: CfnTemplate;
  readonly templateSource: LocatedDocument;
  readonly templateFile: string;
  readonly text: string;
  readonly repo: RepositoryRef;
  readonly defaultBranch: string;
}

/**
 * Configured parameters the template does not declare (with the name probably meant), values the
 * template refuses, and declared parameters without a Default that no config gives a value: per
 * environment kind, through the same `stackInputs` and wording the app deploys and reports with.
 * A problem shared by several kinds is reported once, naming them.
 */
function parameterProblems(check: ParameterCheck): LocatedProblem[] {
  const found = new Map<
    string,
    { problem: ParameterProblem; path: readonly PathSegment[]; file: "config" | "template"; kinds: EnvironmentKind[] }
  >();
  for (const kind of ENVIRONMENT_KINDS) {
    const environment = exampleEnvironment(kind, check.defaultBranch);
    const built = stackInputs({
      repo: check.repo,
      environment,
      names: environmentNames(check.config.stackPrefix, check.repo, environment),
      sourceBranch: environment.kind === "branch" ? environment.branch : check.defaultBranch,
      templateBody: check.text,
      template: check.template,
      configuredParameters: parametersFor(check.config, kind),
      roleArn: roleFor(check.config, kind),
    });
    if (built.ok) continue;
    for (const problem of built.problems) {
      const said = parameterMessage(problem, {
        kinds: [kind],
        templatePath: check.templateFile,
        rawConfig: check.configSource?.value,
      });
      const key = `${problem.kind}:${said.path.join(".")}:${problem.kind === "invalid" ? problem.value : ""}`;
      const entry = found.get(key) ?? { problem, path: said.path, file: said.file, kinds: [] };
      entry.kinds.push(kind);
      found.set(key, entry);
    }
  }
  return [...found.values()].map((entry) => {
    const { message } = parameterMessage(entry.problem, {
      kinds: entry.kinds,
      templatePath: check.templateFile,
      rawConfig: check.configSource?.value,
    });
    const inConfig = entry.file === "config";
    const position = inConfig
      ? (check.configSource?.locate(entry.path) ?? { line: 1, column: 1 })
      : check.templateSource.locate(entry.path);
    return { severity: "error" as const, file: inConfig ? check.configFile : check.templateFile, ...position, message };
  });
}

async function templateWarnings(
  template: CfnTemplate,
  source: LocatedDocument,
  file: string,
  text: string,
): Promise<LocatedProblem[]> {
  const warnings: LocatedProblem[] = [];
  if (!template.Outputs || !Object.hasOwn(template.Outputs, "PipelineName")) {
    warnings.push({
      severity: "warning",
      file,
      ...source.locate(["Outputs"]),
      message: "the template should output PipelineName (the pipeline branchline starts runs of)",
    });
  }
  const bytes = Buffer.byteLength(text, "utf8");
  // The limit lives beside the S3 upload; loaded only for a template that may be near it.
  const { INLINE_TEMPLATE_LIMIT } =
    bytes > 40_000 ? await import("../aws/template-store.js") : { INLINE_TEMPLATE_LIMIT: Infinity };
  if (bytes > INLINE_TEMPLATE_LIMIT) {
    warnings.push({
      severity: "warning",
      file,
      line: 1,
      column: 1,
      message: `the template is ${bytes} bytes, over CloudFormation's ${INLINE_TEMPLATE_LIMIT}-byte inline limit: it deploys only where branchline has a template bucket (BRANCHLINE_TEMPLATE_BUCKET)`,
    });
  }
  return warnings;
}
