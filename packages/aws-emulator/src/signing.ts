import type { IncomingHttpHeaders } from "node:http";

/**
 * Which service a request is for, read from its SigV4 credential scope
 * (`Credential=AKID/date/region/SERVICE/aws4_request`), in the Authorization header or, for
 * presigned URLs, the X-Amz-Credential query parameter. Signatures are not checked.
 */
export function serviceOf(headers: IncomingHttpHeaders, query: URLSearchParams): string | undefined {
  const authorization = headers.authorization ?? "";
  const fromHeader = /Credential=([^,\s]+)/.exec(authorization)?.[1];
  const scope = fromHeader ?? query.get("X-Amz-Credential") ?? undefined;
  return scope?.split("/")[3];
}
