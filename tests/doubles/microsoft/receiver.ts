import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

export type GraphReceived = { path: string; validationToken: string | null; headers: IncomingHttpHeaders; body: string; json: { value?: Array<Record<string, unknown>> } | null };

/** What a notification endpoint answers; see `respond`. */
export type GraphReceiverAnswer = { status: number; contentType?: string; body?: string };

/**
 * A loopback endpoint that behaves like a Graph notification URL should: it echoes
 * `validationToken` as text/plain (unless `echo: false`), and answers 202 to notifications,
 * recording them. For tests of the double itself and of code that subscribes without the app's route.
 * With `respond`, every request (handshakes included) is answered by it instead: code under test
 * (a provider's notification parser) decides what Graph gets back.
 */
export async function startGraphReceiver(options: { echo?: boolean; status?: number; respond?: (request: { url: URL; headers: Headers; body: string }) => GraphReceiverAnswer } = {}) {
  const received: GraphReceived[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://receiver");
      const validationToken = url.searchParams.get("validationToken");
      let json: GraphReceived["json"] = null;
      try {
        json = body ? (JSON.parse(body) as GraphReceived["json"]) : null;
      } catch {
        json = null;
      }
      received.push({ path: url.pathname, validationToken, headers: req.headers, body, json });
      if (options.respond) {
        const headers = new Headers();
        for (const [name, value] of Object.entries(req.headers)) if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(", ") : value);
        const answer = options.respond({ url, headers, body });
        return void res.writeHead(answer.status, { "content-type": answer.contentType ?? "text/plain" }).end(answer.body ?? "");
      }
      if (validationToken !== null && options.echo !== false) return void res.writeHead(200, { "content-type": "text/plain; charset=utf-8" }).end(validationToken);
      res.writeHead(options.status ?? 202, { "content-type": "text/plain" }).end("");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    received,
    /** The items of every notification body received at `path` (validation requests excluded). */
    notifications: (path?: string) => received.filter((r) => r.validationToken === null && (!path || r.path === path)).flatMap((r) => r.json?.value ?? []),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
