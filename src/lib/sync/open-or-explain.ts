import { openRecord, type RecordIdentity, type RecordKeys, type StoredVersion } from "../crypto";

/** A version as it opened, or why it did not (tampered with, corrupted, written wrongly by another client, or under a key not held). */
export type Opened = { value: unknown } | { error: string };

/**
 * Opens one version without throwing, for what shows every version it can and names the ones it
 * cannot (the conflict page, the record history, the decrypted export): one that does not open
 * must not hide the others.
 */
export async function openOrExplain(keys: RecordKeys, identity: RecordIdentity, version: StoredVersion): Promise<Opened> {
  try {
    return { value: await openRecord(keys, identity, version) };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}
