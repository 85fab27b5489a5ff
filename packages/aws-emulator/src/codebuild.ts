/** CodeBuild projects that templates create; pipeline build actions report builds of them. */
export interface BuildProject {
  readonly name: string;
  readonly arn: string;
  readonly properties: Readonly<Record<string, unknown>>;
}

export class CodeBuildStore {
  private readonly projects = new Map<string, BuildProject>();

  constructor(
    private readonly region: string,
    private readonly accountId: string,
  ) {}

  list(): BuildProject[] {
    return [...this.projects.values()];
  }

  has(name: string): boolean {
    return this.projects.has(name);
  }

  put(name: string, properties: Record<string, unknown>): BuildProject {
    const project = { name, arn: `arn:aws:codebuild:${this.region}:${this.accountId}:project/${name}`, properties };
    this.projects.set(name, project);
    return project;
  }

  delete(name: string): void {
    this.projects.delete(name);
  }
}
