import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A local double of the Inngest server endpoints the SDK calls (there is no Inngest
 * dev server on this machine): the Event API (`POST /e/<event key>`, answering
 * `{ ids, status }` as Inngest does, 401 for an unknown key) and app registration
 * (`POST /fn/register`, which `PUT /api/inngest` triggers). Point the app at it
 * with INNGEST_DEV=<url>.
 */
export type ReceivedEvent = { name: string; data: Record<string, unknown>; id?: string; ts?: number };
export type Registration = { url: string; appName?: string; functions: Array<{ id: string; name: string; triggers: unknown[]; [key: string]: unknown }> };

/** `port`: where to listen (0: any free port); a double started again on the same port is the same server coming back. */
export async function startInngestDouble(options: { eventKey: string; port?: number }) {
  const events: ReceivedEvent[] = [];
  const registrations: Registration[] = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      const path = new URL(req.url ?? "/", "http://double").pathname;
      const json = (status: number, value: unknown) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(value));
      if (req.method === "POST" && path.startsWith("/e/")) {
        if (decodeURIComponent(path.slice(3)) !== options.eventKey) return json(401, { error: "Event key not found", status: 401 });
        const parsed = JSON.parse(body) as ReceivedEvent | ReceivedEvent[];
        const received = Array.isArray(parsed) ? parsed : [parsed];
        events.push(...received);
        return json(200, { ids: received.map((event) => event.id ?? randomUUID()), status: 200 });
      }
      if (req.method === "POST" && path === "/fn/register") {
        registrations.push(JSON.parse(body) as Registration);
        return json(200, { ok: true, modified: true });
      }
      json(404, { error: `unexpected ${req.method} ${path}` });
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, events, registrations, close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections(); // the SDK's kept-alive sockets would hold the close until they time out
      }) };
}
