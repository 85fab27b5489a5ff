import { createHmac, timingSafeEqual } from "node:crypto";

/** The header carrying the signature of a generic webhook's body. */
export const SIGNATURE_HEADER = "x-branchline-signature-256";

/** `sha256=<hex HMAC-SHA256 of the raw body>`, as GitHub signs its own webhooks. */
export function sign(body: string | Buffer, secret: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

/** What a receiver does: recompute over the raw bytes and compare in constant time. */
export function verify(body: string | Buffer, secret: string, header: string | undefined): boolean {
  if (header === undefined) return false;
  const expected = Buffer.from(sign(body, secret));
  const given = Buffer.from(header);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
