import { getAcceptHeader, getErrorShape, getHTTPStatusCode, getTRPCErrorFromUnknown, transformTRPCResponse } from "@trpc/server/unstable-core-do-not-import";
import { transformer } from "~/lib/transformer";
import { postgresClientOf } from "../db/client";
import { writeWholeAnswer, type AheadOfNextRoute } from "../http/serve-ahead-of-next";
import { pullChanges, recordReadToTheEnd } from "../sync/pull";
import { pullPageBytes } from "../sync/pull-bytes";
import { ZPullResult } from "../sync/schemas";
import { apiResponseHeaders, logUnexpectedError } from "./responses";
import { appRouter } from "./root";
import { pullProcedure } from "./routers/sync";
import { handleTrpcRequest } from "./trpc-handler";
import { createCallerFactory, createContextFromRequest, createTRPCRouter, type Context } from "./trpc";

const PATH = "sync.pull";
const ENDPOINT = `/api/trpc/${PATH}`;

/** `GET /api/trpc/sync.pull` as the SDK sends it (httpLink: one call, not a batch). */
export function isPullRequest(method: string, url: URL): boolean {
  return method === "GET" && url.pathname === ENDPOINT && !url.searchParams.has("batch");
}

/** What the gate's resolver produced: the answer's bytes, or the page as values when its bytes could not be copied. */
type Answered = { bytes: Buffer<ArrayBuffer> } | { value: unknown };

/**
 * The mounted `sync.pull` up to its resolver (`pullProcedure`: the same middleware chain and input
 * schema), with a resolver that answers in bytes. Not mounted in the app router: no tRPC client
 * could call it.
 */
const pullGate = createTRPCRouter({
  sync: createTRPCRouter({
    pull: pullProcedure.query(async ({ ctx, input }): Promise<Answered> => {
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

export type PullAnswer = { status: number; headers: Headers; body: Buffer<ArrayBuffer> | string };

/**
 * `GET /api/trpc/sync.pull` answered as tRPC's fetch handler answers it (status, headers, body,
 * refusals included), with a page's records written from the bytes Postgres sent
 * (sync/pull-bytes.ts). The call runs once: a refusal (no credentials, bad input, a cursor past
 * retention, a rate limit…) is the gate's own error in tRPC's error shape. Null for what tRPC
 * refuses before any procedure runs (input that is not JSON, a streaming or body-carrying request,
 * connection parameters): tRPC's handler answers those, and nothing has been counted yet.
 */
export async function answerPull(request: Request): Promise<PullAnswer | null> {
  const url = new URL(request.url);
  if (getAcceptHeader(request.headers) !== null || request.headers.has("content-type") || request.headers.has("content-length") || request.body !== null || url.searchParams.has("connectionParams")) return null;
  const raw = url.searchParams.get("input");
  let input: unknown;
  try {
    input = raw === null ? undefined : transformer.deserialize(JSON.parse(raw));
  } catch {
    return null;
  }
  // tRPC's order: its own header, whatever the context sets (a renewed session cookie), the content type, then the route's responseMeta.
  const headers = new Headers([["vary", "trpc-accept, accept"]]);
  let ctx: Context | undefined;
  try {
    ctx = await createContextFromRequest(request, headers);
    const answered = await callPullGate(ctx, { signal: request.signal }).sync.pull(input as never);
    headers.set("content-type", "application/json");
    for (const [name, value] of Object.entries(apiResponseHeaders([]))) headers.append(name, value);
    return { status: 200, headers, body: "bytes" in answered ? answered.bytes : JSON.stringify({ result: { data: transformer.serialize(answered.value) } }) };
  } catch (cause) {
    const error = getTRPCErrorFromUnknown(cause);
    logUnexpectedError({ error, path: PATH });
    const json = { error: getErrorShape({ config: appRouter._def._config, error, type: "query", path: PATH, input, ctx }) };
    headers.set("content-type", "application/json");
    for (const [name, value] of Object.entries(apiResponseHeaders([error]))) headers.append(name, value);
    return { status: getHTTPStatusCode(json), headers, body: JSON.stringify(transformTRPCResponse(appRouter._def._config, json)) };
  }
}

/** The pull as a route handler answers it (tests, and a server this process has not seen yet: see http/serve-ahead-of-next.ts). */
export async function pullResponse(request: Request): Promise<Response> {
  const answer = await answerPull(request);
  return answer ? new Response(answer.body, { status: answer.status, headers: answer.headers }) : handleTrpcRequest(request);
}

/** The pull answered by the HTTP server itself, ahead of Next (http/serve-ahead-of-next.ts), as the route answers it. */
export const pullAheadOfNext: AheadOfNextRoute = {
  matches: isPullRequest,
  answer: async (request) => {
    const answer = await answerPull(request);
    if (answer) return { headers: answer.headers, write: (response) => writeWholeAnswer(response, answer.status, answer.headers, answer.body) };
    const refusal = await handleTrpcRequest(request);
    const [headers, body] = [new Headers(refusal.headers), Buffer.from(await refusal.arrayBuffer())];
    return { headers, write: (response) => writeWholeAnswer(response, refusal.status, headers, body) };
  },
};
