import type { IncomingMessage, ServerResponse } from "node:http";

/**
 * The web view's HTTP edges: security headers on every answer, cookies, bodies. A strict content
 * security policy: scripts, styles and fetches only from this origin, nothing inline, no framing.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join("; ");

export function securityHeaders(): Record<string, string> {
  return {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
    "cache-control": "no-store",
  };
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): true {
  res
    .writeHead(status, { ...securityHeaders(), "content-type": "application/json; charset=utf-8", ...headers })
    .end(JSON.stringify(body));
  return true;
}

export function sendHtml(
  res: ServerResponse,
  status: number,
  html: string,
  headers: Record<string, string> = {},
): true {
  res.writeHead(status, { ...securityHeaders(), "content-type": "text/html; charset=utf-8", ...headers }).end(html);
  return true;
}

export function redirect(res: ServerResponse, location: string, headers: Record<string, string | string[]> = {}): true {
  res.writeHead(303, { ...securityHeaders(), location, ...headers }).end();
  return true;
}

export function cookies(req: IncomingMessage): Map<string, string> {
  const found = new Map<string, string>();
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const index = part.indexOf("=");
    if (index < 0) continue;
    const name = part.slice(0, index).trim();
    if (!found.has(name)) found.set(name, decodeURIComponent(part.slice(index + 1).trim()));
  }
  return found;
}

export interface CookieOptions {
  readonly maxAgeSeconds: number;
  readonly path?: string;
}

/** HttpOnly, Secure, SameSite=Lax: Lax, so the top-level return from GitHub's login carries it. */
export function setCookie(name: string, value: string, options: CookieOptions): string {
  return `${name}=${encodeURIComponent(value)}; Path=${options.path ?? "/branchline"}; Max-Age=${options.maxAgeSeconds}; HttpOnly; Secure; SameSite=Lax`;
}

export async function readForm(req: IncomingMessage, limit = 16 * 1024): Promise<URLSearchParams | "too-large"> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) return "too-large";
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

/** The path split into decoded segments; null when a segment is not valid percent-encoding. */
export function segments(path: string): string[] | null {
  try {
    return path
      .split("/")
      .filter((s) => s !== "")
      .map((s) => decodeURIComponent(s));
  } catch {
    return null;
  }
}
