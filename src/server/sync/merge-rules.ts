import { eq } from "drizzle-orm";
import { z } from "zod";
import { SYNC_COLLECTIONS, ZSyncCollection, type SyncCollection } from "~/lib/schemas/collections";
import { DEFAULT_MERGE_RULES, MERGE_RULE_STRATEGIES, type MergeRuleStrategy } from "~/lib/schemas/merge-rules";
import type { DbOrTx } from "../db/client";
import { syncMergeRules } from "../db/schema";

export const ZSetMergeRuleInput = z.object({ collection: ZSyncCollection, strategy: z.enum(MERGE_RULE_STRATEGIES) });

/** Every collection's strategy for this user: their choice where they made one, the default elsewhere. */
export async function getMergeRules(db: DbOrTx, userId: string): Promise<Record<SyncCollection, MergeRuleStrategy>> {
  const rows = await db.select({ collection: syncMergeRules.collection, strategy: syncMergeRules.strategy }).from(syncMergeRules).where(eq(syncMergeRules.userId, userId));
  const chosen = new Map(rows.map((row) => [row.collection, row.strategy]));
  return Object.fromEntries(SYNC_COLLECTIONS.map((collection) => [collection, chosen.get(collection) ?? DEFAULT_MERGE_RULES[collection]])) as Record<SyncCollection, MergeRuleStrategy>;
}

export async function setMergeRule(db: DbOrTx, userId: string, input: z.infer<typeof ZSetMergeRuleInput>) {
  await db
    .insert(syncMergeRules)
    .values({ userId, ...input })
    .onConflictDoUpdate({ target: [syncMergeRules.userId, syncMergeRules.collection], set: { strategy: input.strategy, updatedAt: new Date() } });
  return getMergeRules(db, userId);
}
