// `npm run user:reset-password -- <email>`: for an operator when no mail is configured. Prints a
// single-use password reset link (valid for an hour) for the account; give it to its owner only.
import { ZEmail } from "../src/server/auth/accounts";
import { ACCOUNT_TOKEN_TTL_MS } from "../src/server/auth/account-tokens";
import { createPasswordResetLink } from "../src/server/auth/password-reset";
import { databaseConfigFromEnv, openDatabase } from "../src/server/db/client";
import { applyMigrations } from "../src/server/db/migrate";
import { getEnv } from "../src/server/env";

const email = ZEmail.safeParse(process.argv[2]);
if (!email.success) {
  console.error("Usage: npm run user:reset-password -- <email>");
  process.exit(2);
}

const handle = await openDatabase(databaseConfigFromEnv());
try {
  await applyMigrations(handle);
  const link = await createPasswordResetLink(handle.db, getEnv(), email.data);
  if (!link) {
    console.error(`No account uses ${email.data}.`);
    process.exitCode = 1;
  } else {
    // Printed, never logged: the link is a credential until it is used or expires.
    console.log(`Password reset link for ${email.data} (works once, for ${ACCOUNT_TOKEN_TTL_MS / 60_000} minutes):\n${link}`);
  }
} finally {
  await handle.close();
}
