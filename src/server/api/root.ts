import { authRouter } from "./routers/auth";
import { devicesRouter } from "./routers/devices";
import { createCallerFactory, createTRPCRouter } from "./trpc";

/** Every domain router, merged by hand so the API's shape is readable in one place. */
export const appRouter = createTRPCRouter({
  auth: authRouter,
  devices: devicesRouter,
});

export type AppRouter = typeof appRouter;

/** Server-side caller for tests, jobs and server components: `createCaller(await createContextInner({ user }))`. */
export const createCaller = createCallerFactory(appRouter);
