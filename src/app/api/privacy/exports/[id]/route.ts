import { z } from "zod";
import { createContextFromRequest } from "~/server/api/trpc";
import { AppError, appErrorCodes } from "~/server/errors";
import { exportForDownload } from "~/server/privacy/export";
import { withBodyLimit } from "~/server/security/body-limits";
import { rateLimitRoute } from "~/server/security/rate-limit-http";

export const dynamic = "force-dynamic";

/** Downloads a finished export: its owner only (session or device token), only while the link lasts. */
export const GET = withBodyLimit("noBody", async (request: Request, { params }: { params: Promise<{ id: string }> }) => {
  const limited = await rateLimitRoute(request, "exportDownload");
  if (limited) return limited;
  const { id } = await params;
  const ctx = await createContextFromRequest(request);
  if (!ctx.user) return Response.json({ error: ctx.authError?.message ?? "Sign in to download your export." }, { status: 401 });
  // Only a real UUID reaches the uuid column: 36 hex digits without dashes would pass a looser check and fail in the database.
  if (!z.uuid().safeParse(id).success) return Response.json({ error: "No such export for this account." }, { status: 404 });
  try {
    const file = await exportForDownload(ctx.db, ctx.user.id, id);
    return new Response(file.body, {
      headers: { "content-type": file.contentType, "content-disposition": `attachment; filename="${file.filename}"`, "cache-control": "no-store" },
    });
  } catch (error) {
    if (error instanceof AppError) {
      const status = error.code === "PRECONDITION_FAILED" ? 410 : appErrorCodes[error.code];
      return Response.json({ error: error.message }, { status });
    }
    throw error;
  }
});
