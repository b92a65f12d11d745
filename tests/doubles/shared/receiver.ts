import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

export type ReceivedWebhook = { method: string; path: string; headers: IncomingHttpHeaders; body: string };

/**
 * A loopback HTTP endpoint that records what it receives, for tests of webhook
 * deliveries when the app's own route is not the target. Answers `status` (default
 * 202) with `reply` as the body.
 */
export async function startWebhookReceiver(options: { status?: number; reply?: string } = {}) {
  const received: ReceivedWebhook[] = [];
  let status = options.status ?? 202;
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    req.on("end", () => {
      received.push({ method: req.method ?? "", path: req.url ?? "/", headers: req.headers, body });
      res.writeHead(status, { "content-type": "text/plain" }).end(options.reply ?? "ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    respondWith: (next: number) => void (status = next),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
