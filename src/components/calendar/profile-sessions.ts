import type { ActivitySession } from "~/lib/calendar/profile";
import { collectionValueSchemas } from "~/lib/schemas/collections";
import type { DecryptedRecord } from "~/lib/sync/decrypt-all";

/** The profile reads this far back: recent habits, not last year's. */
export const PROFILE_WEEKS = 12;

/** A focus session the user did not finish still says when they tried to focus, at half weight. */
const UNFINISHED_FOCUS_WEIGHT = 0.5;

/**
 * The decrypted activities and focus sessions that ended after `since`, as the sessions
 * `productivityProfile` weighs: coding activity fully, focus sessions by whether they were
 * completed. Records that do not parse (another app's, a newer schema) are left out.
 */
export function profileSessions(records: readonly DecryptedRecord[], since: number): ActivitySession[] {
  const sessions: ActivitySession[] = [];
  for (const record of records) {
    if (record.collection === "activities") {
      const activity = collectionValueSchemas.activities.safeParse(record.value);
      if (activity.success && activity.data.end && Date.parse(activity.data.end) >= since) sessions.push({ start: activity.data.start, end: activity.data.end });
    } else if (record.collection === "focus_sessions") {
      const focus = collectionValueSchemas.focus_sessions.safeParse(record.value);
      if (focus.success && focus.data.end && Date.parse(focus.data.end) >= since) {
        sessions.push({ start: focus.data.start, end: focus.data.end, productivity: focus.data.completed === false ? UNFINISHED_FOCUS_WEIGHT : 1 });
      }
    }
  }
  return sessions;
}
