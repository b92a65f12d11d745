import { z } from "zod";
import { getEnv } from "../../env";
import { beginConnection, disconnectIntegration, listIntegrations, requireIntegration, syncRequestFor } from "../../integrations/connections";
import { registeredProviderIds, type RegisteredProviderId } from "../../integrations/registry";
import { setAutoSync } from "../../integrations/settings";
import { jobs } from "../../jobs/send";
import { createTRPCRouter, protectedProcedure } from "../trpc";

export const ZProvider = z.enum(registeredProviderIds as [RegisteredProviderId, ...RegisteredProviderId[]], {
  error: `Unknown integration: choose one of ${registeredProviderIds.join(", ")}`,
});
const ZProviderInput = z.object({ provider: ZProvider });

export const integrationsRouter = createTRPCRouter({
  /** Signed in: every integration with its state, account, last sync and errors (never a token). */
  list: protectedProcedure.query(({ ctx }) => listIntegrations(ctx.db, getEnv(), ctx.user.id)),

  /** Signed in: one integration's state. */
  status: protectedProcedure
    .input(ZProviderInput)
    .query(async ({ ctx, input }) => (await listIntegrations(ctx.db, getEnv(), ctx.user.id)).find((entry) => entry.provider === input.provider)!),

  /** Signed in: the provider's authorization URL (single-use state, PKCE); `consent: true` records the user's agreement first. */
  connect: protectedProcedure
    .input(ZProviderInput.extend({ consent: z.boolean().optional() }))
    .mutation(({ ctx, input }) => beginConnection(ctx.db, getEnv(), ctx.user.id, input.provider, { consent: input.consent })),

  /** Signed in: revoke at the provider where possible, then delete tokens, webhooks and cached data. */
  disconnect: protectedProcedure.input(ZProviderInput).mutation(({ ctx, input }) => disconnectIntegration(ctx.db, getEnv(), ctx.user.id, input.provider)),

  /** Signed in: queue a sync job now. */
  sync: protectedProcedure.input(ZProviderInput).mutation(async ({ ctx, input }) => {
    await requireIntegration(ctx.db, ctx.user.id, input.provider);
    const { ids } = await jobs.send(syncRequestFor(ctx.user.id, input.provider));
    return { queued: true, eventId: ids[0] ?? null };
  }),

  /** Signed in: turn the hourly automatic sync on or off. */
  setAutoSync: protectedProcedure
    .input(ZProviderInput.extend({ autoSync: z.boolean() }))
    .mutation(({ ctx, input }) => setAutoSync(ctx.db, ctx.user.id, input.provider, input.autoSync)),
});
