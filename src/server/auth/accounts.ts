import { eq } from "drizzle-orm";
import { z } from "zod";
import { ZText, ZTimestamp } from "~/lib/schemas/primitives";
import type { DbOrTx } from "../db/client";
import { users } from "../db/schema";
import { AppError } from "../errors";
import { hashPassword, ZPassword } from "./password";

export const ZEmail = ZText
  .trim()
  .toLowerCase()
  .pipe(z.email("Enter a valid email address").max(254, "Use at most 254 characters"));

export const ZRegisterInput = z.object({
  email: ZEmail,
  password: ZPassword,
  name: ZText.trim().min(1).max(100).optional(),
});
export type TRegisterInput = z.infer<typeof ZRegisterInput>;

/** What any API may return about a user: explicit columns so a hash can never leak. */
export const publicUserColumns = {
  id: users.id,
  email: users.email,
  name: users.name,
  image: users.image,
  timezone: users.timezone,
  createdAt: users.createdAt,
} as const;

export const ZPublicUser = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string().nullable(),
  image: z.string().nullable(),
  /** IANA time zone, e.g. Europe/Berlin. */
  timezone: z.string(),
  createdAt: ZTimestamp,
});
export type PublicUser = z.infer<typeof ZPublicUser>;

/** auth.me: the user, and the device when the call came with a device token. */
export const ZMe = ZPublicUser.extend({ device: z.object({ id: z.string(), name: z.string() }).nullable() });

export async function registerUser(db: DbOrTx, input: TRegisterInput): Promise<PublicUser> {
  const passwordHash = await hashPassword(input.password);
  const [created] = await db
    .insert(users)
    .values({ email: input.email, name: input.name ?? null, passwordHash })
    .onConflictDoNothing({ target: users.email })
    .returning(publicUserColumns);
  if (!created) throw new AppError("CONFLICT", "An account with this email already exists. Sign in instead.");
  return created;
}

export async function getPublicUser(db: DbOrTx, userId: string): Promise<PublicUser | undefined> {
  const [user] = await db.select(publicUserColumns).from(users).where(eq(users.id, userId));
  return user;
}

/** The user behind a session cookie, if the session is still current (not ended by a version bump). */
export async function getSessionUser(
  db: DbOrTx,
  session: { userId: string; sessionVersion: number },
): Promise<PublicUser | undefined> {
  const [row] = await db
    .select({ ...publicUserColumns, sessionVersion: users.sessionVersion })
    .from(users)
    .where(eq(users.id, session.userId));
  if (!row || row.sessionVersion !== session.sessionVersion) return undefined;
  const { sessionVersion: _version, ...user } = row;
  return user;
}
