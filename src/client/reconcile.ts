/**
 * Coming back after the retention period. The server deletes records and
 * tombstones older than the user's retention, so a device whose cursor is older
 * than what was deleted could never learn of those deletions — and would push the
 * deleted records back. The server refuses such a pull (RESYNC_REQUIRED, 410);
 * the device then compares its records with the server's compact listing (ids and
 * revisions, no ciphertext) and pulls on from the horizon.
 */
import { refusalDetails } from "./api-errors";
import type { DevPulseClient } from "./index";
import type { LocalRecord, SyncSnapshot } from "./store";

export const RESYNC_REQUIRED = "RESYNC_REQUIRED";

/** Retention ran more than once while we reconciled: give up after this many rounds (the next sync tries again). */
const MAX_RECONCILE_ROUNDS = 3;
const LISTING_PAGE = 2000;

/** Whether the server refused a pull because the cursor is older than its retention horizon. */
export function isResyncRequired(error: unknown): boolean {
  return refusalDetails(error)?.reason === RESYNC_REQUIRED;
}

export type ReconcileSummary = {
  /** Local records deleted elsewhere that this device had not changed: removed here. */
  removed: number;
  /** Local records deleted elsewhere that this device changed: left pending, so the next push records a delete_conflict. */
  deletedElsewhereButChanged: number;
  /** The cursor the device pulls on from. */
  horizon: number;
};

type ListingEntry = Awaited<ReturnType<DevPulseClient["sync"]["listing"]["query"]>>["entries"][number];

const keyOf = (collection: string, id: string) => `${collection}\u0000${id}`;

/** The server's listing, every page: the latest entry per record (a record changed meanwhile appears again, later). */
async function fetchListing(client: DevPulseClient): Promise<{ entries: Map<string, ListingEntry>; horizon: number }> {
  const entries = new Map<string, ListingEntry>();
  let horizon: number | undefined;
  for (let after = 0; ; ) {
    const page = await client.sync.listing.query({ after, limit: LISTING_PAGE });
    // The first page's horizon: pulling on from it is refused again if retention moved it since.
    horizon ??= page.horizon;
    for (const entry of page.entries) entries.set(keyOf(entry.collection, entry.id), entry);
    if (page.next === null) break;
    after = page.next;
  }
  return { entries, horizon: horizon ?? 0 };
}

/**
 * Compares the device's records with the server's listing and moves the cursor to
 * the horizon. A record the server lists as deleted is removed here — unless this
 * device changed it since its last sync: that one stays pending and meets the
 * deletion at the next push as a delete_conflict for a person to decide, never
 * silently stored again. A record the server does not list at all merely expired
 * (retention deletes unchanged records too; devices keep their copies): it stays.
 * Records changed elsewhere arrive by the pull from the horizon.
 */
export async function reconcileWithServer(client: DevPulseClient, snap: SyncSnapshot): Promise<ReconcileSummary> {
  const { entries, horizon } = await fetchListing(client);
  const summary: ReconcileSummary = { removed: 0, deletedElsewhereButChanged: 0, horizon };
  for (const [collection, local] of Object.entries(snap.records)) {
    for (const [id, record] of Object.entries(local)) {
      const entry = entries.get(keyOf(collection, id));
      if (!entry?.deleted) continue;
      // A pending edit made on top of the deletion itself is an ordinary new revision.
      if (record.dirty && !record.deleted && record.revision !== entry.revision) {
        summary.deletedElsewhereButChanged += 1;
        continue;
      }
      if (record.dirty) continue;
      delete local[id];
      summary.removed += 1;
    }
  }
  // A record reported as unreadable and deleted since has nothing left to read.
  const unreadable = snap.unreadable ?? {};
  for (const [key, record] of Object.entries(unreadable)) if (entries.get(keyOf(record.collection, record.id))?.deleted) delete unreadable[key];
  snap.cursor = Math.max(snap.cursor, horizon);
  return summary;
}

/** One pull page from the device's cursor, reconciling first when the server says the cursor is past retention. */
export async function pullPageOrReconcile(client: DevPulseClient, snap: SyncSnapshot, persist: () => Promise<void>, limit: number) {
  for (let round = 1; ; round++) {
    try {
      return await client.sync.pull.query({ cursor: snap.cursor, limit });
    } catch (error) {
      if (!isResyncRequired(error) || round > MAX_RECONCILE_ROUNDS) throw error;
      await reconcileWithServer(client, snap);
      await persist();
    }
  }
}

/**
 * This device's state for a record whose push met a deletion retention trimmed (a
 * delete_conflict with no server version): it follows the deletion, and its
 * refused version waits in the conflict for a person to restore or drop.
 */
export function followTrimmedDeletion(record: LocalRecord): LocalRecord {
  return { ...record, value: null, deleted: true, revision: null, base: null, baseDeleted: true, dirty: false };
}
