import type { Migrations } from "../sync/schema-versions";
import type { SyncCollection } from "./collections";

/**
 * Schema steps the web app knows, per collection, for the conflict page to compare two
 * versions in one schema. None yet: each desktop app declares its own migrations
 * (`createSyncClient({ schemas })`). Add a step here only when it is the same pure
 * function the app runs; without it the page compares the versions field by field by
 * name and says that one side came from an older app.
 */
export const COLLECTION_MIGRATIONS: Partial<Record<SyncCollection, Migrations>> = {};
