import type { IncomingHttpHeaders } from "node:http";
import { verify } from "@octokit/webhooks-methods";

/** An HTTP answer: what the front writes back to GitHub for one delivery. */
export interface Answer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** A received delivery is relayed to the engine; a refused one goes no further than its answer. */
export type Verdict =
  | { readonly kind: "received"; readonly answer: Answer; readonly payload: object }
  | { readonly kind: "refused"; readonly answer: Answer; readonly reason: string };

const WEBHOOK_HEADERS = ["x-github-event", "x-hub-signature-256", "x-github-delivery"] as const;
const APPLICATION_JSON = /^\s*(application\/json)\s*(?:;|$)/u;

/**
 * What Probot's webhook middleware (@octokit/webhooks) answers a delivery, decided before any handler
 * runs: 415 for a body that is not JSON by its Content-Type, 400 for a missing webhook header, a
 * signature that does not match or a body that does not parse, 500 for a signed body that is no
 * event (not a JSON object), else 200 `ok`. The front answers
 * exactly so, so that GitHub's delivery log, a proxy's health rule or a test reads the same whether
 * the engine runs in this process or in another; test/front/probot-answers.test.ts holds the two
 * side by side. (Where Probot would answer 500 because a handler threw, the front has already said
 * 200: handlers here only ask for a look, and the reconcile pass finds what a lost one asked for.)
 */
export async function answerAsProbot(headers: IncomingHttpHeaders, body: string, secret: string): Promise<Verdict> {
  const contentType = headers["content-type"];
  if (typeof contentType !== "string" || !APPLICATION_JSON.test(contentType))
    return refused(415, `Unsupported "Content-Type" header value. Must be "application/json"`);
  const missing = WEBHOOK_HEADERS.filter((name) => headers[name] === undefined).join(", ");
  if (missing) return refused(400, `Required headers missing: ${missing}`);
  const signature = headers["x-hub-signature-256"];
  const matches = typeof signature === "string" && (await verify(secret, body, signature).catch(() => false));
  if (!matches) return refused(400, "Error: [@octokit/webhooks] signature does not match event payload and secret");
  let payload: unknown;
  try {
    payload = JSON.parse(body);
  } catch {
    return refused(400, "SyntaxError: Invalid JSON");
  }
  // Signed, but no event: @octokit/webhooks fails on it before any handler (Probot answers 500).
  if (!payload) return refused(500, "Error: Event name not passed");
  // A number or a string: @octokit/webhooks throws on it outside its own error handling, and
  // Probot's server answers a bare 500.
  if (typeof payload !== "object")
    return {
      kind: "refused",
      reason: "the signed body is not a JSON object",
      answer: { status: 500, headers: {}, body: "" },
    };
  const ok = "ok\n";
  return {
    kind: "received",
    payload,
    answer: {
      status: 200,
      headers: { "content-type": "text/plain", accept: "application/json", "content-length": length(ok) },
      body: ok,
    },
  };
}

function refused(status: number, error: string): Verdict {
  const body = JSON.stringify({ error });
  return {
    kind: "refused",
    reason: error,
    answer: {
      status,
      headers: { "content-type": "application/json", accept: "application/json", "content-length": length(body) },
      body,
    },
  };
}

function length(body: string): string {
  return String(Buffer.byteLength(body));
}
