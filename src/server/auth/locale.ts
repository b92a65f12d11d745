import { eq } from "drizzle-orm";
import { z } from "zod";
import { supportedLocaleOr, ZLocale, type SupportedLocale } from "~/lib/schemas/locale";
import type { DbOrTx } from "../db/client";
import { users } from "../db/schema";
import { AppError } from "../errors";

/**
 * The user's locale: how dates, times and numbers are written to them (every email; the words
 * stay English). Like the rest of account self-service it acts on the caller's own id, taken
 * from the session: the change names no user, and an unknown key (a `userId`) is refused.
 * Kept apart from account.ts so that email sending reads it without loading sign-in.
 */

export const ZLocaleChange = z.object({ locale: ZLocale }).strict();

/** The locale mail to this user is formatted in; the default for an account that is gone. */
export async function getUserLocale(db: DbOrTx, userId: string): Promise<SupportedLocale> {
  const [user] = await db.select({ locale: users.locale }).from(users).where(eq(users.id, userId));
  return supportedLocaleOr(user?.locale);
}

export async function updateUserLocale(db: DbOrTx, userId: string, input: z.infer<typeof ZLocaleChange>): Promise<{ locale: SupportedLocale }> {
  const [updated] = await db.update(users).set({ locale: input.locale }).where(eq(users.id, userId)).returning({ locale: users.locale });
  if (!updated) throw new AppError("NOT_FOUND", "This account no longer exists.");
  return { locale: supportedLocaleOr(updated.locale) };
}
