import type { DbOrTx } from "../db/client";
import { isShowing, readStatusRow, type StatusRow } from "../status/desired";
import type { FocusState } from "./decide";

/**
 * The user's live focus, from the chat status (src/server/status): a focus status is showing
 * (the focus template, from a heartbeat, the page, a schedule or a calendar focus block) and
 * its end has not passed. Its end is `focusUntil`, else the status's own expiry; none: open.
 */
function focusFrom(row: StatusRow | null, now: Date): FocusState {
  if (!row || !isShowing(row, now)) return null;
  if (row.focusUntil && row.focusUntil > now) return { until: row.focusUntil };
  if (row.templateKey === "focus") return { until: row.expiresAt };
  return null;
}

export async function readFocus(db: DbOrTx, userId: string, now: Date): Promise<FocusState> {
  return focusFrom(await readStatusRow(db, userId), now);
}
