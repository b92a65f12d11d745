"use client";

import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from "react";
import { unlockKeyRing, WrongPassphraseError, type KeyBundle, type KeyRing } from "~/lib/crypto";
import { api } from "~/trpc/react";

/**
 * The sync data key, unlocked in this browser tab with the user's passphrase and
 * kept in memory only: never stored, never sent. A reload locks it again.
 */
// dataKey is the key ring: new values are sealed under its current key, records under an
// older key (not yet re-encrypted after a key rotation) still open.
type SyncKeyState = { dataKey: KeyRing; userId: string } | undefined;
type SyncKeyContext = {
  key: SyncKeyState;
  unlock: (passphrase: string) => Promise<void>;
  lock: () => void;
};

const Context = createContext<SyncKeyContext | undefined>(undefined);

export function SyncKeyProvider({ children }: { children: ReactNode }) {
  const [key, setKey] = useState<SyncKeyState>();
  const utils = api.useUtils();
  const unlock = useCallback(
    async (passphrase: string) => {
      const [me, bundle] = await Promise.all([utils.auth.me.fetch(), utils.sync.keys.get.fetch()]);
      if (!bundle) throw new Error("Sync is not set up yet: set a passphrase in the desktop app first.");
      const dataKey = await unlockKeyRing(passphrase, bundle as KeyBundle, me.id);
      setKey({ dataKey, userId: me.id });
    },
    [utils],
  );
  const value = useMemo(() => ({ key, unlock, lock: () => setKey(undefined) }), [key, unlock]);
  return <Context.Provider value={value}>{children}</Context.Provider>;
}

export function useSyncKey(): SyncKeyContext {
  const context = useContext(Context);
  if (!context) throw new Error("useSyncKey needs a SyncKeyProvider");
  return context;
}

export function unlockErrorMessage(error: unknown): string {
  if (error instanceof WrongPassphraseError) return "Wrong passphrase. Use the sync passphrase you set in the desktop app.";
  return error instanceof Error ? error.message : "Could not unlock.";
}
