// `npm run db:migrate`: apply the committed migrations to the configured database.
import { databaseConfigFromEnv, openDatabase } from "../src/server/db/client";
import { applyMigrations } from "../src/server/db/migrate";
import { logger } from "../src/server/logger";

const config = databaseConfigFromEnv();
const handle = await openDatabase(config);
try {
  await applyMigrations(handle);
  logger.info("migrations applied", { driver: config.driver, target: config.driver === "pglite" ? config.dataDir : "DATABASE_URL" });
} finally {
  await handle.close();
}
