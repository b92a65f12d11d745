import { z } from "zod";
import {
  approveDeviceAuthorization,
  denyDeviceAuthorization,
  describeDeviceAuthorization,
  pollDeviceAuthorization,
  startDeviceAuthorization,
  ZDeviceAuthorizationStart,
  ZDeviceCode,
  ZDeviceName,
  ZDeviceToken,
  ZUserCode,
} from "../../devices/authorization";
import { listDevices, revokeDevice } from "../../devices/devices";
import { browserSessionProcedure, createTRPCRouter, protectedProcedure, publicProcedure, rateLimited } from "../trpc";

export const devicesRouter = createTRPCRouter({
  /** Anyone (the desktop app before sign-in): begin an RFC 8628 device authorization. */
  startAuthorization: publicProcedure
    .meta({ openapi: { method: "POST", path: "/auth/device", protect: false, tags: ["Auth"], summary: "Start signing a device in (RFC 8628)" } })
    .input(z.object({ deviceName: ZDeviceName }))
    .output(ZDeviceAuthorizationStart)
    .use(rateLimited("deviceAuthorizationStart"))
    .mutation(({ ctx, input }) => startDeviceAuthorization(ctx.db, input, ctx.appUrl)),

  /** Anyone holding the device code: `{ token }` once approved, else an RFC 8628 error in `data.details.oauthError`. */
  pollAuthorization: publicProcedure
    .meta({ openapi: { method: "POST", path: "/auth/device/token", protect: false, tags: ["Auth"], summary: "Poll for the device token" } })
    .input(z.object({ deviceCode: ZDeviceCode }))
    .output(ZDeviceToken)
    .use(rateLimited("deviceAuthorizationPoll"))
    .mutation(({ ctx, input }) => pollDeviceAuthorization(ctx.db, input)),

  /** Signed in: what is asking for access, before approving it. */
  describeAuthorization: protectedProcedure
    .input(z.object({ userCode: ZUserCode }))
    .query(({ ctx, input }) => describeDeviceAuthorization(ctx.db, input)),

  /** Signed in, in the browser: let the device with this user code act as the current user. */
  approveAuthorization: browserSessionProcedure
    .input(z.object({ userCode: ZUserCode }))
    .mutation(({ ctx, input }) => approveDeviceAuthorization(ctx.db, ctx.user.id, input)),

  /** Signed in, in the browser: refuse the device with this user code. */
  denyAuthorization: browserSessionProcedure
    .input(z.object({ userCode: ZUserCode }))
    .mutation(({ ctx, input }) => denyDeviceAuthorization(ctx.db, ctx.user.id, input)),

  /** Signed in: the user's active devices (never their tokens). */
  list: protectedProcedure.query(async ({ ctx }) => {
    const rows = await listDevices(ctx.db, ctx.user.id);
    return rows.map((device) => ({ ...device, current: device.id === ctx.device?.id }));
  }),

  /** Signed in: revoke one of the user's own devices; its token stops working at once. */
  revoke: protectedProcedure
    .input(z.object({ id: z.uuid("Not a device id") }))
    .mutation(({ ctx, input }) => revokeDevice(ctx.db, ctx.user.id, input.id)),
});
