import { AwsError } from "./errors.js";
import { QueryParams, queryErrorResponse, queryResponse } from "./protocols/query.js";
import { text } from "./protocols/xml.js";
import type { ServiceHandler, ServiceRequest, ServiceResponse } from "./service.js";

const STS = { xmlns: "https://sts.amazonaws.com/doc/2011-06-15/" };
const XML = { "content-type": "text/xml" };

/** STS over awsQuery: GetCallerIdentity, so "which account am I in" works as against AWS. */
export class StsApi implements ServiceHandler {
  constructor(private readonly accountId: string) {}

  operationOf(request: ServiceRequest): string {
    return QueryParams.fromBody(request.body.toString("utf8")).action || "Unknown";
  }

  async handle(request: ServiceRequest, operation: string): Promise<ServiceResponse> {
    if (operation !== "GetCallerIdentity") {
      throw new AwsError("InvalidAction", `Could not find operation ${operation} for version 2011-06-15`, 400);
    }
    const result =
      text("UserId", "AIDAEMULATOR000000001") +
      text("Account", this.accountId) +
      text("Arn", `arn:aws:iam::${this.accountId}:user/branchline-emulator`);
    return { status: 200, headers: XML, body: queryResponse(STS, operation, result, request.requestId) };
  }

  renderError(error: AwsError, request: ServiceRequest): ServiceResponse {
    return { status: error.status, headers: XML, body: queryErrorResponse(STS, error, request.requestId) };
  }

  faultError(kind: "throttle" | "server-error"): AwsError {
    return kind === "throttle" ? new AwsError("Throttling", "Rate exceeded", 400) : new AwsError("InternalFailure", "An internal error occurred.", 500);
  }
}
