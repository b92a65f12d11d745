import { registerUser, ZMe, ZRegisterInput } from "../../auth/accounts";
import { enabledSignInProviders } from "../../auth/options";
import { createTRPCRouter, protectedProcedure, publicProcedure, rateLimited } from "../trpc";

export const authRouter = createTRPCRouter({
  /** Anyone: create an account with email and password; sign in afterwards through next-auth. */
  register: publicProcedure
    .input(ZRegisterInput)
    .use(rateLimited("register"))
    .mutation(({ ctx, input }) => registerUser(ctx.db, input)),

  /** Signed in: the current user (and the device, when called with a device token). */
  me: protectedProcedure
    .meta({ openapi: { method: "GET", path: "/auth/me", protect: true, tags: ["Auth"], summary: "The signed-in user and device" } })
    .output(ZMe)
    .query(({ ctx }) => ({ ...ctx.user, device: ctx.device })),

  /** Anyone: which sign-in methods this deployment offers. */
  providers: publicProcedure.query(() => enabledSignInProviders()),
});
