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
  /** ARNs of roles that existed and were deleted: CloudFormation can no longer assume them. */
  private readonly deleted = new Set<string>();

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
    this.deleted.delete(stored.arn);
    return stored;
  }

  has(roleName: string): boolean {
    return this.roles.has(roleName);
  }

  delete(roleName: string): void {
    const role = this.roles.get(roleName);
    if (role) this.deleted.add(role.arn);
    this.roles.delete(roleName);
  }

  /**
   * Whether CloudFormation could not assume this role: one the emulator knew and that is gone. Roles it
   * never saw (made outside any emulated stack, as tests pass them) are taken to exist.
   */
  unusable(arn: string): boolean {
    return this.deleted.has(arn);
  }

  /** A role by ARN, if an emulated stack made it. */
  byArn(arn: string): Role | undefined {
    return [...this.roles.values()].find((role) => role.arn === arn);
  }
}
