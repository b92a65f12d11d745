import { and, eq } from "drizzle-orm";
import type { DbOrTx } from "../db/client";
import { integrations } from "../db/schema";
import { AppError } from "../errors";
import type { RegisteredProviderId } from "./registry";
import { providerName } from "./resilience";

export async function setAutoSync(db: DbOrTx, userId: string, provider: RegisteredProviderId, autoSync: boolean) {
  const updated = await db
    .update(integrations)
    .set({ autoSync, updatedAt: new Date() })
    .where(and(eq(integrations.userId, userId), eq(integrations.provider, provider)))
    .returning({ autoSync: integrations.autoSync });
  if (updated.length === 0) throw new AppError("NOT_FOUND", `${providerName(provider)} is not connected.`);
  return { provider, autoSync: updated[0]!.autoSync };
}
