import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { failure, sandbox, type Sandbox } from "./harness.js";

let aws: Sandbox;
beforeAll(async () => {
  aws = await sandbox();
});
afterAll(async () => {
  await aws.close();
});

describe("S3 buckets", () => {
  it("creates, heads, lists and deletes a bucket", async () => {
    await aws.s3.send(new CreateBucketCommand({ Bucket: "life-cycle" }));
    const head = await aws.s3.send(new HeadBucketCommand({ Bucket: "life-cycle" }));
    expect(head.BucketRegion).toBe("us-east-1");
    const listed = await aws.s3.send(new ListBucketsCommand({}));
    expect(listed.Buckets?.map((b) => b.Name)).toContain("life-cycle");
    expect(listed.Buckets?.[0]?.CreationDate).toBeInstanceOf(Date);
    await aws.s3.send(new DeleteBucketCommand({ Bucket: "life-cycle" }));
    const missing = await failure(() => aws.s3.send(new HeadBucketCommand({ Bucket: "life-cycle" })));
    expect(missing.name).toBe("NotFound");
    expect(missing.$metadata?.httpStatusCode).toBe(404);
  });

  it("answers a repeated create as S3 does (200 in us-east-1, refused elsewhere) and refuses invalid names", async () => {
    await aws.s3.send(new CreateBucketCommand({ Bucket: "twice" }));
    await aws.s3.send(new CreateBucketCommand({ Bucket: "twice" }));
    const elsewhere = { Bucket: "twice-eu", CreateBucketConfiguration: { LocationConstraint: "eu-west-1" as const } };
    await aws.s3.send(new CreateBucketCommand(elsewhere));
    expect((await failure(() => aws.s3.send(new CreateBucketCommand(elsewhere)))).name).toBe("BucketAlreadyOwnedByYou");
    expect((await aws.s3.send(new HeadBucketCommand({ Bucket: "twice-eu" }))).BucketRegion).toBe("eu-west-1");
    expect((await failure(() => aws.s3.send(new CreateBucketCommand({ Bucket: "Not_Valid" })))).name).toBe(
      "InvalidBucketName",
    );
  });

  it("refuses to delete a bucket that holds objects (BucketNotEmpty)", async () => {
    await aws.s3.send(new CreateBucketCommand({ Bucket: "full" }));
    await aws.s3.send(new PutObjectCommand({ Bucket: "full", Key: "a.txt", Body: "a" }));
    const error = await failure(() => aws.s3.send(new DeleteBucketCommand({ Bucket: "full" })));
    expect(error.name).toBe("BucketNotEmpty");
    expect(error.message).toBe("The bucket you tried to delete is not empty");
    expect(error.$metadata?.httpStatusCode).toBe(409);
  });

  it("answers NoSuchBucket for a missing bucket", async () => {
    const error = await failure(() => aws.s3.send(new ListObjectsV2Command({ Bucket: "nowhere" })));
    expect(error.name).toBe("NoSuchBucket");
  });
});

describe("S3 objects", () => {
  it("puts, gets, heads and deletes an object with metadata", async () => {
    await aws.s3.send(new CreateBucketCommand({ Bucket: "objects" }));
    const put = await aws.s3.send(
      new PutObjectCommand({
        Bucket: "objects",
        Key: "dir/hello world.txt",
        Body: "hello",
        ContentType: "text/plain",
        Metadata: { owner: "me" },
      }),
    );
    expect(put.ETag).toBe('"5d41402abc4b2a76b9719d911017c592"');
    const got = await aws.s3.send(new GetObjectCommand({ Bucket: "objects", Key: "dir/hello world.txt" }));
    expect(await got.Body?.transformToString()).toBe("hello");
    expect(got.ContentType).toBe("text/plain");
    expect(got.Metadata).toEqual({ owner: "me" });
    const head = await aws.s3.send(new HeadObjectCommand({ Bucket: "objects", Key: "dir/hello world.txt" }));
    expect(head.ContentLength).toBe(5);
    await aws.s3.send(new DeleteObjectCommand({ Bucket: "objects", Key: "dir/hello world.txt" }));
    const missing = await failure(() =>
      aws.s3.send(new GetObjectCommand({ Bucket: "objects", Key: "dir/hello world.txt" })),
    );
    expect(missing.name).toBe("NoSuchKey");
    expect(
      (await failure(() => aws.s3.send(new HeadObjectCommand({ Bucket: "objects", Key: "dir/hello world.txt" })))).name,
    ).toBe("NotFound");
  });

  it("pages ListObjectsV2 with MaxKeys and continuation tokens, and groups by delimiter", async () => {
    await aws.s3.send(new CreateBucketCommand({ Bucket: "paged" }));
    const keys = Array.from({ length: 7 }, (_, i) => `k/${String(i).padStart(2, "0")}`);
    for (const key of [...keys, "top.txt", "other/x"])
      await aws.s3.send(new PutObjectCommand({ Bucket: "paged", Key: key, Body: key }));
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await aws.s3.send(
        new ListObjectsV2Command({ Bucket: "paged", Prefix: "k/", MaxKeys: 3, ContinuationToken: token }),
      );
      seen.push(...(page.Contents ?? []).map((c) => c.Key!));
      expect(page.KeyCount).toBe(page.Contents?.length);
      token = page.NextContinuationToken;
      expect(page.IsTruncated).toBe(token !== undefined);
      pages++;
    } while (token);
    expect(seen).toEqual(keys);
    expect(pages).toBe(3);
    const grouped = await aws.s3.send(new ListObjectsV2Command({ Bucket: "paged", Delimiter: "/" }));
    expect(grouped.CommonPrefixes?.map((p) => p.Prefix)).toEqual(["k/", "other/"]);
    expect(grouped.Contents?.map((c) => c.Key)).toEqual(["top.txt"]);
  });

  it("deletes in batches with DeleteObjects, quietly or not", async () => {
    await aws.s3.send(new CreateBucketCommand({ Bucket: "batch" }));
    for (const key of ["a", "b", "c"])
      await aws.s3.send(new PutObjectCommand({ Bucket: "batch", Key: key, Body: key }));
    const loud = await aws.s3.send(
      new DeleteObjectsCommand({ Bucket: "batch", Delete: { Objects: [{ Key: "a" }, { Key: "b" }] } }),
    );
    expect(loud.Deleted?.map((d) => d.Key).sort()).toEqual(["a", "b"]);
    const quiet = await aws.s3.send(
      new DeleteObjectsCommand({ Bucket: "batch", Delete: { Objects: [{ Key: "c" }], Quiet: true } }),
    );
    expect(quiet.Deleted ?? []).toEqual([]);
    const left = await aws.s3.send(new ListObjectsV2Command({ Bucket: "batch" }));
    expect(left.KeyCount).toBe(0);
    await aws.s3.send(new DeleteBucketCommand({ Bucket: "batch" }));
  });
});

describe("S3 versioning", () => {
  it("keeps versions and delete markers, and lists them paginated", async () => {
    await aws.s3.send(new CreateBucketCommand({ Bucket: "versioned" }));
    expect((await aws.s3.send(new GetBucketVersioningCommand({ Bucket: "versioned" }))).Status).toBeUndefined();
    await aws.s3.send(
      new PutBucketVersioningCommand({ Bucket: "versioned", VersioningConfiguration: { Status: "Enabled" } }),
    );
    expect((await aws.s3.send(new GetBucketVersioningCommand({ Bucket: "versioned" }))).Status).toBe("Enabled");
    const v1 = await aws.s3.send(new PutObjectCommand({ Bucket: "versioned", Key: "doc", Body: "one" }));
    const v2 = await aws.s3.send(new PutObjectCommand({ Bucket: "versioned", Key: "doc", Body: "two" }));
    expect(v1.VersionId).toBeTruthy();
    expect(v2.VersionId).not.toBe(v1.VersionId);
    const old = await aws.s3.send(new GetObjectCommand({ Bucket: "versioned", Key: "doc", VersionId: v1.VersionId }));
    expect(await old.Body?.transformToString()).toBe("one");
    const deleted = await aws.s3.send(new DeleteObjectCommand({ Bucket: "versioned", Key: "doc" }));
    expect(deleted.DeleteMarker).toBe(true);
    expect((await failure(() => aws.s3.send(new GetObjectCommand({ Bucket: "versioned", Key: "doc" })))).name).toBe(
      "NoSuchKey",
    );
    await aws.s3.send(new PutObjectCommand({ Bucket: "versioned", Key: "other", Body: "x" }));

    const versions: { key: string; id: string; marker: boolean; latest: boolean }[] = [];
    let keyMarker: string | undefined;
    let versionMarker: string | undefined;
    let pages = 0;
    do {
      const page = await aws.s3.send(
        new ListObjectVersionsCommand({
          Bucket: "versioned",
          MaxKeys: 2,
          KeyMarker: keyMarker,
          VersionIdMarker: versionMarker,
        }),
      );
      for (const v of page.Versions ?? [])
        versions.push({ key: v.Key!, id: v.VersionId!, marker: false, latest: v.IsLatest! });
      for (const m of page.DeleteMarkers ?? [])
        versions.push({ key: m.Key!, id: m.VersionId!, marker: true, latest: m.IsLatest! });
      keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
      versionMarker = page.IsTruncated ? page.NextVersionIdMarker : undefined;
      pages++;
    } while (keyMarker);
    expect(pages).toBe(2);
    expect(versions.filter((v) => v.key === "doc")).toHaveLength(3);
    expect(versions.find((v) => v.marker)).toMatchObject({ key: "doc", latest: true, id: deleted.VersionId });
    expect(versions.filter((v) => v.key === "doc" && !v.marker).every((v) => !v.latest)).toBe(true);

    // Not empty while versions remain; empty after every version and marker is removed.
    expect((await failure(() => aws.s3.send(new DeleteBucketCommand({ Bucket: "versioned" })))).name).toBe(
      "BucketNotEmpty",
    );
    await aws.s3.send(
      new DeleteObjectsCommand({
        Bucket: "versioned",
        Delete: { Objects: versions.map((v) => ({ Key: v.key, VersionId: v.id })), Quiet: true },
      }),
    );
    await aws.s3.send(new DeleteBucketCommand({ Bucket: "versioned" }));
  });
});
