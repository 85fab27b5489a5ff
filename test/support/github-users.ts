import { randomBytes } from "node:crypto";

/**
 * People in the fake GitHub: user tokens of this App (what its OAuth web flow hands out) and the
 * flow itself. A browser that opens the authorize page is signed in as `signedIn` (the test says
 * who is at the keyboard); the code it brings back is exchanged for that person's token once.
 */
export class FakeUsers {
  /** Who the next visit to the authorize page is signed in as; null answers as a person who declines. */
  signedIn: string | null = null;
  readonly clientId: string;
  readonly clientSecret: string;
  private readonly tokens = new Map<string, string>();
  private readonly codes = new Map<string, { login: string; redirectUri: string | null }>();

  constructor(options: { clientId?: string; clientSecret?: string } = {}) {
    this.clientId = options.clientId ?? "Iv1.fakeclientid";
    this.clientSecret = options.clientSecret ?? "fake-client-secret-0123456789";
  }

  /** A user token for `login`, as an API client would hold one. */
  tokenFor(login: string): string {
    const token = `ghu_${login}_${randomBytes(8).toString("hex")}`;
    this.tokens.set(token, login);
    return token;
  }

  loginOf(token: string): string | undefined {
    return this.tokens.get(token);
  }

  revoke(token: string): void {
    this.tokens.delete(token);
  }

  /** GET /login/oauth/authorize: where the browser goes next (back to the app, or an error). */
  authorize(query: URLSearchParams): { status: number; location?: string; body?: string } {
    if (query.get("client_id") !== this.clientId) return { status: 404, body: "unknown client_id" };
    const redirect = query.get("redirect_uri");
    if (!redirect) return { status: 400, body: "redirect_uri missing" };
    const target = new URL(redirect);
    const state = query.get("state");
    if (state !== null) target.searchParams.set("state", state);
    if (this.signedIn === null) {
      target.searchParams.set("error", "access_denied");
      return { status: 302, location: target.toString() };
    }
    const code = randomBytes(10).toString("hex");
    this.codes.set(code, { login: this.signedIn, redirectUri: redirect });
    target.searchParams.set("code", code);
    return { status: 302, location: target.toString() };
  }

  /** POST /login/oauth/access_token: the code (once) for a token, only with the right client secret. */
  exchange(body: Record<string, unknown>): { status: number; json: unknown } {
    if (body.client_id !== this.clientId || body.client_secret !== this.clientSecret)
      return { status: 200, json: { error: "incorrect_client_credentials" } };
    const code = typeof body.code === "string" ? this.codes.get(body.code) : undefined;
    if (!code) return { status: 200, json: { error: "bad_verification_code" } };
    this.codes.delete(body.code as string);
    if (code.redirectUri !== null && body.redirect_uri !== undefined && body.redirect_uri !== code.redirectUri)
      return { status: 200, json: { error: "redirect_uri_mismatch" } };
    return { status: 200, json: { access_token: this.tokenFor(code.login), token_type: "bearer", scope: "" } };
  }
}
