import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { Webhook, WebhookVerificationError } from "standardwebhooks";
import { escapeHtml } from "../shared/http";

/**
 * A user's webhook endpoint, for tests and the sandbox: an HTTP server that verifies Standard
 * Webhooks signatures with the same `standardwebhooks` package a real receiver would use, and
 * records every delivery. Each path is its own endpoint ("/hooks/a", "/hooks/b"); a path is told
 * its secret(s) with `useSecret` (or, in the sandbox, by pasting it on the page at "/").
 * `answer` makes the next deliveries to a path fail: 500, 410 Gone, or hang (never answer).
 *
 *   GET  /                         the deliveries, as a page (newest first)
 *   GET  /deliveries.json          the same, as JSON
 *   POST /secrets  path=…&secret=… set a path's secret (the form on the page)
 *   POST /<any other path>         a delivery
 */

export type ReceivedStandardWebhook = {
  path: string;
  id: string;
  timestamp: string;
  signature: string;
  body: string;
  /** `verified`: a secret of the path verified it; `unverified`: none did; `no-secret`: the path has none yet. */
  verification: "verified" | "unverified" | "no-secret";
  /** Which of the path's secrets verified it (0 = the first given), or null. */
  verifiedWith: number | null;
  answeredWith: number | "hang";
  receivedAt: Date;
};

export type ReceiverAnswer = 200 | 204 | 301 | 410 | 500 | 503 | "hang";

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}

export async function startStandardWebhooksReceiver(options: { port?: number; host?: string } = {}) {
  const received: ReceivedStandardWebhook[] = [];
  const secrets = new Map<string, string[]>();
  /** Per path: answers queued for the next deliveries (the last one sticks when `always`). */
  const answers = new Map<string, { queue: ReceiverAnswer[]; always?: ReceiverAnswer }>();
  const hanging = new Set<ServerResponse>();
  const sockets = new Set<Socket>();

  function verify(path: string, body: string, headers: Record<string, string>) {
    const known = secrets.get(path) ?? [];
    if (known.length === 0) return { verification: "no-secret" as const, verifiedWith: null };
    for (const [index, secret] of known.entries()) {
      try {
        new Webhook(secret).verify(body, headers);
        return { verification: "verified" as const, verifiedWith: index };
      } catch (error) {
        if (!(error instanceof WebhookVerificationError)) throw error;
      }
    }
    return { verification: "unverified" as const, verifiedWith: null };
  }

  function nextAnswer(path: string): ReceiverAnswer {
    const plan = answers.get(path);
    return plan?.queue.shift() ?? plan?.always ?? 200;
  }

  function page(): string {
    const rows = [...received]
      .reverse()
      .map(
        (r) =>
          `<tr><td>${r.receivedAt.toISOString()}</td><td>${escapeHtml(r.path)}</td><td>${escapeHtml(r.id)}</td><td>${r.verification}</td><td>${String(r.answeredWith)}</td><td><pre>${escapeHtml(r.body)}</pre></td></tr>`,
      )
      .join("");
    return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Webhook receiver (sandbox)</title></head><body>
<h1>Webhook receiver</h1>
<p>Register <code>${escapeHtml(url)}/hooks/&lt;any name&gt;</code> as an endpoint in DevPulse, then paste its signing secret here to verify the signatures.</p>
<form method="post" action="/secrets"><label>Path <input name="path" value="/hooks/demo"></label> <label>Secret <input name="secret" placeholder="whsec_…" size="50"></label> <button>Use this secret</button></form>
<table border="1" cellpadding="4"><thead><tr><th>Received</th><th>Path</th><th>webhook-id</th><th>Signature</th><th>Answered</th><th>Body</th></tr></thead><tbody>${rows}</tbody></table>
</body></html>`;
  }

  const server = createServer((request, response) => {
    void (async () => {
      const path = new URL(request.url ?? "/", "http://receiver").pathname;
      const body = await readBody(request);
      if (request.method === "GET" && path === "/") {
        response.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(page());
        return;
      }
      if (request.method === "GET" && path === "/deliveries.json") {
        response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(received));
        return;
      }
      if (request.method === "POST" && path === "/secrets") {
        const form = new URLSearchParams(body);
        const target = form.get("path") ?? "";
        const secret = form.get("secret")?.trim() ?? "";
        if (target.startsWith("/") && secret) secrets.set(target, [secret]);
        response.writeHead(303, { location: "/" }).end();
        return;
      }
      if (request.method !== "POST") {
        response.writeHead(405).end();
        return;
      }
      const headers = {
        "webhook-id": String(request.headers["webhook-id"] ?? ""),
        "webhook-timestamp": String(request.headers["webhook-timestamp"] ?? ""),
        "webhook-signature": String(request.headers["webhook-signature"] ?? ""),
      };
      const answer = nextAnswer(path);
      received.push({
        path,
        id: headers["webhook-id"],
        timestamp: headers["webhook-timestamp"],
        signature: headers["webhook-signature"],
        body,
        ...verify(path, body, headers),
        answeredWith: answer,
        receivedAt: new Date(),
      });
      if (answer === "hang") {
        hanging.add(response);
        return;
      }
      if (answer === 301) response.writeHead(301, { location: "http://127.0.0.1:1/elsewhere" }).end();
      else response.writeHead(answer, { "content-type": "application/json" }).end(answer < 300 ? '{"ok":true}' : `{"error":"answered ${answer} as told"}`);
    })();
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;

  return {
    url,
    port,
    received,
    /** The deliveries one path received, in order. */
    at: (path: string) => received.filter((r) => r.path === path),
    /** The secrets (whsec_…) a path verifies with, tried in order. */
    useSecret(path: string, ...pathSecrets: string[]) {
      secrets.set(path, pathSecrets);
    },
    /** The next `times` deliveries to `path` get `answer` (then 200 again); `times: "always"` keeps it until told otherwise. */
    answer(path: string, answer: ReceiverAnswer, times: number | "always" = 1) {
      const plan = answers.get(path) ?? { queue: [] };
      if (times === "always") plan.always = answer;
      else plan.queue.push(...new Array<ReceiverAnswer>(times).fill(answer));
      answers.set(path, plan);
    },
    reset(path: string) {
      answers.delete(path);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const response of hanging) response.destroy();
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

export type StandardWebhooksReceiver = Awaited<ReturnType<typeof startStandardWebhooksReceiver>>;
