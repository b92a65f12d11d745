import { randomUUID } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "~/server/db/client";
import { webhookDeliveries } from "~/server/db/schema";
import { claimDelivery, forgettingOnFailure, handlingDeliveries, type RecordedDelivery } from "~/server/integrations/webhooks";

/**
 * Claims on provider deliveries (src/server/integrations/webhooks.ts), on the real database: the
 * states a delivery id goes through, and that a request whose claim was taken over (it ran past a
 * minute) neither forgets nor marks the claim that replaced it.
 */

const claimOf = async (delivery: { provider: string; deliveryId: string }) =>
  (await (await getDb()).select().from(webhookDeliveries).where(and(eq(webhookDeliveries.provider, delivery.provider), eq(webhookDeliveries.deliveryId, delivery.deliveryId))))[0];

const first = async (deliveryId: string): Promise<RecordedDelivery> => {
  const claimed = await claimDelivery(await getDb(), "github", deliveryId);
  if (claimed.state !== "first") throw new Error(`expected the first claim, got ${claimed.state}`);
  return claimed.recorded;
};

describe("webhook delivery claims", () => {
  it("first, in progress while its work runs, handled once it is done; forgotten when the work fails", async () => {
    const db = await getDb();
    const deliveryId = randomUUID();
    const claim = await first(deliveryId);
    expect(await claimDelivery(db, "github", deliveryId)).toEqual({ state: "in_progress" });
    await handlingDeliveries(db, [claim], async () => {});
    expect(await claimDelivery(db, "github", deliveryId)).toEqual({ state: "handled" });

    const failing = await first(randomUUID());
    await expect(handlingDeliveries(db, [failing], async () => Promise.reject(new Error("the job engine is away")))).rejects.toThrow("the job engine is away");
    expect(await claimOf(failing)).toBeUndefined();
    expect((await claimDelivery(db, "github", failing.deliveryId)).state).toBe("first");
  });

  it("a claim left unfinished for a minute is taken over, and the slow request then touches only its own claim", async () => {
    const db = await getDb();
    const slow = await first(randomUUID());
    // The slow request has been at it for over a minute (its claim, as it knows it, moved back with the row).
    const longAgo = new Date(slow.claimedAt.getTime() - 61_000);
    await db.update(webhookDeliveries).set({ receivedAt: longAgo }).where(eq(webhookDeliveries.deliveryId, slow.deliveryId));
    const slowClaim = { ...slow, claimedAt: longAgo };

    const retry = await first(slow.deliveryId);
    expect(retry.claimedAt.getTime()).toBeGreaterThan(longAgo.getTime());
    // The slow request fails: the retry's claim stays.
    await expect(forgettingOnFailure(db, [slowClaim], async () => Promise.reject(new Error("late failure")))).rejects.toThrow("late failure");
    expect((await claimOf(slow))?.receivedAt).toEqual(retry.claimedAt);
    // Or it succeeds late: it does not mark the retry's claim handled either; the retry does.
    await handlingDeliveries(db, [slowClaim], async () => {});
    expect((await claimOf(slow))?.handledAt).toBeNull();
    await handlingDeliveries(db, [retry], async () => {});
    expect((await claimOf(slow))?.handledAt).toBeInstanceOf(Date);
  });
});
