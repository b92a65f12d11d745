import { randomBytes } from "node:crypto";
import { and, eq, gt, isNull, lt } from "drizzle-orm";
import { ZText } from "~/lib/schemas/primitives";
import type { DbOrTx } from "../db/client";
import { accountTokens, type AccountTokenPurpose } from "../db/schema";
import { sha256Hex } from "../hash";

/**
 * The single-use links of account self-service (password reset, email
 * confirmation). The raw token exists only in the mailed link; the table keeps its
 * SHA-256, so a database read gives nobody a working link.
 */

/** Both links expire after an hour: long enough to reach a mailbox, short enough to limit a leaked link. */
export const ACCOUNT_TOKEN_TTL_MS = 60 * 60 * 1000;

/** 32 random bytes, base64url: 43 characters. */
export const ZAccountToken = ZText.regex(/^[A-Za-z0-9_-]{43}$/, "This link is not valid. Copy the whole link from the email.");

/**
 * Creates a token for `purpose` and returns it raw (for the link). Earlier unused
 * tokens of the same purpose stop working: only the newest link counts.
 */
export async function issueAccountToken(
  db: DbOrTx,
  input: { userId: string; purpose: AccountTokenPurpose; newEmail?: string; now?: Date },
): Promise<string> {
  const now = input.now ?? new Date();
  const token = randomBytes(32).toString("base64url");
  await db
    .update(accountTokens)
    .set({ usedAt: now })
    .where(and(eq(accountTokens.userId, input.userId), eq(accountTokens.purpose, input.purpose), isNull(accountTokens.usedAt)));
  await db.insert(accountTokens).values({
    userId: input.userId,
    purpose: input.purpose,
    tokenHash: sha256Hex(token),
    newEmail: input.newEmail ?? null,
    expiresAt: new Date(now.getTime() + ACCOUNT_TOKEN_TTL_MS),
  });
  return token;
}

/**
 * Redeems a token in one statement (marks it used only if it is unused, unexpired
 * and of this purpose), so two concurrent requests cannot both use it. Returns the
 * token's row, or undefined when the link is unknown, used or expired.
 */
export async function redeemAccountToken(db: DbOrTx, purpose: AccountTokenPurpose, token: string, now = new Date()) {
  const [row] = await db
    .update(accountTokens)
    .set({ usedAt: now })
    .where(
      and(
        eq(accountTokens.tokenHash, sha256Hex(token)),
        eq(accountTokens.purpose, purpose),
        isNull(accountTokens.usedAt),
        gt(accountTokens.expiresAt, now),
      ),
    )
    .returning({ userId: accountTokens.userId, newEmail: accountTokens.newEmail });
  return row;
}

/** For the cleanup job: a link past its hour is useless, used or not. */
export async function deleteExpiredAccountTokens(db: DbOrTx, now = new Date()): Promise<number> {
  const rows = await db.delete(accountTokens).where(lt(accountTokens.expiresAt, now)).returning({ id: accountTokens.id });
  return rows.length;
}
