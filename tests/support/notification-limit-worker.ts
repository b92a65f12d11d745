/**
 * A stand-alone server process for tests/integration/notifications-limits-processes.test.ts: the
 * app's own database module and notification send limits (takeSendSlot), so two of these over one
 * store (Redis, or a Postgres database) show whether they share the limits.
 *
 * Environment: REDIS_URL or DATABASE_URL.
 * Protocol: prints "ready" once the database is open; then, for each line of JSON on stdin
 * ({ keyPrefix, limits, priority, userIds }), asks for one email send slot per user id, one after
 * another, and prints one JSON line { allowed, refused }. Ends when stdin closes.
 */
import { createInterface } from "node:readline";
import { z } from "zod";
import { NOTIFICATION_PRIORITIES } from "../../src/lib/notifications/catalog";
import { drizzle } from "drizzle-orm/postgres-js";
import { getDb, type Db } from "../../src/server/db/client";
import * as schema from "../../src/server/db/schema";
import { getEnv } from "../../src/server/env";
import { setNotificationSendLimits, takeSendSlot } from "../../src/server/notifications/rate-limits";

const ZLimit = z.object({ points: z.number().int().positive(), durationSeconds: z.number().int().positive() });
const ZOrder = z.object({
  keyPrefix: z.string().min(1),
  limits: z.object({ burst: ZLimit, perUser: ZLimit, global: ZLimit, urgent: ZLimit }),
  priority: z.enum(NOTIFICATION_PRIORITIES),
  userIds: z.array(z.string().min(1)),
});

// With Redis the limits never touch the database: a handle never connected stands in (it throws if
// queried), rather than starting and migrating an embedded one per process (half a minute on a busy machine).
const db: Db = process.env.REDIS_URL ? drizzle.mock({ schema }) : await getDb();
console.log("ready");

for await (const line of createInterface({ input: process.stdin })) {
  if (!line.trim()) continue;
  const order = ZOrder.parse(JSON.parse(line));
  setNotificationSendLimits({ email: order.limits }, { keyPrefix: order.keyPrefix });
  let allowed = 0;
  let refused = 0;
  for (const userId of order.userIds) {
    if (await takeSendSlot(db, getEnv(), userId, "email", { priority: order.priority })) refused += 1;
    else allowed += 1;
  }
  console.log(JSON.stringify({ allowed, refused }));
}
process.exit(0);
