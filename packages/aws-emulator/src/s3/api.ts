import { AwsError } from "../errors.js";
import { decodeAwsChunked, isAwsChunked } from "../protocols/aws-chunked.js";
import { restXmlErrorBody, s3Document } from "../protocols/rest-xml.js";
import { child, childText, node, readXml, text } from "../protocols/xml.js";
import type { ServiceHandler, ServiceRequest, ServiceResponse } from "../service.js";
import { listObjectVersions, listObjectsV2 } from "./listing.js";
import type { ObjectVersion, S3Store } from "./store.js";

/** S3 REST-XML, path style only (`/bucket/key`), which the SDK uses by itself with an IP endpoint. */

interface Target {
  readonly bucket: string | undefined;
  readonly key: string | undefined;
}

function target(path: string): Target {
  const trimmed = path.replace(/^\/+/, "");
  if (trimmed === "") return { bucket: undefined, key: undefined };
  const slash = trimmed.indexOf("/");
  if (slash < 0) return { bucket: decodeURIComponent(trimmed), key: undefined };
  const key = trimmed.slice(slash + 1);
  return { bucket: decodeURIComponent(trimmed.slice(0, slash)), key: key === "" ? undefined : decodeURIComponent(key) };
}

const XML = { "content-type": "application/xml" };

function objectHeaders(object: ObjectVersion, versioned: boolean): Record<string, string> {
  const headers: Record<string, string> = {
    etag: object.etag,
    "last-modified": object.lastModified.toUTCString(),
    "content-length": String(object.body.length),
    "content-type": object.contentType ?? "binary/octet-stream",
    "accept-ranges": "bytes",
  };
  if (versioned) headers["x-amz-version-id"] = object.versionId;
  for (const [name, value] of Object.entries(object.metadata)) headers[`x-amz-meta-${name}`] = value;
  return headers;
}

export class S3Api implements ServiceHandler {
  constructor(private readonly store: S3Store) {}

  operationOf(request: ServiceRequest): string {
    const { bucket, key } = target(request.path);
    const q = request.query;
    const method = request.method;
    if (!bucket) return method === "GET" ? "ListBuckets" : "Unknown";
    if (key === undefined) {
      switch (method) {
        case "PUT":
          return q.has("versioning") ? "PutBucketVersioning" : "CreateBucket";
        case "DELETE":
          return "DeleteBucket";
        case "HEAD":
          return "HeadBucket";
        case "POST":
          return q.has("delete") ? "DeleteObjects" : "Unknown";
        case "GET":
          if (q.has("versioning")) return "GetBucketVersioning";
          if (q.has("versions")) return "ListObjectVersions";
          if (q.has("location")) return "GetBucketLocation";
          return q.get("list-type") === "2" ? "ListObjectsV2" : "ListObjects";
      }
      return "Unknown";
    }
    switch (method) {
      case "PUT":
        return "PutObject";
      case "GET":
        return "GetObject";
      case "HEAD":
        return "HeadObject";
      case "DELETE":
        return "DeleteObject";
    }
    return "Unknown";
  }

  async handle(request: ServiceRequest, operation: string): Promise<ServiceResponse> {
    const { bucket = "", key = "" } = target(request.path);
    const q = request.query;
    switch (operation) {
      case "ListBuckets":
        return this.listBuckets();
      case "CreateBucket": {
        const body = request.body.length > 0 ? readXml(request.body.toString("utf8")) : undefined;
        const region = body ? childText(body, "LocationConstraint") : undefined;
        this.store.createBucket(bucket, region || undefined);
        return { status: 200, headers: { location: `/${bucket}` } };
      }
      case "DeleteBucket":
        this.store.deleteBucket(bucket);
        return { status: 204 };
      case "HeadBucket": {
        const found = this.store.find(bucket);
        if (!found) return { status: 404 };
        return { status: 200, headers: { "x-amz-bucket-region": found.region } };
      }
      case "GetBucketLocation": {
        const found = this.store.get(bucket);
        return {
          status: 200,
          headers: XML,
          body: s3Document("LocationConstraint", found.region === "us-east-1" ? "" : found.region),
        };
      }
      case "PutBucketVersioning": {
        const status = childText(readXml(request.body.toString("utf8")), "Status");
        if (status !== "Enabled" && status !== "Suspended") {
          throw new AwsError(
            "MalformedXML",
            "The XML you provided was not well-formed or did not validate against our published schema",
            400,
          );
        }
        this.store.setVersioning(bucket, status);
        return { status: 200 };
      }
      case "GetBucketVersioning": {
        const found = this.store.get(bucket);
        const status = found.versioning === "Unversioned" ? "" : text("Status", found.versioning);
        return { status: 200, headers: XML, body: s3Document("VersioningConfiguration", status) };
      }
      case "ListObjectsV2":
        return { status: 200, headers: XML, body: listObjectsV2(this.store, this.store.get(bucket), q) };
      case "ListObjectVersions":
        return { status: 200, headers: XML, body: listObjectVersions(this.store, this.store.get(bucket), q) };
      case "DeleteObjects":
        return this.deleteObjects(bucket, request.body.toString("utf8"));
      case "PutObject":
        return this.putObject(bucket, key, request);
      case "GetObject":
      case "HeadObject":
        return this.getObject(bucket, key, q.get("versionId") ?? undefined, operation === "HeadObject");
      case "DeleteObject": {
        const outcome = this.store.deleteObject(bucket, key, q.get("versionId") ?? undefined);
        const headers: Record<string, string> = {};
        if (outcome.versionId) headers["x-amz-version-id"] = outcome.versionId;
        if (outcome.deleteMarker) headers["x-amz-delete-marker"] = "true";
        return { status: 204, headers };
      }
      default:
        throw new AwsError("NotImplemented", `The emulator does not implement ${request.method} ${request.path}`, 501);
    }
  }

  renderError(error: AwsError, request: ServiceRequest): ServiceResponse {
    // HEAD responses have no body; the SDK names the error from the status code.
    if (request.method === "HEAD") return { status: error.status };
    return { status: error.status, headers: XML, body: restXmlErrorBody(error, request.requestId) };
  }

  faultError(kind: "throttle" | "server-error"): AwsError {
    return kind === "throttle"
      ? new AwsError("SlowDown", "Please reduce your request rate.", 503)
      : new AwsError("InternalError", "We encountered an internal error. Please try again.", 500);
  }

  private listBuckets(): ServiceResponse {
    const buckets = this.store
      .list()
      .map((b) =>
        node("Bucket", text("Name", b.name), text("CreationDate", b.creationDate), text("BucketRegion", b.region)),
      )
      .join("");
    const owner = node("Owner", text("ID", "emulator"), text("DisplayName", "emulator"));
    return { status: 200, headers: XML, body: s3Document("ListAllMyBucketsResult", owner + node("Buckets", buckets)) };
  }

  private putObject(bucket: string, key: string, request: ServiceRequest): ServiceResponse {
    const body = isAwsChunked(request.headers) ? decodeAwsChunked(request.body) : request.body;
    const metadata: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (name.startsWith("x-amz-meta-") && typeof value === "string") metadata[name.slice(11)] = value;
    }
    const contentType = request.headers["content-type"];
    const version = this.store.putObject(bucket, key, { body, contentType, metadata });
    const headers: Record<string, string> = { etag: version.etag };
    if (version.versionId !== "null") headers["x-amz-version-id"] = version.versionId;
    return { status: 200, headers };
  }

  private getObject(bucket: string, key: string, versionId: string | undefined, headOnly: boolean): ServiceResponse {
    const found = this.store.get(bucket);
    const object = this.store.getObject(bucket, key, versionId);
    return {
      status: 200,
      headers: objectHeaders(object, found.versioning !== "Unversioned"),
      body: headOnly ? undefined : object.body,
    };
  }

  private deleteObjects(bucket: string, xml: string): ServiceResponse {
    this.store.get(bucket);
    const request = readXml(xml);
    const quiet = childText(request, "Quiet") === "true";
    const results: string[] = [];
    for (const entry of request.children.filter((c) => c.name === "Object")) {
      const key = childText(entry, "Key") ?? "";
      const versionId = child(entry, "VersionId")?.text;
      try {
        const outcome = this.store.deleteObject(bucket, key, versionId);
        if (quiet) continue;
        const marker = outcome.deleteMarker
          ? text("DeleteMarker", true) + (versionId ? "" : text("DeleteMarkerVersionId", outcome.versionId))
          : "";
        results.push(node("Deleted", text("Key", key), versionId ? text("VersionId", versionId) : "", marker));
      } catch (error) {
        if (!(error instanceof AwsError)) throw error;
        results.push(
          node(
            "Error",
            text("Key", key),
            text("VersionId", versionId),
            text("Code", error.code),
            text("Message", error.message),
          ),
        );
      }
    }
    return { status: 200, headers: XML, body: s3Document("DeleteResult", results.join("")) };
  }
}
