import { POST as pusherAuth } from "~/app/api/pusher/auth/route";
import { GET, POST } from "~/app/api/trpc/[trpc]/route";

export const TEST_BASE_URL = "http://localhost:3000";

/** The app's route handlers that clients call, by path prefix. */
const routes: Array<{ prefix: string; GET?: (request: Request) => Promise<Response>; POST?: (request: Request) => Promise<Response> }> = [
  { prefix: "/api/trpc/", GET, POST },
  { prefix: "/api/pusher/auth", POST: pusherAuth },
];

/** Sends a client's real HTTP requests into the real route handlers (tRPC, Pusher channel auth), without a socket. */
export function routeFetch(extraHeaders: Record<string, string> = {}): typeof fetch {
  return async (input, init) => {
    const request = new Request(input, init);
    for (const [name, value] of Object.entries(extraHeaders)) request.headers.set(name, value);
    const { pathname } = new URL(request.url);
    const route = routes.find((r) => pathname === r.prefix || pathname.startsWith(r.prefix));
    const handler = route?.[request.method as "GET" | "POST"];
    return handler ? handler(request) : new Response(`no route for ${request.method} ${pathname}`, { status: 404 });
  };
}

