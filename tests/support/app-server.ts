import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

type Handler = (request: Request, context: { params: Promise<Record<string, string>> }) => Promise<Response> | Response;
export type Route = { method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE"; path: RegExp; handler: Handler };

/**
 * A real HTTP server in front of some of the app's route handlers, for flows where a
 * third party (a provider double) must reach the app: OAuth redirects, webhooks.
 * Named groups in a route's path become its params, as Next passes them.
 */
export async function startAppServer(routes: Route[]) {
  const server: Server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      void (async () => {
        const url = new URL(req.url ?? "/", `http://${req.headers.host}`);
        const route = routes.find((candidate) => candidate.method === req.method && candidate.path.test(url.pathname));
        if (!route) return res.writeHead(404).end("no such route in the test app server");
        const headers = new Headers();
        for (const [name, value] of Object.entries(req.headers)) if (typeof value === "string") headers.set(name, value);
        const body = req.method === "GET" ? undefined : Buffer.concat(chunks);
        // The client hanging up aborts the request, as in Next: a subscription's stream then ends.
        const hangUp = new AbortController();
        res.once("close", () => hangUp.abort());
        const request = new Request(url, { method: req.method, headers, body, signal: hangUp.signal });
        const params = route.path.exec(url.pathname)?.groups ?? {};
        try {
          const response = await route.handler(request, { params: Promise.resolve(params) });
          res.writeHead(response.status, Object.fromEntries(response.headers));
          // Streamed as it comes, so server-sent events arrive while the response is still open.
          const reader = response.body?.getReader();
          if (reader) for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) res.write(chunk.value);
          res.end();
        } catch (error) {
          if (!res.headersSent) res.writeHead(500);
          res.end(error instanceof Error ? error.message : String(error));
        }
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
