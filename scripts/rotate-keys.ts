// `npm run keys:rotate`: re-seal every value the token vault sealed under the first key of TOKEN_ENCRYPTION_KEY.
import { databaseConfigFromEnv, openDatabase } from "../src/server/db/client";
import { applyMigrations } from "../src/server/db/migrate";
import { logger } from "../src/server/logger";
import { rotateSealedSecrets } from "../src/server/secrets/rotation";

const handle = await openDatabase(databaseConfigFromEnv());
try {
  await applyMigrations(handle);
  const result = await rotateSealedSecrets(handle.db);
  logger.info("token encryption rotated", result);
  console.log(`Re-sealed ${result.tokens} integration token row(s), ${result.verifiers} PKCE verifier(s) and ${result.signingSecrets} webhook endpoint(s)' signing secrets under key ${result.currentKeyId}.`);
  if (result.unreadable > 0) {
    console.error(`${result.unreadable} value(s) were sealed under a key missing from TOKEN_ENCRYPTION_KEY and were left as they are: add that key back, or have those users reconnect (or rotate that webhook endpoint's secret).`);
    process.exitCode = 1;
  }
} finally {
  await handle.close();
}
