"use client";

import { useEffect, useState } from "react";
import type { SyncCollection } from "~/lib/schemas/collections";
import { decryptAllRecords, type DecryptedRecord } from "~/lib/sync/decrypt-all";
import { api } from "~/trpc/react";
import { useSyncKey } from "./sync-key";

export type DecryptedState = { records: DecryptedRecord[] } | { error: string } | undefined;

/**
 * The user's records of some collections, pulled and decrypted in this browser with the
 * unlocked key (nothing decrypted leaves it). Undefined while locked or still reading.
 */
export function useDecryptedRecords(collections: readonly SyncCollection[]): DecryptedState {
  const { key } = useSyncKey();
  const utils = api.useUtils();
  const [state, setState] = useState<DecryptedState>();
  // A new array each render must not read everything again: the collections' names are the dependency.
  const names = collections.join(",");
  useEffect(() => {
    if (!key) return;
    let cancelled = false;
    decryptAllRecords({ pull: (input) => utils.client.sync.pull.query(input), dataKey: key.dataKey, userId: key.userId, collections: names.split(",") as SyncCollection[] })
      .then(({ records }) => !cancelled && setState({ records }))
      .catch((error: unknown) => !cancelled && setState({ error: error instanceof Error ? error.message : "Could not decrypt your data." }));
    return () => {
      cancelled = true;
    };
  }, [key, utils, names]);
  return key ? state : undefined;
}
