import { timingSafeEqual } from "node:crypto";
import { z } from "zod";
import type { DbOrTx } from "../db/client";
import { and, eq, isNull, lt, sql } from "drizzle-orm";
import { integrations, webhookDeliveries } from "../db/schema";
import type { JobEvent } from "../jobs/events";
import { ZDate, ZText } from "~/lib/schemas/primitives";
import { logger } from "../logger";

/** Commits per push handed to the job (a push of more is rare; the next sync finds the rest). */
export const MAX_PUSHED_COMMITS = 100;

/** A provider's delivery as this request claimed it (`claimDelivery`): `claimedAt` tells this claim from a later one that took it over. */
export type RecordedDelivery = { provider: string; deliveryId: string; claimedAt: Date };

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
export type DeliveryClaim = { state: "first"; recorded: RecordedDelivery } | { state: "handled" | "in_progress" };

/**
 * How long a claim whose work never finished is left to the request that made it: past this, that
 * request died, and a retry takes the claim over. Counted on the database's clock, which every
 * instance shares.
 */
const UNFINISHED_CLAIM_SECONDS = 60;
/** A claim's time, to the millisecond so that it comes back from a JavaScript Date unchanged. */
const CLAIM_TIME = sql`date_trunc('milliseconds', now())`;

/** Seconds a provider is asked to wait before retrying a delivery under way elsewhere. */
export const IN_PROGRESS_RETRY_SECONDS = 5;

/** The answer to a delivery that is not this request's to do. */
export function answerForClaim(state: "handled" | "in_progress"): WebhookOutcome {
  if (state === "handled") return { status: 200, body: { duplicate: true } };
  return { status: 503, body: { error: "This delivery is being handled; try again shortly.", retryAfterSeconds: IN_PROGRESS_RETRY_SECONDS } };
}

export async function claimDelivery(db: DbOrTx, provider: string, deliveryId: string): Promise<DeliveryClaim> {
  const [claimed] = await db
    .insert(webhookDeliveries)
    .values({ provider, deliveryId, receivedAt: CLAIM_TIME })
    .onConflictDoUpdate({
      target: [webhookDeliveries.provider, webhookDeliveries.deliveryId],
      set: { receivedAt: CLAIM_TIME },
      setWhere: and(isNull(webhookDeliveries.handledAt), lt(webhookDeliveries.receivedAt, sql`now() - ${sql.raw(`interval '${UNFINISHED_CLAIM_SECONDS} seconds'`)}`)),
    })
    .returning({ claimedAt: webhookDeliveries.receivedAt });
  if (claimed) return { state: "first", recorded: { provider, deliveryId, claimedAt: claimed.claimedAt } };
  const [existing] = await db.select({ handledAt: webhookDeliveries.handledAt }).from(webhookDeliveries).where(and(eq(webhookDeliveries.provider, provider), eq(webhookDeliveries.deliveryId, deliveryId)));
  // Gone since (its request failed and forgot it): the provider's next try is the first.
  return { state: existing?.handledAt ? "handled" : "in_progress" };
}

/** This request's claim on a delivery, and not a later one that took it over. */
const ownClaim = ({ provider, deliveryId, claimedAt }: RecordedDelivery) =>
  and(eq(webhookDeliveries.provider, provider), eq(webhookDeliveries.deliveryId, deliveryId), eq(webhookDeliveries.receivedAt, claimedAt));

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
      for (const delivery of recorded) await db.delete(webhookDeliveries).where(ownClaim(delivery));
    } catch (forgetError) {
      logger.error("a webhook delivery whose work failed could not be forgotten: its retry will be taken for a duplicate", { error: forgetError, deliveries: recorded.length });
    }
    throw error;
  }
}

/** Does what recorded deliveries ask for, then marks them handled (a replay is then acknowledged); on failure forgets them (forgettingOnFailure). */
export async function handlingDeliveries<T>(db: DbOrTx, recorded: readonly RecordedDelivery[], work: () => Promise<T>): Promise<T> {
  const result = await forgettingOnFailure(db, recorded, work);
  // The work is done: failing to say so costs at most a retry taking the claim over a minute later, not a 500 now.
  try {
    for (const delivery of recorded) await db.update(webhookDeliveries).set({ handledAt: sql`now()` }).where(ownClaim(delivery));
  } catch (error) {
    logger.error("a webhook delivery was handled but could not be marked so: a retry after a minute will do it again", { error, deliveries: recorded.length });
  }
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

