import { and, eq, lt, sql } from "drizzle-orm";
import { INACTIVITY_POLICY } from "~/lib/schemas/privacy";
import type { Db } from "../db/client";
import { privacySettings, users } from "../db/schema";
import type { Env } from "../env";
import { canDeliverMail } from "../email/send";
import { suppressionOf } from "../email/suppression";
import { inactivityDeletionDay } from "../email/templates/catalog";
import { notify } from "../notifications/notify";
import { eraseAccount } from "./deletion";
import { recordProcessing } from "./processing-log";
import { getPrivacySettings } from "./settings";

const DAY_MS = 86_400_000;

/**
 * For accounts whose owner turned on `retentionPolicy.autoDeleteAfterInactivity`:
 * after a year without any signed-in use, the account and everything in it are
 * deleted — never before the owner was warned by mail and given a month to come
 * back. Any use in between cancels it.
 */
const WARN_AFTER_DAYS = INACTIVITY_POLICY.deleteAfterDays - INACTIVITY_POLICY.warnDaysBefore;

/** Users who opted in and have been inactive long enough to be warned or deleted: each gets its own review. */
export async function accountsDueForInactivityReview(db: Db, now = new Date()): Promise<string[]> {
  const rows = await db
    .select({ id: users.id })
    .from(users)
    .innerJoin(privacySettings, eq(privacySettings.userId, users.id))
    .where(and(lt(users.lastActiveAt, new Date(now.getTime() - WARN_AFTER_DAYS * DAY_MS)), sql`(${privacySettings.settings}->'retentionPolicy'->>'autoDeleteAfterInactivity')::boolean is true`));
  return rows.map((row) => row.id);
}

export type InactivityDecision = { action: "none"; reason: string } | { action: "warn"; deletionDate: string } | { action: "delete" };

/** What is due for one account now. Re-read at the time of acting: the owner may have come back, or changed their mind. */
export async function decideInactivity(db: Db, env: Pick<Env, "SMTP_URL" | "NODE_ENV" | "EMAIL_PROVIDERS">, userId: string, now = new Date()): Promise<InactivityDecision> {
  if (!canDeliverMail(env)) return { action: "none", reason: "no mail server is configured (SMTP_URL), and no account is deleted without a delivered warning" };
  const [user] = await db.select({ email: users.email, lastActiveAt: users.lastActiveAt, warnedAt: users.inactivityWarnedAt }).from(users).where(eq(users.id, userId));
  if (!user) return { action: "none", reason: "the account no longer exists" };
  // A bounced address cannot be warned, and no account is deleted without a delivered warning.
  if (await suppressionOf(db, user.email)) return { action: "none", reason: "mail to the account's address bounced, and no account is deleted without a delivered warning" };
  if (!(await getPrivacySettings(db, userId)).retentionPolicy.autoDeleteAfterInactivity) return { action: "none", reason: "automatic deletion is off" };
  const inactiveDays = (now.getTime() - user.lastActiveAt.getTime()) / DAY_MS;
  if (inactiveDays < WARN_AFTER_DAYS) return { action: "none", reason: "the account was used recently" };
  // A warning from before the last use warned about an absence that has ended.
  if (!user.warnedAt || user.warnedAt <= user.lastActiveAt) {
    // A full notice period from the warning, however late it comes (the policy was switched on late, or the job did not run).
    return { action: "warn", deletionDate: new Date(now.getTime() + INACTIVITY_POLICY.warnDaysBefore * DAY_MS).toISOString() };
  }
  const noticeServed = now.getTime() - user.warnedAt.getTime() >= INACTIVITY_POLICY.warnDaysBefore * DAY_MS;
  if (inactiveDays >= INACTIVITY_POLICY.deleteAfterDays && noticeServed) return { action: "delete" };
  return { action: "none", reason: "the notice period has not ended" };
}

/**
 * Sends the warning through the notification layer (the in-app list, and email delivered
 * before this returns: urgent, so no quiet hours or digest hold it), then records it — only
 * if the mail left. Null: nothing was recorded — the account is gone, this absence was
 * already warned about, or the mail did not leave now (refused, rate limited: a held mail
 * still goes out later, and the next daily review warns again and records then).
 * Safe to repeat: a repeat that finds the warning recorded (an earlier try sent and recorded
 * it, then the process died before the step's result was kept) sends nothing. Recording first
 * would make the one remaining window — a crash after the mail left, before it was recorded —
 * lose the warning instead of repeating it, and an unwarned account would then become
 * deletable; so in that window (milliseconds) the owner may get the same warning twice.
 */
export async function warnInactiveAccount(db: Db, env: Env, userId: string, deletionDate: string, now = new Date()): Promise<{ via: string } | null> {
  void env;
  const [user] = await db.select({ lastActiveAt: users.lastActiveAt, warnedAt: users.inactivityWarnedAt }).from(users).where(eq(users.id, userId));
  if (!user) return null;
  if (user.warnedAt && user.warnedAt > user.lastActiveAt) return null;
  const day = inactivityDeletionDay(deletionDate);
  const sent = await notify(db, userId, "account.inactivity_warning", { deletionDate }, { deliverNow: ["email"] });
  const mailed = sent.delivered.email;
  if (!mailed) return null;
  // Recorded only if the owner did not come back while the mail was on its way (then it warned about nothing).
  const recorded = await db
    .update(users)
    .set({ inactivityWarnedAt: now })
    .where(and(eq(users.id, userId), lt(users.lastActiveAt, new Date(now.getTime() - WARN_AFTER_DAYS * DAY_MS))))
    .returning({ id: users.id });
  if (recorded.length === 0) return null;
  await recordProcessing(db, userId, {
    activity: "notification",
    purpose: `Warn you by email that your account will be deleted on ${day} for inactivity, as you chose`,
    legalBasis: "consent",
    details: { deletionDate, via: mailed.via, notificationId: sent.notificationId },
  });
  return mailed;
}

/**
 * Deletes an account whose notice period ended without any use (decided again here: a retried step may run much later).
 * Safe to repeat: an account already gone is what this step wants (an earlier try deleted it and the process died
 * before the step's result was kept, or its owner deleted it), so it counts as deleted; a try cut short inside
 * eraseAccount finds the rest to do (each disconnect and the final delete stand on their own).
 */
export async function deleteInactiveAccount(db: Db, env: Env, userId: string) {
  const [user] = await db.select({ id: users.id, email: users.email }).from(users).where(eq(users.id, userId));
  if (!user) return { deleted: true as const };
  if ((await decideInactivity(db, env, userId)).action !== "delete") return { deleted: false as const };
  return eraseAccount(db, env, user, "after a year of inactivity, as its owner chose");
}
