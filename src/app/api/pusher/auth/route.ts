import { createContextFromRequest } from "~/server/api/trpc";
import { AppError, appErrorCodes } from "~/server/errors";
import { authorizeUserChannel, getPusherTransport } from "~/server/realtime/pusher";
import { withBodyLimit } from "~/server/security/body-limits";
import { rateLimitRoute } from "~/server/security/rate-limit-http";

export const dynamic = "force-dynamic";

/** pusher-js channel authorisation: form fields socket_id and channel_name, as pusher-js sends them. */
export const POST = withBodyLimit("pusherAuth", async (request: Request) => {
  const limited = await rateLimitRoute(request, "pusherAuth");
  if (limited) return limited;
  const transport = getPusherTransport();
  if (!transport) return Response.json({ error: "Pusher is not configured: realtime events use the in-process transport." }, { status: 404 });
  const form = new URLSearchParams(await request.text());
  const ctx = await createContextFromRequest(request);
  if (ctx.crossSiteRefusal) return Response.json({ error: ctx.crossSiteRefusal }, { status: 403 });
  try {
    if (ctx.authError) throw new AppError("FORBIDDEN", ctx.authError.message);
    return Response.json(authorizeUserChannel(transport.pusher, ctx.user?.id ?? null, { socketId: form.get("socket_id"), channelName: form.get("channel_name") }));
  } catch (error) {
    if (error instanceof AppError) return Response.json({ error: error.message }, { status: appErrorCodes[error.code] });
    throw error;
  }
});
