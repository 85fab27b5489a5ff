import picomatch from "picomatch";

/**
 * What builds put in their output artifacts: the files a deploy action reads (`Artifact::path`). The
 * emulator runs no build, so tests and the sandbox say what a build produced; without a script, every
 * artifact holds `packaged.yml` (templates/pipeline.yml's default ApplicationTemplatePath), a small
 * application, so a default pipeline deploys an application stack as it would on AWS.
 */
export interface BuildOutputScript {
  /** Pipeline name or glob; any pipeline when absent. */
  readonly pipeline?: string;
  /** Artifact name; any artifact when absent. */
  readonly artifact?: string;
  /** Path in the artifact → content. */
  readonly files: Readonly<Record<string, string>>;
}

export const DEFAULT_APPLICATION_TEMPLATE = `AWSTemplateFormatVersion: "2010-09-09"
Description: The application the emulator's builds produce when no build output is scripted.
Parameters:
  Stage:
    Type: String
    Default: default
Resources:
  Queue:
    Type: AWS::SQS::Queue
Outputs:
  Stage:
    Value: !Ref Stage
`;

/**
 * The default build's files: the application template, and the template configuration that
 * templates/pipeline.yml's TagProject writes (on AWS it carries the repository's file with the
 * kind's environment tag; the emulator runs no build, so without a script it is empty).
 */
const DEFAULT_FILES: Readonly<Record<string, string>> = {
  "packaged.yml": DEFAULT_APPLICATION_TEMPLATE,
  "branchline-template-configuration.json": JSON.stringify({ Tags: {} }),
};

export class BuildOutputs {
  private entries: { script: BuildOutputScript; matches: (name: string) => boolean }[] = [];

  add(script: BuildOutputScript): void {
    this.entries.push({ script, matches: script.pipeline ? picomatch(script.pipeline) : () => true });
  }

  clear(): void {
    this.entries = [];
  }

  /** The newest matching script's files, else the default build's. */
  files(pipeline: string, artifact: string): Readonly<Record<string, string>> {
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const { script, matches } = this.entries[i]!;
      if (matches(pipeline) && (script.artifact === undefined || script.artifact === artifact)) return script.files;
    }
    return DEFAULT_FILES;
  }
}
