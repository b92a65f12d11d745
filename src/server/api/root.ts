import { accountRouter } from "./routers/account";
import { authRouter } from "./routers/auth";
import { conflictsRouter } from "./routers/conflicts";
import { devicesRouter } from "./routers/devices";
import { emailRouter } from "./routers/email";
import { externalRouter } from "./routers/external";
import { calendarRouter } from "./routers/calendar";
import { integrationsRouter } from "./routers/integrations";
import { privacyRouter } from "./routers/privacy";
import { jobsRouter } from "./routers/jobs";
import { notificationsRouter } from "./routers/notifications";
import { realtimeRouter } from "./routers/realtime";
import { statusRouter } from "./routers/status";
import { syncRouter } from "./routers/sync";
import { webhooksRouter } from "./routers/webhooks";
import { createCallerFactory, createTRPCRouter } from "./trpc";

/** Every domain router, merged by hand so the API's shape is readable in one place. */
export const appRouter = createTRPCRouter({
  auth: authRouter,
  account: accountRouter,
  devices: devicesRouter,
  sync: syncRouter,
  conflicts: conflictsRouter,
  realtime: realtimeRouter,
  jobs: jobsRouter,
  integrations: integrationsRouter,
  calendar: calendarRouter,
  external: externalRouter,
  privacy: privacyRouter,
  status: statusRouter,
  webhooks: webhooksRouter,
  email: emailRouter,
  notifications: notificationsRouter,
});

export type AppRouter = typeof appRouter;

/** Server-side caller for tests, jobs and server components: `createCaller(await createContextInner({ user }))`. */
export const createCaller = createCallerFactory(appRouter);
