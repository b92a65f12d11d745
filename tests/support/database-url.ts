import { inject } from "vitest";

/**
 * This worker's Postgres database (global-setup.ts makes one per worker), or null when the run is on PGlite.
 * VITEST_POOL_ID numbers the workers from 1.
 */
export function workerDatabaseUrl(): string | null {
  return inject("databaseUrls")?.[Number(process.env.VITEST_POOL_ID ?? 1) - 1] ?? null;
}
