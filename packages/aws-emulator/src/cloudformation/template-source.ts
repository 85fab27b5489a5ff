import { AwsError, validationError } from "../errors.js";
import type { S3Store } from "../s3/store.js";
import { checkBodySize } from "./template.js";

/** TemplateURL objects may be up to 1 MB, against 51,200 bytes for an inline TemplateBody. */
const MAX_TEMPLATE_URL_OBJECT = 1_000_000;

interface S3Location {
  readonly bucket: string;
  readonly key: string;
}

/**
 * Where a TemplateURL points in S3: the emulator's own path-style URL, or one of AWS's forms
 * (`bucket.s3.amazonaws.com/key`, `bucket.s3.REGION.amazonaws.com/key`, `s3.REGION.amazonaws.com/bucket/key`).
 */
export function s3LocationOf(templateUrl: string): S3Location | undefined {
  let url: URL;
  try {
    url = new URL(templateUrl);
  } catch {
    return undefined;
  }
  const path = url.pathname.replace(/^\/+/, "");
  const host = url.hostname;
  const virtualHosted = /^(.+)\.s3(?:[.-][a-z0-9-]+)?\.amazonaws\.com(?:\.cn)?$/.exec(host);
  if (virtualHosted) return { bucket: virtualHosted[1]!, key: decodeURIComponent(path) };
  const pathStyle =
    /^s3(?:[.-][a-z0-9-]+)?\.amazonaws\.com(?:\.cn)?$/.test(host) ||
    host === "127.0.0.1" ||
    host === "localhost" ||
    host === "[::1]";
  if (!pathStyle) return undefined;
  const slash = path.indexOf("/");
  if (slash <= 0) return undefined;
  return { bucket: decodeURIComponent(path.slice(0, slash)), key: decodeURIComponent(path.slice(slash + 1)) };
}

export function templateBodyFrom(input: { body?: string; url?: string }, s3: S3Store): string {
  if (input.body !== undefined && input.url !== undefined) {
    throw validationError("You cannot specify both TemplateURL and TemplateBody");
  }
  if (input.body !== undefined) {
    checkBodySize(input.body);
    return input.body;
  }
  if (input.url === undefined) throw validationError("Either Template URL or Template Body must be specified.");
  const location = s3LocationOf(input.url);
  if (!location) throw validationError("TemplateURL must be a supported URL.");
  try {
    const object = s3.getObject(location.bucket, location.key);
    if (object.body.length > MAX_TEMPLATE_URL_OBJECT) {
      throw validationError("Template may not exceed 1000000 bytes in size.");
    }
    return object.body.toString("utf8");
  } catch (error) {
    if (error instanceof AwsError && error.status === 404) {
      throw validationError(
        `S3 error: Unable to get object metadata from S3. Check object key, region and/or access permissions.`,
      );
    }
    throw error;
  }
}
