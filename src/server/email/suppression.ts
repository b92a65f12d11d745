import { eq } from "drizzle-orm";
import type { DbOrTx } from "../db/client";
import { emailSuppressions } from "../db/schema";

/**
 * Addresses no mail goes to after a hard bounce or a complaint: sending again would bounce
 * again and harm the sender's reputation with every provider. Lifted when the owner confirms
 * the address (a mailed link, the only mail that still goes out: confirm-address.ts), or by
 * confirming it as a new address.
 */

const normalizeAddress = (address: string) => address.trim().toLowerCase();

export async function suppressionOf(db: DbOrTx, address: string) {
  const [row] = await db.select({ reason: emailSuppressions.reason, provider: emailSuppressions.provider, createdAt: emailSuppressions.createdAt }).from(emailSuppressions).where(eq(emailSuppressions.address, normalizeAddress(address)));
  return row ?? null;
}

export async function suppressAddress(db: DbOrTx, input: { address: string; userId: string; reason: "hard_bounce" | "complaint"; provider: string }): Promise<boolean> {
  const inserted = await db
    .insert(emailSuppressions)
    .values({ ...input, address: normalizeAddress(input.address) })
    .onConflictDoNothing()
    .returning({ address: emailSuppressions.address });
  return inserted.length > 0;
}

export async function liftSuppression(db: DbOrTx, address: string): Promise<void> {
  await db.delete(emailSuppressions).where(eq(emailSuppressions.address, normalizeAddress(address)));
}
