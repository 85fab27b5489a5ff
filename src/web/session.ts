import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";

/** Who is signed in: their GitHub login and user token, and the token forms must echo (CSRF). */
export interface Session {
  readonly login: string;
  readonly token: string;
  readonly csrf: string;
  /** Epoch milliseconds after which the session is refused (GitHub's user tokens last 8 hours). */
  readonly expiresAt: number;
}

export const SESSION_COOKIE = "branchline_session";
export const STATE_COOKIE = "branchline_oauth_state";
export const SESSION_HOURS = 8;

/**
 * Sessions live in the cookie itself, sealed with AES-256-GCM: nothing to lose on a restart, and any
 * replica with the same secret reads them. The GitHub token inside never reaches the page (the cookie
 * is HttpOnly) and cannot be read or altered without the key.
 */
export class SessionSeal {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = Buffer.from(hkdfSync("sha256", secret, "branchline-web", "session-cookie", 32));
  }

  seal(session: Session): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.key, iv);
    const body = Buffer.concat([cipher.update(JSON.stringify(session), "utf8"), cipher.final()]);
    return [iv, cipher.getAuthTag(), body].map((b) => b.toString("base64url")).join(".");
  }

  /** The session, or null for anything forged, altered, malformed or expired. */
  open(sealed: string | undefined, now = Date.now()): Session | null {
    if (!sealed) return null;
    const parts = sealed.split(".");
    if (parts.length !== 3) return null;
    try {
      const [iv, tag, body] = parts.map((p) => Buffer.from(p, "base64url")) as [Buffer, Buffer, Buffer];
      const decipher = createDecipheriv("aes-256-gcm", this.key, iv);
      decipher.setAuthTag(tag);
      const session = JSON.parse(Buffer.concat([decipher.update(body), decipher.final()]).toString("utf8")) as Session;
      if (typeof session.login !== "string" || typeof session.token !== "string" || typeof session.csrf !== "string")
        return null;
      return session.expiresAt > now ? session : null;
    } catch {
      return null;
    }
  }
}

export function newSession(login: string, token: string, now = Date.now()): Session {
  return { login, token, csrf: randomBytes(24).toString("base64url"), expiresAt: now + SESSION_HOURS * 3600_000 };
}
