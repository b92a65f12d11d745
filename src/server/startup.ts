import { getDatabaseHandle } from "./db/client";
import { EnvError, getEnv } from "./env";
import { logger } from "./logger";

/**
 * Start-up checks: validate the environment (naming any bad variable) and open +
 * migrate the database, so a misconfiguration stops start-up instead of failing
 * the first request.
 */
export async function startServer(): Promise<void> {
  try {
    const env = getEnv();
    logger.info("starting DevPulse Cloud", { appUrl: env.appUrl, database: env.DATABASE_URL ? "postgres" : "pglite" });
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
    stopGracefullyOnSignals();
    logger.info(mode === "in-process" ? "background jobs run in-process (no INNGEST_EVENT_KEY or INNGEST_DEV)" : "background jobs run on Inngest", { mode });
  } catch (error) {
    // Keep serving: /api/health reports the reason and the next request retries.
    logger.error("database unavailable at start-up", { error });
  }
}

/**
 * SIGTERM (a deploy, `docker stop`) or SIGINT: stop claiming background work, let running
 * steps finish for up to 10 s, then exit; whatever is unfinished resumes at the next start.
 * Next.js leaves these signals to us when NEXT_MANUAL_SIG_HANDLE is set (scripts/start.mjs, Dockerfile).
 * A second signal exits at once.
 */
function stopGracefullyOnSignals() {
  let stopping = false;
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.on(signal, () => {
      if (stopping) process.exit(1);
      stopping = true;
      logger.info("stopping: running background steps may finish (up to 10 s)", { signal });
      void import("./jobs/send")
        .then(({ stopJobEngine }) => stopJobEngine())
        .catch((error: unknown) => logger.error("background jobs did not stop cleanly", { error }))
        .finally(() => process.exit(0));
    });
  }
}
