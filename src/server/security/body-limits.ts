import { TRPCError } from "@trpc/server";
import { NextRequest } from "next/server";
import { SYNC_LIMITS } from "../sync/schemas";

/**
 * The largest request body each route handler accepts, and why. Every route handler in
 * src/app wraps its methods in `withBodyLimit(<name>, …)` (tRPC: `limitTrpcBody`), and a
 * test checks that none is missing. A body over the limit is answered 413 before it is
 * read: at once when Content-Length says so, and for a chunked body (no declared length)
 * as soon as more than the limit has arrived.
 *
 * Route handlers only: the proxy (src/proxy.ts) does not run on /api, so Next never
 * buffers these bodies for it (it would cut them at `proxyClientMaxBodySize`).
 */
const KiB = 1024;
const MiB = 1024 * KiB;

type BodyLimit = { bytes: number; why: string };

export const BODY_LIMITS = {
  trpc: {
    // 500 changes carry at most 8 MiB of ciphertext (ASCII, so as many bytes); each change's
    // framing (collection, 128-character id, checksum, revisions, JSON keys) is under 512 bytes.
    bytes: SYNC_LIMITS.maxBatchCiphertextBytes + 2 * MiB,
    why: "the largest valid sync.push (500 changes, 8 MiB of ciphertext) with its JSON framing; every other procedure is far smaller",
  },
  rest: {
    bytes: SYNC_LIMITS.maxBatchCiphertextBytes + 2 * MiB,
    why: "the REST doors to the same procedures (/api/v1): POST /sync/upload takes what sync.push takes",
  },
  auth: { bytes: 64 * KiB, why: "next-auth forms and OAuth form_post callbacks (an id_token, a state): a few KiB" },
  pusherAuth: { bytes: 4 * KiB, why: "pusher-js sends a socket id and a channel name" },
  webhooks: { bytes: 1 * MiB, why: "a push event's first 100 commits are all a sync needs (GitHub caps deliveries at 25 MB; a calendar notice is tiny)" },
  emailWebhooks: { bytes: 1 * MiB, why: "delivery and bounce events: SendGrid batches many events, each well under 1 KiB" },
  inngest: { bytes: 32 * MiB, why: "Inngest's own ceiling on a run's state (events and step outputs), which its calls carry; signed by Inngest" },
  emailLinks: { bytes: 4 * KiB, why: "RFC 8058 one-click unsubscribe and the link pages' buttons post one short form field" },
  noBody: { bytes: 0, why: "GET only: nothing is read" },
} as const satisfies Record<string, BodyLimit>;

export type BodyLimitName = keyof typeof BODY_LIMITS;

/** What a refused client is told. */
function bodyTooLargeMessage(name: BodyLimitName): string {
  const { bytes } = BODY_LIMITS[name];
  const readable = bytes >= MiB ? `${bytes / MiB} MiB` : bytes >= KiB ? `${bytes / KiB} KiB` : `${bytes} bytes`;
  return bytes === 0 ? "Request body not allowed: this endpoint takes no body." : `Request body too large: this endpoint takes at most ${readable} (${bytes} bytes).`;
}

/** Content-Length over the limit. Node's HTTP parser holds a body to its declared length, so a declared length within the limit needs no other check. */
function declaresTooMuch(request: Request, name: BodyLimitName): boolean {
  const declared = request.headers.get("content-length");
  return declared !== null && Number(declared) > BODY_LIMITS[name].bytes;
}

/**
 * The request with a body that fails with `tooLarge()` once more than the limit has been
 * read; the request itself when its length is declared (checked by `declaresTooMuch`) or it has none.
 */
function capBody<Req extends Request>(request: Req, name: BodyLimitName, tooLarge: () => Error): Req {
  if (!request.body || request.headers.has("content-length")) return request;
  const limit = BODY_LIMITS[name].bytes;
  let received = 0;
  const capped = request.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        received += chunk.byteLength;
        if (received > limit) controller.error(tooLarge());
        else controller.enqueue(chunk);
      },
    }),
  );
  // A NextRequest, as Next passes (next-auth and Inngest read `nextUrl`): it stands for either request type.
  return new NextRequest(request, { body: capped, duplex: "half" } as ConstructorParameters<typeof NextRequest>[1]) as unknown as Req;
}

/**
 * A route handler method under its body limit: `export const POST = withBodyLimit("webhooks", async (request) => …)`.
 * Over the limit it answers 413 with a JSON `{ error }` (or the body `refusal` makes of the
 * message, for an API with an error shape of its own), whatever the handler did with the failed read.
 */
export function withBodyLimit<Req extends Request, Args extends unknown[]>(
  name: BodyLimitName,
  handler: (request: Req, ...args: Args) => Response | Promise<Response>,
  { refusal = (message: string): unknown => ({ error: message }) } = {},
) {
  const tooLargeResponse = (name: BodyLimitName) => Response.json(refusal(bodyTooLargeMessage(name)), { status: 413 });
  return async (request: Req, ...args: Args): Promise<Response> => {
    if (declaresTooMuch(request, name)) return tooLargeResponse(name);
    let exceeded = false;
    // The handler sees its read fail; whatever it makes of that, the answer is the 413.
    const limited = capBody(request, name, () => {
      exceeded = true;
      return new Error(bodyTooLargeMessage(name));
    });
    try {
      const response = await handler(limited, ...args);
      return exceeded ? tooLargeResponse(name) : response;
    } catch (error) {
      if (exceeded) return tooLargeResponse(name);
      throw error;
    }
  };
}

/**
 * The tRPC route's limit, refused in tRPC's own error shape (clients see PAYLOAD_TOO_LARGE and
 * the message, HTTP 413). `request` goes to fetchRequestHandler; `refuseDeclaredSize` runs in
 * createContext, which tRPC calls before any procedure reads its input.
 */
export function limitTrpcBody(request: Request) {
  const tooLarge = () => new TRPCError({ code: "PAYLOAD_TOO_LARGE", message: bodyTooLargeMessage("trpc") });
  return {
    request: capBody(request, "trpc", tooLarge),
    refuseDeclaredSize() {
      if (declaresTooMuch(request, "trpc")) throw tooLarge();
    },
  };
}
