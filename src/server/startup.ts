import { getDatabaseHandle } from "./db/client";
import { EnvError, getEnv } from "./env";
import { logger } from "./logger";
import { stampPeerAddresses } from "./http/client-address";
import { stopGracefullyOnSignals } from "./shutdown";

/**
 * Start-up checks: validate the environment (naming any bad variable) and open +
 * migrate the database, so a misconfiguration stops start-up instead of failing
 * the first request.
 */
export async function startServer(): Promise<void> {
  try {
    const env = getEnv();
    logger.info("starting DevPulse Cloud", { appUrl: env.appUrl, database: env.DATABASE_URL ? "postgres" : "pglite" });
    // Who each request came from, for rate limits (src/server/http/client-address.ts). Vercel runs no server of ours: it writes X-Forwarded-For itself.
    if (!env.VERCEL) stampPeerAddresses();
    // From here a SIGTERM stops gracefully (src/server/shutdown.ts), whether or not the database comes up.
    stopGracefullyOnSignals();
  } catch (error) {
    if (error instanceof EnvError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  try {
    const handle = await getDatabaseHandle();
    logger.info("database ready (migrations applied)", { driver: handle.driver });
    const { startJobSchedules } = await import("./jobs/send");
    const mode = await startJobSchedules();
    logger.info(mode === "in-process" ? "background jobs run in-process (no INNGEST_EVENT_KEY or INNGEST_DEV)" : "background jobs run on Inngest", { mode });
  } catch (error) {
    // Keep serving: /api/health reports the reason and the next request retries.
    logger.error("database unavailable at start-up", { error });
  }
}
