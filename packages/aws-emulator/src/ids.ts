import { createHash, randomBytes, randomUUID } from "node:crypto";

/** Identifiers shaped like the ones AWS hands out, so code that parses them keeps working. */

export function uuid(): string {
  return randomUUID();
}

/** AWS request ids are UUIDs; S3 uses a short upper-case token instead. */
export function requestId(): string {
  return randomUUID();
}

const LOWER_ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789";
const UPPER_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

function randomFrom(alphabet: string, length: number): string {
  const bytes = randomBytes(length);
  let out = "";
  for (const byte of bytes) out += alphabet[byte % alphabet.length];
  return out;
}

/** The random tail CloudFormation appends to generated physical names (e.g. `stack-Bucket-1a2b3c4d5e6f`). */
export function physicalSuffix(length = 12): string {
  return randomFrom(LOWER_ALNUM, length);
}

export function upperToken(length: number): string {
  return randomFrom(UPPER_ALNUM, length);
}

/** A commit-like 40-hex revision for executions started without a source revision override. */
export function fakeCommit(): string {
  return randomBytes(20).toString("hex");
}

export function md5Hex(data: Uint8Array): string {
  return createHash("md5").update(data).digest("hex");
}

/** S3 version ids are opaque URL-safe strings of 32 characters. */
export function versionId(): string {
  return randomBytes(24).toString("base64url").slice(0, 32);
}
