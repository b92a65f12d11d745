import { z } from "zod";
import { sendTestDelivery, listDeliveries, redeliver } from "../../webhooks/deliveries";
import {
  createEndpoint,
  listEndpoints,
  removeEndpoint,
  rotateSigningSecret,
  updateEndpoint,
  ZEndpointId,
  ZWebhookEndpointInput,
  ZWebhookEndpointPatch,
} from "../../webhooks/endpoints";
import { getEnv } from "../../env";
import { createTRPCRouter, protectedProcedure } from "../trpc";

/** Outbound webhooks: the user's endpoints, their signing secrets (shown once) and delivery logs. Every id is checked against the caller. */
export const webhooksRouter = createTRPCRouter({
  endpoints: createTRPCRouter({
    /** Signed in: the user's endpoints, without their secrets. */
    list: protectedProcedure.query(({ ctx }) => listEndpoints(ctx.db, ctx.user.id)),

    /** Signed in: register an endpoint (a public https URL); answers its signing secret, this once. */
    create: protectedProcedure.input(ZWebhookEndpointInput).mutation(({ ctx, input }) => createEndpoint(ctx.db, getEnv(), ctx.user.id, input)),

    /** Signed in: change an endpoint's URL, description or kinds, or turn it off and on. */
    update: protectedProcedure.input(ZWebhookEndpointPatch).mutation(({ ctx, input }) => updateEndpoint(ctx.db, getEnv(), ctx.user.id, input)),

    /** Signed in: remove an endpoint and its delivery log. */
    remove: protectedProcedure.input(ZEndpointId).mutation(({ ctx, input }) => removeEndpoint(ctx.db, ctx.user.id, input.id)),

    /** Signed in: a new signing secret, answered this once; the old one keeps signing beside it for a day. */
    rotateSecret: protectedProcedure.input(ZEndpointId).mutation(({ ctx, input }) => rotateSigningSecret(ctx.db, ctx.user.id, input.id)),

    /** Signed in: send a signed test message to the endpoint (it appears in the delivery log). */
    test: protectedProcedure.input(ZEndpointId).mutation(({ ctx, input }) => sendTestDelivery(ctx.db, getEnv(), ctx.user.id, input.id)),
  }),
  deliveries: createTRPCRouter({
    /** Signed in: an endpoint's latest deliveries, each with every attempt's outcome, response code and time. */
    list: protectedProcedure.input(z.object({ endpointId: z.uuid("Not an endpoint id") })).query(({ ctx, input }) => listDeliveries(ctx.db, ctx.user.id, input.endpointId)),

    /** Signed in: send a delivery's message again (same webhook-id, signed anew). */
    redeliver: protectedProcedure.input(z.object({ deliveryId: z.uuid("Not a delivery id") })).mutation(({ ctx, input }) => redeliver(ctx.db, ctx.user.id, input.deliveryId)),
  }),
});
