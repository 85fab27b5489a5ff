import { callerOf } from "./call-log.js";
import { AwsError } from "./errors.js";
import { upperToken } from "./ids.js";
import { QueryParams, queryErrorResponse, queryResponse } from "./protocols/query.js";
import { node, text } from "./protocols/xml.js";
import type { ServiceHandler, ServiceRequest, ServiceResponse } from "./service.js";

const STS = { xmlns: "https://sts.amazonaws.com/doc/2011-06-15/" };
const XML = { "content-type": "text/xml" };
const ROLE_ARN = /^arn:aws[a-z-]*:iam::([0-9]{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]{1,64})$/;
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;

/** One session AssumeRole handed out: its access key id is what the call log records as the caller. */
export interface AssumedSession {
  readonly accessKeyId: string;
  readonly roleArn: string;
  readonly sessionName: string;
  /** The access key id of whoever assumed the role (the App's base credentials). */
  readonly assumedBy: string;
}

/** The sessions AssumeRole handed out, so tests can tell which role made each call. */
export class StsSessions {
  private readonly byKey = new Map<string, AssumedSession>();

  add(session: AssumedSession): void {
    this.byKey.set(session.accessKeyId, session);
  }

  /** The session a caller's access key belongs to; undefined for base (not assumed) credentials. */
  get(accessKeyId: string): AssumedSession | undefined {
    return this.byKey.get(accessKeyId);
  }

  all(): AssumedSession[] {
    return [...this.byKey.values()];
  }
}

/**
 * STS over awsQuery: GetCallerIdentity ("which account am I in") and AssumeRole, which hands out
 * a session whose access key the call log then names as the caller. Trust policies are not
 * evaluated (the emulator evaluates no IAM); test/security/iam-isolation.test.ts does that.
 */
export class StsApi implements ServiceHandler {
  constructor(
    private readonly accountId: string,
    private readonly sessions: StsSessions = new StsSessions(),
  ) {}

  operationOf(request: ServiceRequest): string {
    return QueryParams.fromBody(request.body.toString("utf8")).action || "Unknown";
  }

  async handle(request: ServiceRequest, operation: string): Promise<ServiceResponse> {
    const params = QueryParams.fromBody(request.body.toString("utf8"));
    const caller = callerOf(request.headers);
    let result: string;
    switch (operation) {
      case "GetCallerIdentity": {
        const role = this.sessions.get(caller);
        result =
          text("UserId", "AIDAEMULATOR000000001") +
          text("Account", this.accountId) +
          text("Arn", role ? assumedArn(role) : `arn:aws:iam::${this.accountId}:user/branchline-emulator`);
        break;
      }
      case "AssumeRole":
        result = this.assumeRole(params, caller);
        break;
      default:
        throw new AwsError("InvalidAction", `Could not find operation ${operation} for version 2011-06-15`, 400);
    }
    return { status: 200, headers: XML, body: queryResponse(STS, operation, result, request.requestId) };
  }

  private assumeRole(params: QueryParams, caller: string): string {
    const roleArn = params.string("RoleArn") ?? "";
    const sessionName = params.string("RoleSessionName") ?? "";
    const role = ROLE_ARN.exec(roleArn);
    if (!role)
      throw new AwsError(
        "ValidationError",
        `1 validation error detected: Value '${roleArn}' at 'roleArn' failed to satisfy constraint`,
        400,
      );
    if (!SESSION_NAME.test(sessionName))
      throw new AwsError(
        "ValidationError",
        `1 validation error detected: Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint`,
        400,
      );
    const duration = params.number("DurationSeconds") ?? 3600;
    if (!Number.isInteger(duration) || duration < 900 || duration > 43_200)
      throw new AwsError(
        "ValidationError",
        "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
        400,
      );
    const session: AssumedSession = { accessKeyId: `ASIA${upperToken(16)}`, roleArn, sessionName, assumedBy: caller };
    this.sessions.add(session);
    return (
      node(
        "Credentials",
        text("AccessKeyId", session.accessKeyId),
        text("SecretAccessKey", upperToken(40)),
        text("SessionToken", upperToken(64)),
        text("Expiration", new Date(Date.now() + duration * 1000).toISOString()),
      ) +
      node(
        "AssumedRoleUser",
        text("AssumedRoleId", `AROA${upperToken(17)}:${sessionName}`),
        text("Arn", assumedArn(session)),
      ) +
      text("PackedPolicySize", 0)
    );
  }

  renderError(error: AwsError, request: ServiceRequest): ServiceResponse {
    return { status: error.status, headers: XML, body: queryErrorResponse(STS, error, request.requestId) };
  }

  faultError(kind: "throttle" | "server-error"): AwsError {
    return kind === "throttle"
      ? new AwsError("Throttling", "Rate exceeded", 400)
      : new AwsError("InternalFailure", "An internal error occurred.", 500);
  }
}

function assumedArn(session: AssumedSession): string {
  const [, account, name] = ROLE_ARN.exec(session.roleArn)!;
  return `arn:aws:sts::${account}:assumed-role/${name}/${session.sessionName}`;
}
