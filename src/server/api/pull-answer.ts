import { transformer } from "~/lib/transformer";
import { postgresClientOf } from "../db/client";
import { writeWholeAnswer, type AheadOfNextRoute } from "../http/serve-ahead-of-next";
import { pullChanges, recordReadToTheEnd } from "../sync/pull";
import { pullPageBytes } from "../sync/pull-bytes";
import { ZPullInput, ZPullResult } from "../sync/schemas";
import { apiResponseHeaders } from "./responses";
import { handleTrpcRequest } from "./trpc-handler";
import { createCallerFactory, createContextFromRequest, createTRPCRouter, protectedProcedure } from "./trpc";

const ENDPOINT = "/api/trpc/sync.pull";

/** `GET /api/trpc/sync.pull` as the SDK sends it (httpLink: one call, not a batch). */
export function isPullRequest(method: string, url: URL): boolean {
  return method === "GET" && url.pathname === ENDPOINT && !url.searchParams.has("batch");
}

/** What the gate's resolver produced: the answer's bytes, or the page as values when its bytes could not be copied. */
type Answered = { bytes: Buffer<ArrayBuffer> } | { value: unknown };

/**
 * `sync.pull` itself, with the same input schema and the same middleware chain (credentials, client
 * version, cross-site refusal, rate limits, markActive), so the answer below authorises exactly as
 * tRPC's. Not mounted in the app router: it answers with bytes, which no tRPC client could call.
 */
const pullGate = createTRPCRouter({
  sync: createTRPCRouter({
    pull: protectedProcedure.input(ZPullInput).query(async ({ ctx, input }): Promise<Answered> => {
      const deviceId = ctx.device?.id ?? null;
      const sql = postgresClientOf(ctx.db);
      const page = sql && (await pullPageBytes(sql, ctx.user.id, input));
      if (page) {
        if (!page.hasMore) await recordReadToTheEnd(ctx.db, deviceId);
        return { bytes: page.body };
      }
      // PGlite, or a page with a field that needs escaping: the ordinary read, checked as tRPC checks the output.
      return { value: ZPullResult.parse(await pullChanges(ctx.db, ctx.user.id, input, deviceId)) };
    }),
  }),
});
const callPullGate = createCallerFactory(pullGate);

/**
 * The pull answered with the page's bytes from Postgres (sync/pull-bytes.ts): headers and body
 * exactly as tRPC's fetch handler answers a successful `sync.pull`, with status 200. Null when the
 * call fails (bad input, no credentials, a cursor past retention, a rate limit…): the request then
 * goes to tRPC's handler, which answers the refusal in its own words. A refused call is so counted
 * twice against the caller's rate limits; a successful one once.
 */
export async function answerPull(request: Request): Promise<{ headers: Headers; body: Buffer<ArrayBuffer> | string } | null> {
  // tRPC's order: its own header, whatever the context sets (a renewed session cookie), the content type, then the route's responseMeta.
  const headers = new Headers([["vary", "trpc-accept, accept"]]);
  let answered: Answered;
  try {
    const ctx = await createContextFromRequest(request, headers);
    const raw = new URL(request.url).searchParams.get("input");
    const input: unknown = raw === null ? undefined : transformer.deserialize(JSON.parse(raw));
    answered = await callPullGate(ctx, { signal: request.signal }).sync.pull(input as never);
  } catch {
    return null;
  }
  headers.set("content-type", "application/json");
  for (const [name, value] of Object.entries(apiResponseHeaders([]))) headers.set(name, value);
  return { headers, body: "bytes" in answered ? answered.bytes : JSON.stringify({ result: { data: transformer.serialize(answered.value) } }) };
}

/**
 * The pull as a route handler answers it (tests, and a server this process has not seen yet: see
 * http/serve-ahead-of-next.ts): the page's bytes, or tRPC's own answer to a refused call.
 */
export async function pullResponse(request: Request): Promise<Response> {
  const answer = await answerPull(request);
  return answer ? new Response(answer.body, { status: 200, headers: answer.headers }) : handleTrpcRequest(request);
}

/** The pull answered by the HTTP server itself, ahead of Next (http/serve-ahead-of-next.ts), as the route answers it. */
export const pullAheadOfNext: AheadOfNextRoute = {
  matches: isPullRequest,
  answer: async (request) => {
    const answer = await answerPull(request);
    if (answer) return { headers: answer.headers, write: (response) => writeWholeAnswer(response, 200, answer.headers, answer.body) };
    const refusal = await handleTrpcRequest(request);
    const [headers, body] = [new Headers(refusal.headers), Buffer.from(await refusal.arrayBuffer())];
    return { headers, write: (response) => writeWholeAnswer(response, refusal.status, headers, body) };
  },
};
