// `npm run keys:rotate`: re-seal stored provider tokens under the first key of TOKEN_ENCRYPTION_KEY.
import { databaseConfigFromEnv, openDatabase } from "../src/server/db/client";
import { applyMigrations } from "../src/server/db/migrate";
import { rotateTokenEncryption } from "../src/server/integrations/tokens";
import { logger } from "../src/server/logger";

const handle = await openDatabase(databaseConfigFromEnv());
try {
  await applyMigrations(handle);
  const result = await rotateTokenEncryption(handle.db);
  logger.info("token encryption rotated", result);
  console.log(`Re-sealed ${result.tokens} integration token row(s) and ${result.verifiers} PKCE verifier(s) under key ${result.currentKeyId}.`);
  if (result.unreadable > 0) {
    console.error(`${result.unreadable} value(s) were sealed under a key missing from TOKEN_ENCRYPTION_KEY and were left as they are: add that key back, or have those users reconnect.`);
    process.exitCode = 1;
  }
} finally {
  await handle.close();
}
