import { and, asc, eq } from "drizzle-orm";
import { BUILT_IN_TEMPLATES, BUILT_IN_TEMPLATE_KEYS, STATUS_LIMITS, type StatusTemplate } from "~/lib/status/templates";
import type { DbOrTx } from "../db/client";
import { statusSchedules, statusTemplates, userStatus } from "../db/schema";
import { AppError } from "../errors";
import { jobs } from "../jobs/send";
import type { ListedTemplate } from "./types";

/**
 * Status templates: the seed's four built-ins (a stored row with the same key is the
 * user's edit of one) and the user's own, at most STATUS_LIMITS.templates of them.
 * Every query is filtered by the user: another user's keys are invisible.
 */

type TemplateRow = typeof statusTemplates.$inferSelect;

const isBuiltIn = (key: string) => BUILT_IN_TEMPLATE_KEYS.includes(key);

function fromRow(row: TemplateRow): StatusTemplate {
  return { key: row.key, name: row.name, slack: { emoji: row.slackEmoji, text: row.slackText }, discord: { emoji: row.discordEmoji, text: row.discordText } };
}

function listed(template: StatusTemplate, row: TemplateRow | undefined): ListedTemplate {
  return { ...(row ? fromRow(row) : template), builtIn: isBuiltIn(template.key), edited: Boolean(row) && isBuiltIn(template.key) };
}

async function rowsOf(db: DbOrTx, userId: string) {
  return db.select().from(statusTemplates).where(eq(statusTemplates.userId, userId)).orderBy(asc(statusTemplates.createdAt), asc(statusTemplates.key));
}

/** The built-ins first (as the user edited them), then the user's own in the order they made them. */
export async function listTemplates(db: DbOrTx, userId: string): Promise<ListedTemplate[]> {
  const rows = await rowsOf(db, userId);
  const builtIns = BUILT_IN_TEMPLATES.map((template) => listed(template, rows.find((row) => row.key === template.key)));
  const own = rows.filter((row) => !isBuiltIn(row.key)).map((row) => listed(fromRow(row), row));
  return [...builtIns, ...own];
}

/** One template as the user sees it (their edit of a built-in, a built-in, their own), or null when the key is unknown to them. */
export async function findTemplate(db: DbOrTx, userId: string, key: string): Promise<StatusTemplate | null> {
  const [row] = await db
    .select()
    .from(statusTemplates)
    .where(and(eq(statusTemplates.userId, userId), eq(statusTemplates.key, key)));
  if (row) return fromRow(row);
  return BUILT_IN_TEMPLATES.find((template) => template.key === key) ?? null;
}

/** A template that must exist (for status.set and status.schedule). */
export async function requireTemplate(db: DbOrTx, userId: string, key: string): Promise<StatusTemplate> {
  const template = await findTemplate(db, userId, key);
  if (!template) throw new AppError("NOT_FOUND", `There is no status template "${key}". Choose one from your templates.`);
  return template;
}

/** Creates or edits a template; a built-in key edits the built-in. A status showing it now is brought up to date by the apply job. */
export async function upsertTemplate(db: DbOrTx, userId: string, template: StatusTemplate): Promise<ListedTemplate> {
  const values = {
    name: template.name,
    slackEmoji: template.slack.emoji,
    slackText: template.slack.text,
    discordEmoji: template.discord.emoji,
    discordText: template.discord.text,
    updatedAt: new Date(),
  };
  const saved = await db.transaction(async (tx) => {
    if (!isBuiltIn(template.key)) {
      const rows = await tx.select({ key: statusTemplates.key }).from(statusTemplates).where(eq(statusTemplates.userId, userId)).for("update");
      const own = rows.filter((row) => !isBuiltIn(row.key));
      if (!own.some((row) => row.key === template.key) && own.length >= STATUS_LIMITS.templates) {
        throw new AppError("PRECONDITION_FAILED", `You can keep at most ${STATUS_LIMITS.templates} templates of your own. Remove one first.`);
      }
    }
    const [row] = await tx
      .insert(statusTemplates)
      .values({ userId, key: template.key, ...values })
      .onConflictDoUpdate({ target: [statusTemplates.userId, statusTemplates.key], set: values })
      .returning();
    return row!;
  });
  const [shown] = await db
    .select({ key: userStatus.templateKey })
    .from(userStatus)
    .where(and(eq(userStatus.userId, userId), eq(userStatus.templateKey, template.key)));
  if (shown) await jobs.send({ name: "status/apply.requested", data: { userId } });
  return listed(fromRow(saved), saved);
}

/**
 * Removes one of the user's templates, or puts a built-in back as it was (built-ins
 * cannot be removed). A template the status shows now, or a scheduled status still to
 * come uses, is kept: the user clears or cancels that first.
 */
export async function removeTemplate(db: DbOrTx, userId: string, key: string): Promise<{ removed: boolean }> {
  if (isBuiltIn(key)) {
    const removed = await db
      .delete(statusTemplates)
      .where(and(eq(statusTemplates.userId, userId), eq(statusTemplates.key, key)))
      .returning({ key: statusTemplates.key });
    return { removed: removed.length > 0 };
  }
  const [row] = await db
    .select({ key: statusTemplates.key })
    .from(statusTemplates)
    .where(and(eq(statusTemplates.userId, userId), eq(statusTemplates.key, key)));
  if (!row) throw new AppError("NOT_FOUND", `You have no status template "${key}".`);
  const [shown] = await db
    .select({ key: userStatus.templateKey, expiresAt: userStatus.expiresAt })
    .from(userStatus)
    .where(and(eq(userStatus.userId, userId), eq(userStatus.templateKey, key)));
  if (shown && (!shown.expiresAt || shown.expiresAt > new Date())) {
    throw new AppError("CONFLICT", `Your status shows "${key}" now. Clear your status first, then remove the template.`);
  }
  const scheduled = await db
    .select({ state: statusSchedules.state })
    .from(statusSchedules)
    .where(and(eq(statusSchedules.userId, userId), eq(statusSchedules.templateKey, key)));
  if (scheduled.some((schedule) => schedule.state === "scheduled" || schedule.state === "active")) {
    throw new AppError("CONFLICT", `A scheduled status uses "${key}". Cancel it first, then remove the template.`);
  }
  await db.delete(statusTemplates).where(and(eq(statusTemplates.userId, userId), eq(statusTemplates.key, key)));
  return { removed: true };
}
