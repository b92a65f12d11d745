import type { TestProject } from "vitest/node";
import { createTestDatabase } from "../../bench/lib/database";

declare module "vitest" {
  export interface ProvidedContext {
    /** One database per Vitest worker (index = VITEST_POOL_ID - 1), or null for PGlite in memory. */
    databaseUrls: string[] | null;
  }
}

/**
 * With TEST_DATABASE_URL, each of the run's workers gets a database of its own on that server; else each
 * has PGlite in memory. A worker's files share its database, and its job runner claims every due run
 * in it: two workers on one database would run each other's jobs against doubles they never started.
 */
export default async function setup(project: TestProject) {
  const server = process.env.TEST_DATABASE_URL;
  if (!server) {
    project.provide("databaseUrls", null);
    return;
  }
  const workers = Math.max(1, Number(project.config.maxWorkers) || 1);
  const databases = await Promise.all(Array.from({ length: workers }, () => createTestDatabase(server, "vitest")));
  project.provide("databaseUrls", databases.map((database) => database.url));
  return () => Promise.all(databases.map((database) => database.drop()));
}
