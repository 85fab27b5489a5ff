import type { IncomingMessage, ServerResponse } from "node:http";

type Handler = (req: IncomingMessage, res: ServerResponse) => unknown;

/** Probot's webhook path, as Probot reads it (WEBHOOK_PATH, else its default). */
export function webhookPath(env: Readonly<Record<string, string | undefined>> = process.env): string {
  return env.WEBHOOK_PATH || "/api/github/webhooks";
}

/**
 * Probot's manifest flow registers `<base URL>/` as the App's webhook URL when no relay channel
 * (WEBHOOK_PROXY_URL) is set, while Probot serves webhooks at its webhook path. A delivery POSTed to
 * `/` (it carries `X-GitHub-Event`) is therefore served as if sent to the webhook path, so an App
 * registered from a server's own set-up page receives its webhooks. Nothing else at `/` changes.
 */
export function rootWebhooks(handler: Handler, path: string): Handler {
  return (req, res) => {
    const [pathname = "", query] = (req.url ?? "").split("?");
    if (req.method === "POST" && (pathname === "/" || pathname === "") && req.headers["x-github-event"] !== undefined) {
      req.url = query === undefined ? path : `${path}?${query}`;
    }
    return handler(req, res);
  };
}
