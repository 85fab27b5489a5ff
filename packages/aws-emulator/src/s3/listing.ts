import { text, node } from "../protocols/xml.js";
import { s3Document } from "../protocols/rest-xml.js";
import type { Bucket, ObjectVersion, S3Store } from "./store.js";

/** ListObjectsV2 and ListObjectVersions, with S3's pagination markers. */

function clampMaxKeys(raw: string | null): number {
  const value = raw === null ? 1000 : Number(raw);
  return Number.isFinite(value) ? Math.max(0, Math.min(1000, value)) : 1000;
}

function objectXml(object: ObjectVersion): string {
  return (
    text("Key", object.key) +
    text("LastModified", object.lastModified) +
    text("ETag", object.etag) +
    text("Size", object.body.length) +
    text("StorageClass", "STANDARD")
  );
}

export function listObjectsV2(store: S3Store, bucket: Bucket, query: URLSearchParams): string {
  const prefix = query.get("prefix") ?? "";
  const delimiter = query.get("delimiter") ?? "";
  const maxKeys = clampMaxKeys(query.get("max-keys"));
  const token = query.get("continuation-token");
  const startAfter = query.get("start-after") ?? "";
  const after = token ? Buffer.from(token, "base64url").toString("utf8") : startAfter;

  // Keys and common prefixes form one ordered sequence; MaxKeys counts both.
  const entries: ({ kind: "object"; key: string; object: ObjectVersion } | { kind: "prefix"; key: string })[] = [];
  const seenPrefixes = new Set<string>();
  for (const object of store.currentObjects(bucket)) {
    if (!object.key.startsWith(prefix)) continue;
    const rest = object.key.slice(prefix.length);
    const cut = delimiter ? rest.indexOf(delimiter) : -1;
    if (cut >= 0) {
      const common = prefix + rest.slice(0, cut + delimiter.length);
      if (!seenPrefixes.has(common)) {
        seenPrefixes.add(common);
        entries.push({ kind: "prefix", key: common });
      }
    } else {
      entries.push({ kind: "object", key: object.key, object });
    }
  }
  const remaining = entries.filter((e) => e.key > after);
  const page = remaining.slice(0, maxKeys);
  const truncated = remaining.length > page.length;
  const last = page.at(-1);
  return s3Document(
    "ListBucketResult",
    text("Name", bucket.name) +
      text("Prefix", prefix) +
      (delimiter ? text("Delimiter", delimiter) : "") +
      text("MaxKeys", maxKeys) +
      text("KeyCount", page.length) +
      text("IsTruncated", truncated) +
      (token ? text("ContinuationToken", token) : "") +
      (startAfter ? text("StartAfter", startAfter) : "") +
      (truncated && last ? text("NextContinuationToken", Buffer.from(last.key).toString("base64url")) : "") +
      page
        .map((e) =>
          e.kind === "object" ? node("Contents", objectXml(e.object)) : node("CommonPrefixes", text("Prefix", e.key)),
        )
        .join(""),
  );
}

export function listObjectVersions(store: S3Store, bucket: Bucket, query: URLSearchParams): string {
  const prefix = query.get("prefix") ?? "";
  const maxKeys = clampMaxKeys(query.get("max-keys"));
  const keyMarker = query.get("key-marker") ?? "";
  const versionIdMarker = query.get("version-id-marker") ?? "";
  const all = store.allVersions(bucket).filter((v) => v.key.startsWith(prefix));
  let start = 0;
  if (keyMarker) {
    const exact = versionIdMarker ? all.findIndex((v) => v.key === keyMarker && v.versionId === versionIdMarker) : -1;
    start = exact >= 0 ? exact + 1 : all.findIndex((v) => v.key > keyMarker);
    if (start < 0) start = all.length;
  }
  const page = all.slice(start, start + maxKeys);
  const truncated = start + page.length < all.length;
  const last = page.at(-1);
  const isLatest = (v: ObjectVersion) => bucket.objects.get(v.key)?.at(-1) === v;
  const items = page
    .map((v) =>
      v.isDeleteMarker
        ? node(
            "DeleteMarker",
            text("Key", v.key),
            text("VersionId", v.versionId),
            text("IsLatest", isLatest(v)),
            text("LastModified", v.lastModified),
          )
        : node(
            "Version",
            text("Key", v.key),
            text("VersionId", v.versionId),
            text("IsLatest", isLatest(v)),
            text("LastModified", v.lastModified),
            text("ETag", v.etag),
            text("Size", v.body.length),
            text("StorageClass", "STANDARD"),
          ),
    )
    .join("");
  return s3Document(
    "ListVersionsResult",
    text("Name", bucket.name) +
      text("Prefix", prefix) +
      text("KeyMarker", keyMarker) +
      text("VersionIdMarker", versionIdMarker) +
      text("MaxKeys", maxKeys) +
      text("IsTruncated", truncated) +
      (truncated && last ? text("NextKeyMarker", last.key) + text("NextVersionIdMarker", last.versionId) : "") +
      items,
  );
}
