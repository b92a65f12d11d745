import type { TestProject } from "vitest/node";
// @ts-expect-error plain ESM helper shared with scripts/test.mjs
import { createTestDatabase } from "../../scripts/lib/test-database.mjs";

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string | null;
  }
}

/** With TEST_DATABASE_URL, the run gets its own database on that server; else PGlite in memory. */
export default async function setup(project: TestProject) {
  const server = process.env.TEST_DATABASE_URL;
  if (!server) {
    project.provide("databaseUrl", null);
    return;
  }
  const database = await createTestDatabase(server, "vitest");
  project.provide("databaseUrl", database.url);
  return () => database.drop();
}
