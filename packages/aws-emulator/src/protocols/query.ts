import type { AwsError } from "../errors.js";
import { node, text } from "./xml.js";

/**
 * The awsQuery protocol (CloudFormation, STS): form-encoded POST parameters in, XML out.
 * Lists arrive flattened as `Name.member.N` and structures as `Name.Field`.
 */
export class QueryParams {
  constructor(private readonly params: URLSearchParams) {}

  static fromBody(body: string): QueryParams {
    return new QueryParams(new URLSearchParams(body));
  }

  get action(): string {
    return this.params.get("Action") ?? "";
  }

  string(name: string): string | undefined {
    return this.params.get(name) ?? undefined;
  }

  boolean(name: string): boolean | undefined {
    const value = this.params.get(name);
    return value === null ? undefined : value === "true";
  }

  number(name: string): number | undefined {
    const value = this.params.get(name);
    return value === null ? undefined : Number(value);
  }

  /** `Name.member.1`, `Name.member.2`... as scalars. */
  strings(name: string): string[] | undefined {
    return this.indexed(name, (prefix) => this.params.get(prefix) ?? undefined);
  }

  /** `Name.member.N.Field` structures, each read through a view rooted at its prefix. */
  structs<T>(name: string, read: (item: QueryParams, prefix: string) => T): T[] | undefined {
    return this.indexed(name, (prefix) => {
      const present = [...this.params.keys()].some((key) => key.startsWith(`${prefix}.`));
      return present ? read(this, prefix) : undefined;
    });
  }

  /** An empty list is sent as `Name=` (no members); that is present but empty. */
  private indexed<T>(name: string, read: (prefix: string) => T | undefined): T[] | undefined {
    const items: T[] = [];
    for (let index = 1; ; index++) {
      const item = read(`${name}.member.${index}`);
      if (item === undefined) break;
      items.push(item);
    }
    if (items.length > 0) return items;
    return this.params.has(name) ? [] : undefined;
  }
}

export interface QueryService {
  readonly xmlns: string;
}

/** `<XResponse xmlns><XResult>...</XResult><ResponseMetadata>...</ResponseMetadata></XResponse>`. */
export function queryResponse(service: QueryService, action: string, result: string, requestId: string): string {
  return (
    `<${action}Response xmlns="${service.xmlns}">` +
    node(`${action}Result`, result) +
    node("ResponseMetadata", text("RequestId", requestId)) +
    `</${action}Response>`
  );
}

export function queryErrorResponse(service: QueryService, error: AwsError, requestId: string): string {
  return (
    `<ErrorResponse xmlns="${service.xmlns}">` +
    node("Error", text("Type", error.faultType), text("Code", error.code), text("Message", error.message)) +
    text("RequestId", requestId) +
    `</ErrorResponse>`
  );
}
