import type { SyncCollection } from "~/lib/schemas/collections";
import type { DbOrTx } from "../db/client";

/**
 * The single place that decides whether the server may store a user's changes to
 * a collection. Today every known collection is allowed; the privacy settings
 * (cloud sync off, a collection switched off) plug in here and make sync.push
 * refuse those changes before anything is stored.
 */
export async function assertCollectionsAllowed(_db: DbOrTx, _userId: string, _collections: Iterable<SyncCollection>): Promise<void> {
  // intentionally permissive until privacy settings exist
}
