import { createServer, request, type IncomingHttpHeaders, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * moto_server's SQS, one request at a time. moto answers requests on threads and its
 * ReceiveMessage is not atomic: two receives at once can both take a message, or split a FIFO
 * group between them (a1 to one, a2 and a3 to the other while a1 is in flight). Real SQS never
 * does either, and the work queue's one-look-per-environment rests on that guarantee, so a test
 * over raw moto fails at random under load for a reason no AWS account would show. (Measured
 * with moto 5.2 on a busy 2-CPU machine: three receives at once, 300 rounds, took one message
 * twice in 2 rounds; two at once split a group in 2 of 150.)
 *
 * This loopback proxy sends moto one request at a time. A long poll becomes short polls, each
 * taken in turn, repeated after every other request (a send, a delete or a visibility change
 * may free a message) and at least every `repollMs` (a visibility expiring frees one too),
 * until a message comes or the wait is over, as SQS's own long poll does. A client that hangs
 * up stops its poll: nothing more is received for it (kinder than SQS, where a receive may take
 * messages after its client gave up: they return when their visibility expires). Only the JSON
 * protocol the SDK speaks is known; a WaitTimeSeconds SQS would refuse is passed to moto as is. moto builds queue URLs from the request's
 * Host header, which is passed on, so the URLs it hands out point here.
 */
export interface LinearizedSqs {
  readonly url: string;
  stop(): Promise<void>;
}

interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

const RECEIVE = "AmazonSQS.ReceiveMessage";

export async function linearizedSqs(upstream: string, repollMs = 250): Promise<LinearizedSqs> {
  const target = new URL(upstream);
  let turn: Promise<unknown> = Promise.resolve();
  const inTurn = <T>(step: () => Promise<T>): Promise<T> => {
    const taken = turn.then(step, step);
    turn = taken.catch(() => undefined);
    return taken;
  };
  const polls = new Set<() => void>();
  const pollAgain = () => {
    for (const wake of [...polls]) wake();
  };

  const forward = (incoming: IncomingMessage, body: Buffer): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const headers = { ...incoming.headers, "content-length": String(body.length) };
      delete headers["transfer-encoding"];
      const outgoing = request(
        { host: target.hostname, port: target.port, method: incoming.method, path: incoming.url, headers },
        (response) => {
          const chunks: Buffer[] = [];
          response.on("data", (chunk: Buffer) => chunks.push(chunk));
          response.on("end", () =>
            resolve({ status: response.statusCode ?? 502, headers: response.headers, body: Buffer.concat(chunks) }),
          );
          response.on("error", reject);
        },
      );
      outgoing.on("error", reject);
      outgoing.end(body);
    });

  const server = createServer((incoming, reply) => {
    const chunks: Buffer[] = [];
    incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
    incoming.on("end", () => {
      const body = Buffer.concat(chunks);
      let hungUp = false;
      reply.on("close", () => {
        hungUp = !reply.writableEnded;
        pollAgain();
      });
      const answer =
        incoming.headers["x-amz-target"] === RECEIVE
          ? receive(incoming, body, () => hungUp)
          : inTurn(() => forward(incoming, body)).finally(pollAgain);
      answer.then(
        (a) => {
          if (!a) return;
          const headers = { ...a.headers, "content-length": String(a.body.length) };
          delete headers["transfer-encoding"];
          delete headers.connection;
          reply.writeHead(a.status, headers).end(a.body);
        },
        (error: unknown) => reply.writeHead(502).end(String(error)),
      );
    });
  });

  async function receive(incoming: IncomingMessage, body: Buffer, hungUp: () => boolean): Promise<Answer | undefined> {
    const input = JSON.parse(body.toString("utf8")) as { WaitTimeSeconds?: number };
    const wait = input.WaitTimeSeconds ?? 0;
    if (!Number.isInteger(wait) || wait < 0 || wait > 20) return inTurn(() => forward(incoming, body));
    const deadline = Date.now() + (input.WaitTimeSeconds ?? 0) * 1000;
    const short = Buffer.from(JSON.stringify({ ...input, WaitTimeSeconds: 0 }));
    for (;;) {
      if (hungUp()) return undefined;
      const answer = await inTurn(() => (hungUp() ? Promise.resolve(undefined) : forward(incoming, short)));
      if (!answer) return undefined;
      const left = deadline - Date.now();
      if (answer.status !== 200 || left <= 0 || hasMessages(answer)) return answer;
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          polls.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, Math.min(repollMs, left));
        polls.add(wake);
      });
    }
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        pollAgain();
        server.close(() => resolve());
      }),
  };
}

function hasMessages(answer: Answer): boolean {
  const parsed = JSON.parse(answer.body.toString("utf8") || "{}") as { Messages?: unknown[] };
  return (parsed.Messages?.length ?? 0) > 0;
}
