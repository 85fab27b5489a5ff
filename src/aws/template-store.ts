import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";

/** CloudFormation takes at most this many bytes inline (TemplateBody). */
export const INLINE_TEMPLATE_LIMIT = 51_200;
/** ...and at most this many from S3 (TemplateURL). */
export const TEMPLATE_URL_LIMIT = 1_000_000;

/** Where templates too large to send inline are put for CloudFormation to read. */
export interface TemplateStore {
  readonly bucket: string;
  /** The URL CloudFormation reads an object from. */
  urlFor(key: string): string;
}

/** The URL form for AWS itself, or path-style under a custom endpoint (the emulator). */
export function templateStore(bucket: string, region: string, endpoint: string | undefined): TemplateStore {
  return {
    bucket,
    urlFor: (key) =>
      endpoint
        ? `${endpoint.replace(/\/+$/, "")}/${bucket}/${key.split("/").map(encodeURIComponent).join("/")}`
        : `https://${bucket}.s3.${region}.amazonaws.com/${key.split("/").map(encodeURIComponent).join("/")}`,
  };
}

/** Puts a template where CloudFormation can read it; the key holds its hash, so a retry rewrites the same object. */
export async function uploadTemplate(s3: S3Client, store: TemplateStore, key: string, body: string): Promise<string> {
  await s3.send(new PutObjectCommand({ Bucket: store.bucket, Key: key, Body: body, ContentType: "text/yaml" }));
  return store.urlFor(key);
}

export type TemplateFit =
  | { readonly kind: "inline" }
  | { readonly kind: "via-s3" }
  | { readonly kind: "too-large"; readonly bytes: number; readonly why: string };

/** Whether a template can be sent inline, must go through S3, or cannot be used at all. */
export function templateFit(body: string, store: TemplateStore | undefined): TemplateFit {
  const bytes = Buffer.byteLength(body, "utf8");
  if (bytes <= INLINE_TEMPLATE_LIMIT) return { kind: "inline" };
  if (bytes > TEMPLATE_URL_LIMIT) {
    return {
      kind: "too-large",
      bytes,
      why: `the template is ${bytes} bytes; CloudFormation reads at most ${TEMPLATE_URL_LIMIT} bytes from S3. Split it (nested stacks) or shorten it.`,
    };
  }
  if (!store) {
    return {
      kind: "too-large",
      bytes,
      why: `the template is ${bytes} bytes, over CloudFormation's ${INLINE_TEMPLATE_LIMIT}-byte limit for inline templates. The operator of branchline can set BRANCHLINE_TEMPLATE_BUCKET (the TemplateBucketName output of templates/branchline-iam.yml) so large templates go through S3; or shorten the template.`,
    };
  }
  return { kind: "via-s3" };
}
