import { createContextFromRequest } from "~/server/api/trpc";
import { getEnv } from "~/server/env";
import { AppError } from "~/server/errors";
import { completeConnection } from "~/server/integrations/connections";
import { isRegisteredProvider } from "~/server/integrations/registry";
import { ProviderError } from "~/server/integrations/resilience";
import { withBodyLimit } from "~/server/security/body-limits";
import { rateLimitRoute } from "~/server/security/rate-limit-http";

export const dynamic = "force-dynamic";

/** Where the provider sends the user back: finish connecting (which queues the first sync), return to /integrations. */
export const GET = withBodyLimit("noBody", async (request: Request, { params }: { params: Promise<{ provider: string }> }) => {
  const limited = await rateLimitRoute(request, "oauthCallback");
  if (limited) return limited;
  const { provider } = await params;
  const env = getEnv();
  const back = (query: Record<string, string>) => Response.redirect(`${env.appUrl}/integrations?${new URLSearchParams(query)}`, 303);
  if (!isRegisteredProvider(provider)) return back({ error: `Unknown integration "${provider}".` });
  const url = new URL(request.url);
  const ctx = await createContextFromRequest(request);
  if (!ctx.user) {
    // The state is bound to an account: sign in first, then come back here with the same code.
    return Response.redirect(`${env.appUrl}/sign-in?${new URLSearchParams({ callbackUrl: `${url.pathname}${url.search}` })}`, 303);
  }
  try {
    const connected = await completeConnection(ctx.db, env, ctx.user.id, provider, {
      code: url.searchParams.get("code"),
      state: url.searchParams.get("state"),
      error: url.searchParams.get("error"),
      errorDescription: url.searchParams.get("error_description"),
    });
    return back({ connected: provider, account: connected.account });
  } catch (error) {
    if (error instanceof AppError || error instanceof ProviderError) return back({ provider, error: error.message });
    throw error;
  }
});
