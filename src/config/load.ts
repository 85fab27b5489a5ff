import type { RepositoryRef } from "../core/environment.js";
import type { InstallationOctokit } from "../github/octokit.js";
import { fileSizeAt, readFileAt } from "../github/repository-files.js";
import type { FileProblem } from "../core/file-problem.js";
import { readYaml } from "@branchline/cloudformation-template";
import { CONFIG_PATH, type BranchlineConfig } from "./schema.js";
import { fieldName, validateConfigFile } from "./validate.js";

/**
 * The largest `.github/branchline.yml` read. A real one is a few hundred bytes; the limit keeps
 * parsing (Probot's loader, then the validation's re-read) to milliseconds whatever is pushed.
 */
export const CONFIG_MAX_BYTES = 65_536;

export type ConfigLoad =
  | { readonly kind: "absent" }
  | { readonly kind: "valid"; readonly config: BranchlineConfig }
  | { readonly kind: "invalid"; readonly problems: readonly FileProblem[] };

/**
 * Reads `.github/branchline.yml` from the default branch through Probot's config loader (so
 * `_extends` and the owner's `.github` repository work), then checks it against the schema. Only
 * when something is wrong is the raw file read again, to say on which line.
 */
export async function loadConfig(
  octokit: InstallationOctokit,
  repo: RepositoryRef,
  defaultBranch: string,
): Promise<ConfigLoad> {
  // A fully qualified ref: a bare name resolves to a tag of that name first (git's rule), and anyone
  // who may push a tag could then choose the config.
  const branch = `refs/heads/${defaultBranch}`;
  const tooLarge = await oversizedConfig(octokit, repo, branch);
  if (tooLarge) return { kind: "invalid", problems: [tooLarge] };
  let loaded;
  try {
    loaded = await octokit.config.get({ owner: repo.owner, repo: repo.name, path: CONFIG_PATH, branch });
  } catch (error) {
    return { kind: "invalid", problems: await syntaxProblems(octokit, repo, branch, error as Error) };
  }
  if (loaded.files.every((file) => file.config === null)) return { kind: "absent" };
  // The loader merges files with Object.assign, which would turn a YAML list into {0: …, 1: …}.
  const notMapping = loaded.files.find(
    (file) => file.config !== null && (typeof file.config !== "object" || Array.isArray(file.config)),
  );
  if (notMapping) {
    return {
      kind: "invalid",
      problems: [
        {
          file: notMapping.path,
          position: { line: 1, column: 1 },
          message: "the file must be a mapping of fields (key: value)",
        },
      ],
    };
  }
  const validation = validateConfigFile(loaded.config);
  if (validation.ok) return { kind: "valid", config: validation.config };

  const text = await readFileAt(octokit, repo, CONFIG_PATH, branch);
  const parsed = text === null ? null : readYaml(text);
  const document = parsed?.ok ? parsed.document : null;
  return {
    kind: "invalid",
    problems: validation.problems.map((problem) => ({
      file: CONFIG_PATH,
      position: document?.locate(problem.path) ?? { line: 1, column: 1 },
      field: fieldName(problem.path) || undefined,
      message: problem.message,
    })),
  };
}

/**
 * The config's size first, from the contents API's metadata: Probot's loader would fetch and parse
 * a file of any size. Where the repository has none, the loader falls back to the owner's `.github`
 * repository (its default branch), so that one is measured too. A file it `_extends` is not.
 */
async function oversizedConfig(
  octokit: InstallationOctokit,
  repo: RepositoryRef,
  branch: string,
): Promise<FileProblem | null> {
  let file = CONFIG_PATH;
  let size = await fileSizeAt(octokit, repo, CONFIG_PATH, branch);
  if (size === null && repo.name.toLowerCase() !== ".github") {
    size = await fileSizeAt(octokit, { owner: repo.owner, name: ".github" }, CONFIG_PATH, undefined);
    file = `${repo.owner}/.github: ${CONFIG_PATH}`;
  }
  if (size === null || size <= CONFIG_MAX_BYTES) return null;
  return {
    file,
    position: { line: 1, column: 1 },
    message: `the file is ${size.toLocaleString("en-US")} bytes; branchline reads at most ${CONFIG_MAX_BYTES.toLocaleString("en-US")} bytes of config, so it was not read. Make it smaller (a config needs a few hundred bytes; long values belong in the template's defaults)`,
  };
}

async function syntaxProblems(
  octokit: InstallationOctokit,
  repo: RepositoryRef,
  branchRef: string,
  error: Error,
): Promise<FileProblem[]> {
  const text = await readFileAt(octokit, repo, CONFIG_PATH, branchRef);
  const parsed = text === null ? null : readYaml(text);
  if (parsed && !parsed.ok) {
    return parsed.problems.map((p) => ({
      file: CONFIG_PATH,
      position: p.position,
      message: `not valid YAML: ${p.message}`,
    }));
  }
  if (parsed?.ok && (typeof parsed.document.value !== "object" || Array.isArray(parsed.document.value))) {
    return [
      {
        file: CONFIG_PATH,
        position: { line: 1, column: 1 },
        message: "the file must be a mapping of fields (key: value)",
      },
    ];
  }
  // The repository's own file is fine: the problem is in a file it extends.
  return [
    {
      file: CONFIG_PATH,
      position: { line: 1, column: 1 },
      field: "_extends",
      message: error.message.replace(/^\[@probot\/octokit-plugin-config\] /, ""),
    },
  ];
}
