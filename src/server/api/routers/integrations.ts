import { z } from "zod";
import { ZStrictBoolean } from "~/lib/schemas/primitives";
import { getEnv } from "../../env";
import { beginConnection, disconnectIntegration, listIntegrations, requireIntegration, syncRequestFor } from "../../integrations/connections";
import { ZConnectionStart, ZDisconnectResult, ZIntegration, ZProviderId, ZSyncQueued } from "../../integrations/schemas";
import { setAutoSync } from "../../integrations/settings";
import { jobs } from "../../jobs/send";
import { createTRPCRouter, protectedProcedure } from "../trpc";

const ZProviderInput = z.object({ provider: ZProviderId });

export const integrationsRouter = createTRPCRouter({
  /** Signed in: every integration with its state, account, last sync and errors (never a token). */
  list: protectedProcedure
    .meta({ openapi: { method: "GET", path: "/integrations", protect: true, tags: ["Integrations"], summary: "List every integration with its state" } })
    .output(z.array(ZIntegration))
    .query(({ ctx }) => listIntegrations(ctx.db, getEnv(), ctx.user.id)),

  /** Signed in: one integration's state. */
  status: protectedProcedure
    .meta({ openapi: { method: "GET", path: "/integrations/{provider}/status", protect: true, tags: ["Integrations"], summary: "One integration's state" } })
    .input(ZProviderInput)
    .output(ZIntegration)
    .query(async ({ ctx, input }) => (await listIntegrations(ctx.db, getEnv(), ctx.user.id)).find((entry) => entry.provider === input.provider)!),

  /** Signed in: the provider's authorization URL (single-use state, PKCE); `consent: true` records the user's agreement first. */
  connect: protectedProcedure
    .meta({ openapi: { method: "POST", path: "/integrations/{provider}/connect", protect: true, tags: ["Integrations"], summary: "Start connecting: the provider's authorization URL", errorResponses: [412] } })
    .input(ZProviderInput.extend({ consent: ZStrictBoolean.optional() }))
    .output(ZConnectionStart)
    .mutation(({ ctx, input }) => beginConnection(ctx.db, getEnv(), ctx.user.id, input.provider, { consent: input.consent })),

  /** Signed in: revoke at the provider where possible, then delete tokens, webhooks and cached data. */
  disconnect: protectedProcedure
    .meta({ openapi: { method: "POST", path: "/integrations/{provider}/disconnect", protect: true, tags: ["Integrations"], summary: "Disconnect and delete its tokens and data" } })
    .input(ZProviderInput)
    .output(ZDisconnectResult)
    .mutation(({ ctx, input }) => disconnectIntegration(ctx.db, getEnv(), ctx.user.id, input.provider)),

  /** Signed in: queue a sync job now. */
  sync: protectedProcedure
    .meta({ openapi: { method: "POST", path: "/integrations/{provider}/sync", protect: true, tags: ["Integrations"], summary: "Queue a sync now", errorResponses: [412] } })
    .input(ZProviderInput)
    .output(ZSyncQueued)
    .mutation(async ({ ctx, input }) => {
      await requireIntegration(ctx.db, ctx.user.id, input.provider);
      const { ids } = await jobs.send(syncRequestFor(ctx.user.id, input.provider));
      return { queued: true as const, eventId: ids[0] ?? null };
    }),

  /** Signed in: turn the hourly automatic sync on or off. */
  setAutoSync: protectedProcedure
    .input(ZProviderInput.extend({ autoSync: z.boolean() }))
    .mutation(({ ctx, input }) => setAutoSync(ctx.db, ctx.user.id, input.provider, input.autoSync)),
});
