"use client";

import { useMemo } from "react";
import { productivityProfile } from "~/lib/calendar/profile";
import type { ProductivityProfile } from "~/lib/calendar/schemas";
import { DAY } from "~/lib/calendar/zoned-time";
import { useSyncKey } from "../sync/sync-key";
import { useDecryptedRecords } from "../sync/use-decrypted-records";
import { PROFILE_WEEKS, profileSessions } from "./profile-sessions";

const COLLECTIONS = ["activities", "focus_sessions"] as const;

export type ProfileState =
  | { status: "locked" }
  | { status: "reading" }
  | { status: "error"; message: string }
  /** `profile` is undefined when nothing was recorded: suggestions then weigh every hour alike. */
  | { status: "ready"; profile: ProductivityProfile | undefined; sessions: number };

/**
 * When in the week the user tends to work, from their own activity: decrypted in this
 * browser after unlocking and reduced here to 168 hourly weights, which is all that is
 * sent (for one answer, never stored).
 */
export function useProductivityProfile(timeZone: string): ProfileState {
  const { key } = useSyncKey();
  const decrypted = useDecryptedRecords(COLLECTIONS);
  return useMemo((): ProfileState => {
    if (!key) return { status: "locked" };
    if (!decrypted) return { status: "reading" };
    if ("error" in decrypted) return { status: "error", message: decrypted.error };
    const sessions = profileSessions(decrypted.records, Date.now() - PROFILE_WEEKS * 7 * DAY);
    try {
      return { status: "ready", profile: sessions.length ? productivityProfile(sessions, timeZone) : undefined, sessions: sessions.length };
    } catch (error) {
      return { status: "error", message: error instanceof Error ? error.message : "Could not read your activity." };
    }
  }, [key, decrypted, timeZone]);
}
