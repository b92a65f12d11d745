import type { RecordKeys, StoredVersion } from "../crypto";
import { openOrExplain } from "./open-or-explain";
import type { SyncCollection } from "../schemas/collections";

/**
 * Reads everything a user has synced and decrypts it where the key is: in the
 * browser after unlocking, or in the desktop app. Isomorphic (WebCrypto only);
 * the caller passes its own `sync.pull`, so nothing here knows the transport.
 */
export type PulledVersion = StoredVersion & { collection: SyncCollection; id: string; revision: number; seq: number; schemaVersion: number };
export type PullPage = { changes: PulledVersion[]; cursor: number; hasMore: boolean; latestSeq: number };
export type PullFn = (input: { cursor: number; limit: number; collections?: SyncCollection[] }) => Promise<PullPage>;

export type DecryptedRecord = { collection: SyncCollection; id: string; revision: number; schemaVersion: number; value: unknown };
/** A record that could not be opened with this key (tampered, or written under another key): reported, never guessed at. */
export type UnreadableRecord = { collection: SyncCollection; id: string; revision: number; reason: string };
/** `done` is the share of the user's change sequence read so far (0–1). */
export type DecryptProgress = { records: number; done: number };

const PAGE_SIZE = 1000;

export async function decryptAllRecords(options: {
  pull: PullFn;
  /** One key, or the key ring (after a key rotation, records name the key they are under). */
  dataKey: RecordKeys;
  userId: string;
  collections?: SyncCollection[];
  onProgress?: (progress: DecryptProgress) => void;
}): Promise<{ records: DecryptedRecord[]; unreadable: UnreadableRecord[] }> {
  // By collection and id: a record changed while the pages are read comes again later in the sequence,
  // and its latest version (or its tombstone) replaces what was read before.
  const latest = new Map<string, { record: DecryptedRecord } | { unreadable: UnreadableRecord }>();
  let cursor = 0;
  for (;;) {
    const page = await options.pull({ cursor, limit: PAGE_SIZE, ...(options.collections ? { collections: options.collections } : {}) });
    for (const change of page.changes) {
      const { collection, id, revision, schemaVersion } = change;
      const key = `${collection}\u0000${id}`;
      latest.delete(key);
      if (change.deleted) continue;
      const opened = await openOrExplain(options.dataKey, { userId: options.userId, collection, recordId: id, schemaVersion }, change);
      latest.set(key, "error" in opened ? { unreadable: { collection, id, revision, reason: opened.error } } : { record: { collection, id, revision, schemaVersion, value: opened.value } });
    }
    options.onProgress?.({ records: latest.size, done: page.hasMore && page.latestSeq > 0 ? Math.min(1, page.cursor / page.latestSeq) : 1 });
    if (!page.hasMore) break;
    cursor = page.cursor;
  }
  const entries = [...latest.values()];
  return {
    records: entries.flatMap((entry) => ("record" in entry ? [entry.record] : [])),
    unreadable: entries.flatMap((entry) => ("unreadable" in entry ? [entry.unreadable] : [])),
  };
}

export const DECRYPTED_EXPORT_FORMAT = "devpulse-decrypted-export";

/** The decrypted export's document: each collection's records by id, plus what could not be read. */
export function decryptedExportDocument(input: { userId: string; records: DecryptedRecord[]; unreadable: UnreadableRecord[]; now?: Date }) {
  const collections: Partial<Record<SyncCollection, Record<string, { revision: number; schemaVersion: number; value: unknown }>>> = {};
  for (const { collection, id, revision, schemaVersion, value } of input.records) {
    (collections[collection] ??= {})[id] = { revision, schemaVersion, value };
  }
  return {
    format: DECRYPTED_EXPORT_FORMAT,
    version: 1,
    exportedAt: (input.now ?? new Date()).toISOString(),
    userId: input.userId,
    collections,
    unreadable: input.unreadable,
  };
}
