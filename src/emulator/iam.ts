/** IAM roles that templates create; CloudFormation needs their ARNs, tests look them up. */
export interface Role {
  readonly roleName: string;
  readonly roleId: string;
  readonly arn: string;
  readonly path: string;
  readonly assumeRolePolicyDocument: unknown;
  readonly policies: unknown;
  readonly managedPolicyArns: readonly string[];
  readonly createDate: Date;
}

export class IamStore {
  private readonly roles = new Map<string, Role>();

  constructor(private readonly accountId: string) {}

  list(): Role[] {
    return [...this.roles.values()];
  }

  find(roleName: string): Role | undefined {
    return this.roles.get(roleName);
  }

  put(role: Omit<Role, "arn">): Role {
    const path = role.path || "/";
    const stored: Role = { ...role, path, arn: `arn:aws:iam::${this.accountId}:role${path}${role.roleName}` };
    this.roles.set(role.roleName, stored);
    return stored;
  }

  has(roleName: string): boolean {
    return this.roles.has(roleName);
  }

  delete(roleName: string): void {
    this.roles.delete(roleName);
  }
}
