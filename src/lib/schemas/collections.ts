import { z } from "zod";
import { ZText } from "./primitives";

/**
 * The synced collections, shared by server, browser and desktop client. Adding a
 * collection is one line here (plus its value schema, used to validate JSON a user
 * edits by hand on the conflict page; the server never sees values).
 */
export const SYNC_COLLECTIONS = ["projects", "activities", "focus_sessions", "settings"] as const;
export type SyncCollection = (typeof SYNC_COLLECTIONS)[number];

/** What each collection is called and holds, in words for people (every page shows these, never the raw keys). */
export const collectionLabels: Record<SyncCollection, { name: string; description: string }> = {
  projects: { name: "Projects", description: "Names, folders and colours of the projects you track." },
  activities: { name: "Activities", description: "Your coding sessions: when they ran and on which project." },
  focus_sessions: { name: "Focus sessions", description: "Start and end of each focus session, its goal and whether you finished it." },
  settings: { name: "App settings", description: "Your DevPulse desktop preferences, so every machine behaves the same." },
};

/** "focus_sessions" → "Focus sessions". An unknown key (an old log entry, a newer server) is shown as it is, never invented. */
export function collectionLabel(key: string): string {
  return Object.hasOwn(collectionLabels, key) ? collectionLabels[key as SyncCollection].name : key;
}

export const ZSyncCollection = z.enum(SYNC_COLLECTIONS, {
  error: (issue) => `Unknown collection ${JSON.stringify(issue.input)}: expected one of ${SYNC_COLLECTIONS.join(", ")}`,
});

/** Record ids are chosen by clients: short, URL- and filename-safe. */
export const ZRecordId = ZText
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
