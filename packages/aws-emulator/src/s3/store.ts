import { AwsError } from "../errors.js";
import { md5Hex, versionId as newVersionId } from "../ids.js";

/** Never versioned, then Enabled, and Suspended after being enabled: a bucket never goes back. */
export type VersioningStatus = "Unversioned" | "Enabled" | "Suspended";

export interface ObjectVersion {
  readonly key: string;
  /** "null" for objects written while versioning was off or suspended, as S3 reports them. */
  readonly versionId: string;
  readonly isDeleteMarker: boolean;
  readonly body: Buffer;
  readonly etag: string;
  readonly lastModified: Date;
  readonly contentType: string | undefined;
  readonly metadata: Readonly<Record<string, string>>;
}

export interface Bucket {
  readonly name: string;
  readonly region: string;
  readonly creationDate: Date;
  versioning: VersioningStatus;
  /** key -> versions, oldest first; the last one is current. */
  readonly objects: Map<string, ObjectVersion[]>;
}

export interface PutInput {
  readonly body: Buffer;
  readonly contentType?: string;
  readonly metadata?: Record<string, string>;
}

export interface DeleteOutcome {
  readonly versionId?: string;
  readonly deleteMarker: boolean;
}

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export function noSuchBucket(name: string): AwsError {
  return new AwsError("NoSuchBucket", "The specified bucket does not exist", 404, { BucketName: name });
}

export class S3Store {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly now: () => Date,
    private readonly defaultRegion: string,
  ) {}

  list(): Bucket[] {
    return [...this.buckets.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  find(name: string): Bucket | undefined {
    return this.buckets.get(name);
  }

  get(name: string): Bucket {
    const bucket = this.buckets.get(name);
    if (!bucket) throw noSuchBucket(name);
    return bucket;
  }

  createBucket(name: string, region = this.defaultRegion): Bucket {
    if (!BUCKET_NAME.test(name) || name.includes("..")) {
      throw new AwsError("InvalidBucketName", "The specified bucket is not valid.", 400, { BucketName: name });
    }
    const existing = this.buckets.get(name);
    // us-east-1 answers 200 to a repeated create by the owner (legacy behaviour AWS documents); other regions refuse.
    if (existing && existing.region === "us-east-1" && region === "us-east-1") return existing;
    if (existing) {
      throw new AwsError(
        "BucketAlreadyOwnedByYou",
        "Your previous request to create the named bucket succeeded and you already own it.",
        409,
        { BucketName: name },
      );
    }
    const bucket: Bucket = { name, region, creationDate: this.now(), versioning: "Unversioned", objects: new Map() };
    this.buckets.set(name, bucket);
    return bucket;
  }

  /** Versions and delete markers count: a versioned bucket is empty only when both are gone. */
  isEmpty(bucket: Bucket): boolean {
    return bucket.objects.size === 0;
  }

  deleteBucket(name: string): void {
    const bucket = this.get(name);
    if (!this.isEmpty(bucket)) {
      throw new AwsError("BucketNotEmpty", "The bucket you tried to delete is not empty", 409, { BucketName: name });
    }
    this.buckets.delete(name);
  }

  setVersioning(name: string, status: "Enabled" | "Suspended"): void {
    const bucket = this.get(name);
    if (status === "Suspended" && bucket.versioning === "Unversioned") return;
    bucket.versioning = status;
  }

  putObject(bucketName: string, key: string, input: PutInput): ObjectVersion {
    const bucket = this.get(bucketName);
    const version: ObjectVersion = {
      key,
      versionId: bucket.versioning === "Enabled" ? newVersionId() : "null",
      isDeleteMarker: false,
      body: input.body,
      etag: `"${md5Hex(input.body)}"`,
      lastModified: this.now(),
      contentType: input.contentType,
      metadata: input.metadata ?? {},
    };
    this.addVersion(bucket, version);
    return version;
  }

  /** The current version, or a specific one; a delete marker as current means "no such key". */
  getObject(bucketName: string, key: string, versionId?: string): ObjectVersion {
    const bucket = this.get(bucketName);
    const versions = bucket.objects.get(key) ?? [];
    const found = versionId === undefined ? versions.at(-1) : versions.find((v) => v.versionId === versionId);
    if (!found) {
      if (versionId !== undefined) {
        throw new AwsError("NoSuchVersion", "The specified version does not exist.", 404, {
          Key: key,
          VersionId: versionId,
        });
      }
      throw new AwsError("NoSuchKey", "The specified key does not exist.", 404, { Key: key });
    }
    if (found.isDeleteMarker) {
      throw new AwsError(
        versionId ? "MethodNotAllowed" : "NoSuchKey",
        "The specified key does not exist.",
        versionId ? 405 : 404,
        { Key: key },
      );
    }
    return found;
  }

  deleteObject(bucketName: string, key: string, versionId?: string): DeleteOutcome {
    const bucket = this.get(bucketName);
    const versions = bucket.objects.get(key) ?? [];
    if (versionId !== undefined) {
      const target = versions.find((v) => v.versionId === versionId);
      const remaining = versions.filter((v) => v.versionId !== versionId);
      if (remaining.length === 0) bucket.objects.delete(key);
      else bucket.objects.set(key, remaining);
      return { versionId, deleteMarker: target?.isDeleteMarker ?? false };
    }
    switch (bucket.versioning) {
      case "Unversioned":
        bucket.objects.delete(key);
        return { deleteMarker: false };
      case "Enabled":
      case "Suspended": {
        const marker: ObjectVersion = {
          key,
          versionId: bucket.versioning === "Enabled" ? newVersionId() : "null",
          isDeleteMarker: true,
          body: Buffer.alloc(0),
          etag: "",
          lastModified: this.now(),
          contentType: undefined,
          metadata: {},
        };
        this.addVersion(bucket, marker);
        return { versionId: marker.versionId, deleteMarker: true };
      }
    }
  }

  /** Objects whose current version is not a delete marker, by key. */
  currentObjects(bucket: Bucket): ObjectVersion[] {
    return [...bucket.objects.keys()]
      .sort()
      .map((key) => bucket.objects.get(key)!.at(-1)!)
      .filter((v) => !v.isDeleteMarker);
  }

  /** Every version and delete marker: keys ascending, each key's versions newest first. */
  allVersions(bucket: Bucket): ObjectVersion[] {
    return [...bucket.objects.keys()].sort().flatMap((key) => [...bucket.objects.get(key)!].reverse());
  }

  private addVersion(bucket: Bucket, version: ObjectVersion): void {
    const existing = bucket.objects.get(version.key) ?? [];
    // A "null" version is overwritten in place, as S3 does when versioning is off or suspended.
    const kept = version.versionId === "null" ? existing.filter((v) => v.versionId !== "null") : existing;
    bucket.objects.set(version.key, [...kept, version]);
  }
}
