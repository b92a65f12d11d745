import { timingSafeEqual } from "node:crypto";
import { z } from "zod";
import type { DbOrTx } from "../db/client";
import { and, eq, isNull, lt } from "drizzle-orm";
import { integrations, webhookDeliveries } from "../db/schema";
import type { JobEvent } from "../jobs/events";
import { ZDate, ZText } from "~/lib/schemas/primitives";
import { logger } from "../logger";

/** Commits per push handed to the job (a push of more is rare; the next sync finds the rest). */
export const MAX_PUSHED_COMMITS = 100;

/** A provider's delivery, as claimed by `claimDelivery`. */
export type RecordedDelivery = { provider: string; deliveryId: string };

/** `recorded`: the delivery claimed (claimDelivery), marked handled once its work is queued or dropped, forgotten if that fails (handlingDeliveries). */
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

/**
 * What a provider's delivery id is to us: `first`, its work is this request's to do; `handled`, a
 * replay or redelivery of one done already (acknowledged, nothing done); `in_progress`, another
 * request is doing it right now (answered 503 with Retry-After: if that request fails, it forgets
 * the delivery and the retry is done; if it succeeds, the retry is `handled`).
 */
export type DeliveryClaim = "first" | "handled" | "in_progress";

/** How long a claim whose work never finished is left to the request that made it: past this, that request died, and a retry takes the claim over. */
const UNFINISHED_CLAIM_MS = 60_000;

/** Seconds a provider is asked to wait before retrying a delivery under way elsewhere. */
export const IN_PROGRESS_RETRY_SECONDS = 5;

/** The answer to a delivery that is not this request's to do, or null when it is (the claim is `first`). */
export function answerForClaim(claim: DeliveryClaim): WebhookOutcome | null {
  if (claim === "handled") return { status: 200, body: { duplicate: true } };
  if (claim === "in_progress") return { status: 503, body: { error: "This delivery is being handled; try again shortly.", retryAfterSeconds: IN_PROGRESS_RETRY_SECONDS } };
  return null;
}

export async function claimDelivery(db: DbOrTx, provider: string, deliveryId: string, now = new Date()): Promise<DeliveryClaim> {
  const [claimed] = await db
    .insert(webhookDeliveries)
    .values({ provider, deliveryId, receivedAt: now })
    .onConflictDoUpdate({
      target: [webhookDeliveries.provider, webhookDeliveries.deliveryId],
      set: { receivedAt: now },
      setWhere: and(isNull(webhookDeliveries.handledAt), lt(webhookDeliveries.receivedAt, new Date(now.getTime() - UNFINISHED_CLAIM_MS))),
    })
    .returning({ deliveryId: webhookDeliveries.deliveryId });
  if (claimed) return "first";
  const [existing] = await db.select({ handledAt: webhookDeliveries.handledAt }).from(webhookDeliveries).where(and(eq(webhookDeliveries.provider, provider), eq(webhookDeliveries.deliveryId, deliveryId)));
  // Gone since (its request failed and forgot it): the provider's next try is the first.
  return existing?.handledAt ? "handled" : "in_progress";
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

/** Does what recorded deliveries ask for, then marks them handled (a replay is then acknowledged); on failure forgets them (forgettingOnFailure). */
export async function handlingDeliveries<T>(db: DbOrTx, recorded: readonly RecordedDelivery[], work: () => Promise<T>): Promise<T> {
  const result = await forgettingOnFailure(db, recorded, work);
  const handledAt = new Date();
  for (const { provider, deliveryId } of recorded) await db.update(webhookDeliveries).set({ handledAt }).where(and(eq(webhookDeliveries.provider, provider), eq(webhookDeliveries.deliveryId, deliveryId)));
  return result;
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

