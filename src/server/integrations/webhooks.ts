import { timingSafeEqual } from "node:crypto";
import { z } from "zod";
import type { DbOrTx } from "../db/client";
import { and, eq } from "drizzle-orm";
import { integrations, webhookDeliveries } from "../db/schema";
import type { JobEvent } from "../jobs/events";
import { ZDate, ZText } from "~/lib/schemas/primitives";
import { logger } from "../logger";

/** Commits per push handed to the job (a push of more is rare; the next sync finds the rest). */
export const MAX_PUSHED_COMMITS = 100;

/** A provider's delivery, as recorded by `firstDelivery`. */
export type RecordedDelivery = { provider: string; deliveryId: string };

/** `recorded`: the delivery the event came from, forgotten again when the event cannot be handed to the job engine. */
export type WebhookOutcome = { status: number; body: Record<string, unknown>; event?: JobEvent; recorded?: RecordedDelivery };

export function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, "utf8");
  const right = Buffer.from(b, "utf8");
  // Compare equal-length buffers so the time taken never says how much matched.
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * The body exactly as the sender signed it, as text. Request.text() would drop a leading byte
 * order mark and break the signature. The route handler bounds its size (server/security/body-limits.ts).
 */
export async function signedBodyText(request: Request): Promise<string> {
  return Buffer.from(await request.arrayBuffer()).toString("utf8");
}

/** First delivery of this id? (A redelivery or replay is acknowledged and ignored.) */
export async function firstDelivery(db: DbOrTx, provider: string, deliveryId: string): Promise<boolean> {
  const inserted = await db.insert(webhookDeliveries).values({ provider, deliveryId }).onConflictDoNothing().returning({ deliveryId: webhookDeliveries.deliveryId });
  return inserted.length > 0;
}

/**
 * Runs what recorded deliveries ask for (queueing their job, the checks before it). If that throws
 * (the job engine refused or was unreachable, the database failed), the deliveries are forgotten
 * before the error answers 500: the provider's retry (Google, Graph) or a redelivery by hand (GitHub,
 * GitLab) is then done, not acknowledged as a duplicate of work that never ran. `recorded` is read
 * when the work fails, so work that records as it goes passes its growing list. A failure to forget
 * is logged rather than thrown over the first error.
 */
export async function forgettingOnFailure<T>(db: DbOrTx, recorded: readonly RecordedDelivery[], work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    try {
      for (const { provider, deliveryId } of recorded) await db.delete(webhookDeliveries).where(and(eq(webhookDeliveries.provider, provider), eq(webhookDeliveries.deliveryId, deliveryId)));
    } catch (forgetError) {
      logger.error("a webhook delivery whose work failed could not be forgotten: its retry will be taken for a duplicate", { error: forgetError, deliveries: recorded.length });
    }
    throw error;
  }
}

/** Whether the user's integration with this provider is waiting to be reconnected (its authorization was refused). */
export async function awaitingReconnect(db: DbOrTx, userId: string, provider: string): Promise<boolean> {
  const [row] = await db
    .select({ status: integrations.status })
    .from(integrations)
    .where(and(eq(integrations.userId, userId), eq(integrations.provider, provider)));
  return row?.status === "needs_reauth";
}

export const clip = (value: string | null | undefined, max: number) => (value ? value.slice(0, max) : null);

const optionalText = ZText.nullable().optional();
/** A repository's owner/name or GitLab project path, as both providers send it. */
export const ZRepositoryPath = ZText.min(1).max(300);

/** A commit in a push payload: GitHub's and GitLab's share this shape (GitLab sends no username). */
export const ZPushedCommits = z
  .array(
    z.object({
      id: ZText.min(7).max(64),
      message: ZText,
      timestamp: ZDate,
      url: optionalText,
      author: z.object({ name: optionalText, email: optionalText, username: optionalText }),
    }),
  )
  .default([]);
type PushedCommit = z.infer<typeof ZPushedCommits>[number];

/** A push payload's commit as the job event carries it, cut to the catalog's bounds (GitLab sends no username). */
export function toPushedCommit(commit: PushedCommit) {
  return {
    sha: commit.id,
    message: commit.message.slice(0, 2000),
    url: clip(commit.url, 1000),
    authorName: clip(commit.author.name, 200),
    authorEmail: clip(commit.author.email, 320),
    authorLogin: clip(commit.author.username, 100),
    committedAt: new Date(commit.timestamp).toISOString(),
  };
}

