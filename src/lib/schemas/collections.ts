import { z } from "zod";

/**
 * The synced collections, shared by server, browser and desktop client. Adding a
 * collection is one line here (plus its value schema, used to validate JSON a user
 * edits by hand on the conflict page; the server never sees values).
 */
export const SYNC_COLLECTIONS = ["projects", "activities", "focus_sessions", "settings"] as const;
export type SyncCollection = (typeof SYNC_COLLECTIONS)[number];

export const ZSyncCollection = z.enum(SYNC_COLLECTIONS, {
  error: (issue) => `Unknown collection ${JSON.stringify(issue.input)}: expected one of ${SYNC_COLLECTIONS.join(", ")}`,
});

/** Record ids are chosen by clients: short, URL- and filename-safe. */
export const ZRecordId = z
  .string()
  .min(1, "Record id is empty")
  .max(128, "Record id is longer than 128 characters")
  .regex(/^[A-Za-z0-9._:@-]+$/, "Record id may contain only letters, digits and . _ : @ -");

const isoDate = z.iso.datetime({ offset: true });

/** Plaintext shapes of each collection (loose: unknown fields are kept, desktop versions differ). */
export const collectionValueSchemas = {
  projects: z.looseObject({ name: z.string().min(1), path: z.string().optional(), color: z.string().optional(), archived: z.boolean().optional() }),
  activities: z.looseObject({ projectId: z.string().optional(), start: isoDate, end: isoDate.optional(), kind: z.string().optional() }),
  focus_sessions: z.looseObject({ start: isoDate, end: isoDate.optional(), goal: z.string().optional(), completed: z.boolean().optional() }),
  settings: z.record(z.string(), z.unknown()),
} satisfies Record<SyncCollection, z.ZodType>;

/** What people call each collection, for every page and message (never the raw key, like focus_sessions). */
export const COLLECTION_LABELS = {
  projects: "Projects",
  activities: "Activities",
  focus_sessions: "Focus sessions",
  settings: "App settings",
} as const satisfies Record<SyncCollection, string>;

/** "focus_sessions" → "Focus sessions". An unknown key (an old log entry) is shown as it is, never invented. */
export function collectionLabel(key: string): string {
  return Object.hasOwn(COLLECTION_LABELS, key) ? COLLECTION_LABELS[key as SyncCollection] : key;
}
