import { GET, POST } from "~/app/api/trpc/[trpc]/route";

export const TEST_BASE_URL = "http://localhost:3000";

/** Sends a client's real HTTP requests into the real tRPC route handler, without a socket. */
export function routeFetch(extraHeaders: Record<string, string> = {}): typeof fetch {
  return async (input, init) => {
    const request = new Request(input, init);
    for (const [name, value] of Object.entries(extraHeaders)) request.headers.set(name, value);
    return request.method === "GET" ? GET(request) : POST(request);
  };
}
